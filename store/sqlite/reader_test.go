package sqlite

import (
	"context"
	"errors"
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
			if got := sqlite3.Xsqlite3_column_count(r.tls, r.stmt); got != lookupColumns {
				t.Fatalf("the lookup has %d columns, want %d", got, lookupColumns)
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
				if got := libc.GoString(sqlite3.Xsqlite3_column_name(r.tls, r.stmt, int32(i))); got != want {
					t.Errorf("column %d = %s, want %s (%s's %s)", i, got, want, tbl.Name, f.field)
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
