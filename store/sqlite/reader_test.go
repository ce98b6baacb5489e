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
