package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/storetest"
)

// pragmaInt reads an integer PRAGMA on r's connection.
func pragmaInt(t *testing.T, r *reader, name string) int64 {
	t.Helper()
	q, err := libc.CString("PRAGMA " + name)
	if err != nil {
		t.Fatal(err)
	}
	defer libc.Xfree(r.tls, q)
	p := libc.Xmalloc(r.tls, ptrSize)
	defer libc.Xfree(r.tls, p)
	if rc := sqlite3.Xsqlite3_prepare_v2(r.tls, r.db, q, -1, p, 0); rc != sqlite3.SQLITE_OK {
		t.Fatalf("PRAGMA %s: %v", name, r.error("", rc))
	}
	st := *(*uintptr)(cPtr(p))
	defer sqlite3.Xsqlite3_finalize(r.tls, st)
	if rc := sqlite3.Xsqlite3_step(r.tls, st); rc != sqlite3.SQLITE_ROW {
		t.Fatalf("PRAGMA %s: %v", name, r.error("", rc))
	}
	return sqlite3.Xsqlite3_column_int64(r.tls, st, 0)
}

// TestReaderSettings: the lookup connections run with the pool's settings,
// and cannot write.
func TestReaderSettings(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{BusyTimeout: 1234 * time.Millisecond})
	r, err := s.readers.get()
	if err != nil {
		t.Fatal(err)
	}
	defer s.readers.put(r, false)
	for name, want := range map[string]int64{
		"busy_timeout": 1234,
		"mmap_size":    mmapSize,
		"cache_size":   defaultCacheSize,
		"query_only":   1,
	} {
		if got := pragmaInt(t, r, name); got != want {
			t.Errorf("PRAGMA %s = %d on a lookup connection, want %d", name, got, want)
		}
	}
	if err := r.exec(`DELETE FROM "session"`); err == nil || !strings.Contains(err.Error(), "readonly") && !strings.Contains(err.Error(), "read-only") {
		t.Errorf("a write on a lookup connection = %v, want a read-only error", err)
	}
}

// addSession creates a user and a session with token, live for a day.
func addSession(t *testing.T, s *Store, token string) store.Session {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	u := store.User{ID: store.NewID(), Name: "R", Email: store.NewID() + "@example.com", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	ss := store.Session{ID: store.NewID(), Token: token, UserID: u.ID, ExpiresAt: now.Add(24 * time.Hour), CreatedAt: now, UpdatedAt: now}
	if err := s.CreateSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	return ss
}

// TestLookupRecovers: a lookup that SQLite fails (the table renamed away
// under the prepared statement) is an error, not "no session", and drops
// the connection; once the table is back, lookups work again.
func TestLookupRecovers(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{SweepInterval: -1})
	ctx := context.Background()
	ss := addSession(t, s, "recover-token")
	if _, _, err := s.SessionByToken(ctx, ss.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`ALTER TABLE "session" RENAME TO "session_away"`); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.SessionByToken(ctx, ss.Token)
	if err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("SessionByToken without the table = %v, want an error other than ErrNotFound", err)
	}
	s.readers.mu.Lock()
	idle := len(s.readers.idle)
	s.readers.mu.Unlock()
	if idle != 0 {
		t.Errorf("%d idle lookup connections after a failed lookup, want the failed one dropped", idle)
	}
	if _, err := s.DB().Exec(`ALTER TABLE "session_away" RENAME TO "session"`); err != nil {
		t.Fatal(err)
	}
	if got, _, err := s.SessionByToken(ctx, ss.Token); err != nil || got.ID != ss.ID {
		t.Errorf("SessionByToken after the table came back = %v, %v; want session %s", got.ID, err, ss.ID)
	}
}

// TestLookupBadDate: a date that is not one is an error, not "no session",
// and the connection keeps working.
func TestLookupBadDate(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{SweepInterval: -1, MaxOpenConns: 1})
	ctx := context.Background()
	good := addSession(t, s, "good-token")
	bad := addSession(t, s, "bad-token")
	for _, v := range []any{"yesterday", 1.5} {
		if _, err := s.DB().Exec(`UPDATE "session" SET "updatedAt" = ? WHERE "id" = ?`, v, bad.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SessionByToken(ctx, bad.Token); err == nil || errors.Is(err, store.ErrNotFound) {
			t.Errorf("SessionByToken with updatedAt %v = %v, want an error other than ErrNotFound", v, err)
		}
		if got, _, err := s.SessionByToken(ctx, good.Token); err != nil || got.ID != good.ID {
			t.Errorf("SessionByToken of a good row after a bad one = %v, %v", got.ID, err)
		}
	}
}

// TestLookupTokenSizes: tokens longer than the connection's buffer are
// bound whole (the buffer grows), and a prefix of a token finds nothing.
func TestLookupTokenSizes(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{SweepInterval: -1, MaxOpenConns: 1})
	ctx := context.Background()
	short := addSession(t, s, "t")
	long := addSession(t, s, strings.Repeat("L", 5000))
	for _, ss := range []store.Session{short, long, short} {
		if got, _, err := s.SessionByToken(ctx, ss.Token); err != nil || got.ID != ss.ID || got.Token != ss.Token {
			t.Errorf("SessionByToken(%d bytes) = %q, %v; want session %s", len(ss.Token), got.ID, err, ss.ID)
		}
	}
	for _, tok := range []string{"", long.Token[:4999], long.Token + "L"} {
		if _, _, err := s.SessionByToken(ctx, tok); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SessionByToken(%d bytes) = %v, want ErrNotFound", len(tok), err)
		}
	}
}

// TestReaderPoolBound: no more lookup connections than MaxOpenConns are in
// use at once; a lookup waits for one to come back, and gets it.
func TestReaderPoolBound(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{SweepInterval: -1, MaxOpenConns: 1})
	r1, err := s.readers.get()
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *reader)
	go func() {
		r, err := s.readers.get()
		if err != nil {
			t.Error(err)
		}
		got <- r
	}()
	select {
	case <-got:
		t.Fatal("a second lookup connection was handed out while the only one was in use")
	case <-time.After(50 * time.Millisecond):
	}
	s.readers.put(r1, false)
	if r2 := <-got; r2 != r1 {
		t.Error("the waiting lookup got a new connection, want the one given back")
	} else {
		s.readers.put(r2, false)
	}
}

// TestReaderCloseInFlight: Close while a lookup holds a connection closes
// that connection when it comes back, and later lookups fail.
func TestReaderCloseInFlight(t *testing.T) {
	t.Parallel()
	s, err := OpenWith(filepath.Join(t.TempDir(), "close.db"), Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	ss := addSession(t, s, "in-flight")
	r, err := s.readers.get()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _, _, err := r.lookup(ss.Token); err != nil || got.ID != ss.ID {
		t.Errorf("the lookup in flight = %v, %v; want its session", got.ID, err)
	}
	s.readers.put(r, false)
	if r.db != 0 || r.tls != nil {
		t.Error("the connection given back after Close is still open")
	}
	if _, _, err := s.SessionByToken(context.Background(), ss.Token); !errors.Is(err, errReadersClosed) {
		t.Errorf("SessionByToken after Close = %v, want %v", err, errReadersClosed)
	}
}

// lookupFields are the fields of the lookup's columns, in the order scan
// reads them (lookupKinds): the session's, then the user's.
var lookupFields = [lookupColumns]struct {
	user  bool
	field string
}{
	{false, "id"}, {false, "token"}, {false, "userId"}, {false, "expiresAt"}, {false, "createdAt"}, {false, "updatedAt"}, {false, "ipAddress"}, {false, "userAgent"},
	{true, "id"}, {true, "name"}, {true, "email"}, {true, "emailVerified"}, {true, "image"}, {true, "createdAt"}, {true, "updatedAt"},
}

// withDefault is Better Auth's default naming and then namings.
var withDefault = append([]struct {
	name   string
	schema store.Schema
}{{"default", store.Schema{}}}, namings...)

// TestLookupColumnsAnyNames: the lookup render writes for any naming
// returns, in scan's order, the columns those names give each field.
func TestLookupColumnsAnyNames(t *testing.T) {
	t.Parallel()
	for _, n := range withDefault {
		t.Run(n.name, func(t *testing.T) {
			t.Parallel()
			s := openTemp(t, Options{Schema: n.schema})
			r, err := s.readers.get()
			if err != nil {
				t.Fatal(err)
			}
			defer s.readers.put(r, false)
			if r.hint == nil || r.byRow == 0 {
				t.Fatal("the lookup connection has no hints")
			}
			for _, st := range []struct {
				name   string
				stmt   uintptr
				rowids bool
			}{{"by token", r.stmt, true}, {"by rowids", r.byRow, false}} {
				want := int32(lookupColumns)
				if st.rowids {
					want += 2
				}
				if got := sqlite3.Xsqlite3_column_count(r.tls, st.stmt); got != want {
					t.Fatalf("the lookup %s has %d columns, want %d", st.name, got, want)
				}
				for i, f := range lookupFields {
					tbl, alias := s.tables.Session, "s."
					if f.user {
						tbl, alias = s.tables.User, "u."
					}
					want := tbl.Col(f.field)
					if strings.HasSuffix(f.field, "At") {
						want = "+" + alias + store.Quote(want)
					}
					if got := libc.GoString(sqlite3.Xsqlite3_column_name(r.tls, st.stmt, int32(i))); got != want {
						t.Errorf("%s: column %d = %s, want %s (%s's %s)", st.name, i, got, want, tbl.Name, f.field)
					}
				}
				for i := lookupColumns; st.rowids && i < lookupColumns+2; i++ {
					if got := libc.GoString(sqlite3.Xsqlite3_column_name(r.tls, st.stmt, int32(i))); got != "rowid" {
						t.Errorf("%s: column %d = %s, want rowid", st.name, i, got)
					}
				}
			}
		})
	}
}

// TestRenamedLookupUsesReader: with a renamed schema, SessionByToken runs
// on the lookup pool (a connection is opened and kept) and returns every
// field of the session and user as written, as the database/sql path does.
func TestRenamedLookupUsesReader(t *testing.T) {
	t.Parallel()
	for _, n := range namings {
		t.Run(n.name, func(t *testing.T) {
			t.Parallel()
			s := openTemp(t, Options{Schema: n.schema})
			ctx := context.Background()
			now := time.Now().UTC().Truncate(time.Millisecond)
			u := store.User{ID: store.NewID(), Name: "Renamed", Email: "renamed@example.com", EmailVerified: true,
				Image: "https://example.com/a.png", CreatedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-time.Minute)}
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			ss := store.Session{ID: store.NewID(), Token: "renamed-token", UserID: u.ID, ExpiresAt: now.Add(24 * time.Hour),
				CreatedAt: now.Add(-time.Second), UpdatedAt: now, IPAddress: "192.0.2.1", UserAgent: "test/1"}
			if err := s.CreateSession(ctx, ss); err != nil {
				t.Fatal(err)
			}
			if s.readers == nil {
				t.Fatal("a store with a renamed schema has no lookup pool")
			}
			gotS, gotU, err := s.SessionByToken(ctx, ss.Token)
			if err != nil {
				t.Fatal(err)
			}
			if gotS != ss || gotU != u {
				t.Errorf("SessionByToken =\n%+v\n%+v\nwant\n%+v\n%+v", gotS, gotU, ss, u)
			}
			s.readers.mu.Lock()
			idle := len(s.readers.idle)
			s.readers.mu.Unlock()
			if idle != 1 {
				t.Errorf("%d idle lookup connections after one lookup, want 1 (the lookup went through the pool)", idle)
			}
			sqlS, sqlU, err := s.lookup(ctx, ss.Token)
			if err != nil || sqlS != gotS || sqlU != gotU {
				t.Errorf("database/sql lookup = %+v, %+v, %v; want what the pool returned", sqlS, sqlU, err)
			}
			if _, _, err := s.SessionByToken(ctx, "no-such-token"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("SessionByToken of an unknown token = %v, want ErrNotFound", err)
			}
		})
	}
}

// TestConformanceSQLLookup runs the conformance suite with SessionByToken
// through database/sql (no lookup pool), in the default and the renamed
// schemas.
func TestConformanceSQLLookup(t *testing.T) {
	t.Parallel()
	for _, n := range withDefault {
		t.Run(n.name, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, func(t *testing.T) store.Store {
				s, err := OpenWith(filepath.Join(t.TempDir(), "sessions.db"), Options{SweepInterval: -1, Schema: n.schema, sqlLookup: true})
				if err != nil {
					t.Fatal(err)
				}
				if s.readers != nil {
					t.Fatal("sqlLookup: the store has a lookup pool")
				}
				return s
			})
		})
	}
}

// runs is how many times stmt has run on r.
func runs(r *reader, stmt uintptr) int32 {
	return sqlite3.Xsqlite3_stmt_status(r.tls, stmt, sqlite3.SQLITE_STMTSTATUS_RUN, 0)
}

// rowids returns the rowids of session ss and of its user.
func rowids(t *testing.T, s *Store, ss store.Session) (sRow, uRow int64) {
	t.Helper()
	if err := s.DB().QueryRow(`SELECT s.rowid, u.rowid FROM "session" s, "user" u WHERE s."id" = ? AND u."id" = s."userId"`, ss.ID).Scan(&sRow, &uRow); err != nil {
		t.Fatal(err)
	}
	return sRow, uRow
}

// onlyReader returns the one lookup connection of s (MaxOpenConns 1), to
// count its statements' runs; the caller gives it back before the next
// lookup.
func onlyReader(t *testing.T, s *Store) *reader {
	t.Helper()
	r, err := s.readers.get()
	if err != nil {
		t.Fatal(err)
	}
	if r.hint == nil {
		t.Fatal("the lookup connection has no hints")
	}
	return r
}

// TestHintReadsCurrentRows: a found token is read again by its rowids,
// and what that returns is the rows as they are now (nothing but the
// rowids is remembered); a deleted session is not found, and its hint is
// dropped.
func TestHintReadsCurrentRows(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{MaxOpenConns: 1})
	ctx := context.Background()
	ss := addSession(t, s, "hint-token")
	r := onlyReader(t, s)
	s.readers.put(r, false)
	lookup := func(wantToken, wantRowids int32) (store.Session, store.User, error) {
		t.Helper()
		gotS, gotU, err := s.SessionByToken(ctx, ss.Token)
		if n := runs(r, r.stmt); n != wantToken {
			t.Errorf("lookups by token: %d, want %d", n, wantToken)
		}
		if n := runs(r, r.byRow); n != wantRowids {
			t.Errorf("lookups by rowids: %d, want %d", n, wantRowids)
		}
		return gotS, gotU, err
	}
	if got, _, err := lookup(1, 0); err != nil || got.ID != ss.ID {
		t.Fatalf("first lookup = %v, %v", got.ID, err)
	}
	sRow, uRow := rowids(t, s, ss)
	if gs, gu, ok := s.readers.hint.get(s.readers.hint.key(ss.Token)); !ok || gs != sRow || gu != uRow {
		t.Errorf("hint after a found lookup = %d, %d, %v; want %d, %d", gs, gu, ok, sRow, uRow)
	}
	if got, _, err := lookup(1, 1); err != nil || got != ss {
		t.Fatalf("lookup by hint = %+v, %v; want %+v", got, err, ss)
	}
	later := ss.ExpiresAt.Add(time.Hour)
	if _, err := s.DB().Exec(`UPDATE "session" SET "expiresAt" = ?, "ipAddress" = '198.51.100.9' WHERE "id" = ?`, store.FormatTime(later), ss.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`UPDATE "user" SET "name" = 'Renamed' WHERE "id" = ?`, ss.UserID); err != nil {
		t.Fatal(err)
	}
	gotS, gotU, err := lookup(1, 2)
	if err != nil || !gotS.ExpiresAt.Equal(later) || gotS.IPAddress != "198.51.100.9" || gotU.Name != "Renamed" {
		t.Errorf("lookup by hint after updates = %v %q %q, %v; want the updated rows", gotS.ExpiresAt, gotS.IPAddress, gotU.Name, err)
	}
	if err := s.DeleteSession(ctx, ss.Token); err != nil {
		t.Fatal(err)
	}
	if _, _, err := lookup(2, 3); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("lookup of a deleted session = %v, want ErrNotFound", err)
	}
	if _, _, ok := s.readers.hint.get(s.readers.hint.key(ss.Token)); ok {
		t.Error("the hint of a deleted session was kept")
	}
}

// TestWrongHints: a hint that does not lead to the token's rows (another
// session's row, another user's row, no row, another token's hint) never
// answers; the lookup reads by token, and the hint is corrected.
func TestWrongHints(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{MaxOpenConns: 1})
	ctx := context.Background()
	a := addSession(t, s, "token-a")
	b := addSession(t, s, "token-b")
	aRow, auRow := rowids(t, s, a)
	bRow, buRow := rowids(t, s, b)
	h := s.readers.hint
	for _, c := range []struct {
		name       string
		token      string
		sRow, uRow int64
		want       *store.Session // nil: not found
	}{
		{"another session and its user", a.Token, bRow, buRow, &a},
		{"another user", a.Token, aRow, buRow, &a},
		{"no such session row", a.Token, bRow + 1000, auRow, &a},
		{"no such user row", a.Token, aRow, buRow + 1000, &a},
		{"an unknown token with a session's hint", "token-c", aRow, auRow, nil},
		{"a prefix of a token", "token-", aRow, auRow, nil},
		{"a token with a suffix", a.Token + "x", aRow, auRow, nil},
	} {
		key := h.key(c.token)
		h.put(key, c.sRow, c.uRow)
		gotS, gotU, err := s.SessionByToken(ctx, c.token)
		if c.want == nil {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: SessionByToken = %q (user %q), %v; want ErrNotFound", c.name, gotS.ID, gotU.ID, err)
			}
			if _, _, ok := h.get(key); ok {
				t.Errorf("%s: the wrong hint was kept", c.name)
			}
			continue
		}
		if err != nil || gotS != *c.want || gotU.ID != c.want.UserID {
			t.Errorf("%s: SessionByToken = %q (user %q), %v; want %q (user %q)", c.name, gotS.ID, gotU.ID, err, c.want.ID, c.want.UserID)
		}
		if gs, gu, ok := h.get(key); !ok || gs != aRow || gu != auRow {
			t.Errorf("%s: hint after the lookup = %d, %d, %v; want %d, %d", c.name, gs, gu, ok, aRow, auRow)
		}
	}
}

// TestHintsUnderChurn: lookups on several connections stay right while
// other goroutines fill every slot with wrong hints (and the right keys
// with the wrong rowids), sessions come and go, and lookups race to set
// hints: a mix of two hints read half-written is one more wrong hint.
func TestHintsUnderChurn(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{MaxOpenConns: 4})
	ctx := context.Background()
	var live []store.Session
	var rows [][2]int64
	for i := range 8 {
		ss := addSession(t, s, "churn-"+strings.Repeat("x", i))
		sRow, uRow := rowids(t, s, ss)
		live, rows = append(live, ss), append(rows, [2]int64{sRow, uRow})
	}
	h := s.readers.hint
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // wrong hints, everywhere
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			wrong := rows[(i+1)%len(rows)]
			h.put(h.key(live[i%len(live)].Token), wrong[0], wrong[1])
			h.put(uint64(i)<<(64-hintBits)|1, rows[i%len(rows)][0], rows[i%len(rows)][1])
			h.put(h.key("churn-gone"), rows[i%len(rows)][0], rows[i%len(rows)][1])
		}
	}()
	errs := make(chan error, 4)
	for g := range 4 {
		go func() {
			for i := range 300 {
				ss := live[(g+i)%len(live)]
				gotS, gotU, err := s.SessionByToken(ctx, ss.Token)
				if err != nil || gotS.ID != ss.ID || gotU.ID != ss.UserID {
					errs <- fmt.Errorf("SessionByToken(%s) = %q (user %q), %v; want %q (user %q)", ss.Token, gotS.ID, gotU.ID, err, ss.ID, ss.UserID)
					return
				}
				if _, _, err := s.SessionByToken(ctx, "churn-gone"); !errors.Is(err, store.ErrNotFound) {
					errs <- fmt.Errorf("SessionByToken of an unknown token = %v, want ErrNotFound", err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	close(stop)
	<-done
}

// TestHintFailureFailsClosed: when the lookup by rowids fails in SQLite
// (the user table renamed away under it), the lookup is an error, not "no
// session" and not a second try by token, and the connection is dropped;
// once the table is back, the hint serves again.
func TestHintFailureFailsClosed(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{MaxOpenConns: 1})
	ctx := context.Background()
	ss := addSession(t, s, "fail-token")
	if _, _, err := s.SessionByToken(ctx, ss.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`ALTER TABLE "user" RENAME TO "user_away"`); err != nil {
		t.Fatal(err)
	}
	r := onlyReader(t, s)
	byToken := runs(r, r.stmt)
	_, _, failed, err := r.lookup(ss.Token)
	if err == nil || errors.Is(err, store.ErrNotFound) || !failed {
		t.Errorf("lookup without the user table = %v (failed %v), want a failure other than ErrNotFound", err, failed)
	}
	if n := runs(r, r.stmt); n != byToken {
		t.Errorf("a failed lookup by rowids went on by token (%d runs, want %d)", n, byToken)
	}
	s.readers.put(r, failed)
	if _, _, err := s.SessionByToken(ctx, ss.Token); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("SessionByToken without the user table = %v, want an error other than ErrNotFound", err)
	}
	if _, err := s.DB().Exec(`ALTER TABLE "user_away" RENAME TO "user"`); err != nil {
		t.Fatal(err)
	}
	r = onlyReader(t, s)
	s.readers.put(r, false)
	if got, _, err := s.SessionByToken(ctx, ss.Token); err != nil || got.ID != ss.ID {
		t.Errorf("SessionByToken after the table came back = %v, %v; want session %s", got.ID, err, ss.ID)
	}
	if n := runs(r, r.byRow); n != 1 {
		t.Errorf("lookups by rowids on the new connection: %d, want 1 (the hint kept)", n)
	}
}

// TestLookupWithoutRowids: a user table without rowids (WITHOUT ROWID)
// cannot be read by rowids; its lookups go by token, without hints.
func TestLookupWithoutRowids(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "norowid.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	q := strings.Replace(defaultSQL.schema[0], "IF NOT EXISTS", "", 1) + " WITHOUT ROWID"
	if _, err := db.Exec(q); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := OpenWith(path, Options{SweepInterval: -1, MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ss := addSession(t, s, "norowid-token")
	for range 2 {
		if got, _, err := s.SessionByToken(context.Background(), ss.Token); err != nil || got.ID != ss.ID {
			t.Errorf("SessionByToken = %v, %v; want session %s", got.ID, err, ss.ID)
		}
	}
	r, err := s.readers.get()
	if err != nil {
		t.Fatal(err)
	}
	defer s.readers.put(r, false)
	if r.hint != nil || r.byRow != 0 {
		t.Error("a connection to a table without rowids has hints")
	}
	if n := runs(r, r.stmt); n != 2 {
		t.Errorf("lookups by token: %d, want 2", n)
	}
}
