package postgres

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/internal/servicetest"
	"github.com/sessionkit/sessionkit/store"
)

type recSink struct {
	mu      sync.Mutex
	ids     []string
	caught  time.Time
	behinds int
}

func (r *recSink) Revoked(rs ...store.Revocation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range rs {
		if !slices.Contains(r.ids, x.SessionID) {
			r.ids = append(r.ids, x.SessionID)
		}
	}
}

func (r *recSink) CaughtUp(at time.Time) { r.mu.Lock(); r.caught = at; r.mu.Unlock() }
func (r *recSink) Behind(error)          { r.mu.Lock(); r.behinds++; r.mu.Unlock() }

func (r *recSink) state() ([]string, time.Time, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ids), r.caught, r.behinds
}

func (r *recSink) waitCaughtUp(t *testing.T) []string {
	t.Helper()
	now := time.Now()
	deadline := now.Add(10 * time.Second)
	for {
		ids, at, _ := r.state()
		if at.After(now) {
			return ids
		}
		if time.Now().After(deadline) {
			t.Fatal("feed did not catch up within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func liveSession(t *testing.T, s *Store, userID string, expires time.Time) store.Session {
	t.Helper()
	ss := newSession(userID, expires)
	if err := s.CreateSession(context.Background(), ss); err != nil {
		t.Fatal(err)
	}
	return ss
}

// TestFeed: a watcher on one store hears every deletion of a live session
// made through another (the store's methods, raw SQL as Better Auth writes
// it, a user deletion's cascade) and none of an expired one; when its
// listener connection is killed it reports Behind, reconnects, and
// delivers the revocations made meanwhile from the table.
func TestFeed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := servicetest.Postgres(t, pgExec)
	a := openDSN(t, dsn, Options{})
	b := openDSN(t, dsn, Options{})
	pids := make(chan uint32, 10)
	a.feed.pids = func(p uint32) { pids <- p }
	sink := &recSink{}
	if err := a.WatchRevocations(ctx, time.Now().Add(-time.Minute), sink); err != nil {
		t.Fatal(err)
	}
	sink.waitCaughtUp(t)
	u := newUser("Feed")
	if err := b.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	live := time.Now().Add(time.Hour)
	s1, s2, s3 := liveSession(t, b, u.ID, live), liveSession(t, b, u.ID, live), liveSession(t, b, u.ID, live)
	e1, e2 := liveSession(t, b, u.ID, time.Now().Add(-time.Hour)), liveSession(t, b, u.ID, time.Now().Add(-time.Hour))
	if err := b.DeleteSession(ctx, s1.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Pool().Exec(ctx, `DELETE FROM "session" WHERE "token" = $1`, s2.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Pool().Exec(ctx, `DELETE FROM "session" WHERE "token" = $1`, e2.Token); err != nil {
		t.Fatal(err)
	}
	if n, err := b.DeleteExpired(ctx, time.Now(), 10); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v, want 1 (%s)", n, err, e1.ID)
	}
	start := time.Now()
	for {
		ids, _, _ := sink.state()
		if len(ids) >= 2 {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("after 1s: delivered %v", ids)
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Logf("notified within %v", time.Since(start))

	// Kill the listener; revoke while it is away (s3, by the user's cascade).
	var pid uint32
	select {
	case pid = <-pids:
	case <-time.After(5 * time.Second):
		t.Fatal("no listener pid")
	}
	if _, err := b.Pool().Exec(ctx, `SELECT pg_terminate_backend($1)`, int64(pid)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Pool().Exec(ctx, `DELETE FROM "user" WHERE "id" = $1`, u.ID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, _, behinds := sink.state(); behinds > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("killed listener: no Behind")
		}
		time.Sleep(5 * time.Millisecond)
	}
	got := sink.waitCaughtUp(t)
	want := []string{s1.ID, s2.ID, s3.ID}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("delivered %v, want %v (live sessions only, s3 after the reconnect)", got, want)
	}
}

// TestFeedSchemaIdempotent: opening twice keeps one table, one function
// and one trigger.
func TestFeedSchemaIdempotent(t *testing.T) {
	t.Parallel()
	dsn := servicetest.Postgres(t, pgExec)
	openDSN(t, dsn, Options{})
	s := openDSN(t, dsn, Options{})
	var n int
	if err := s.Pool().QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM pg_trigger WHERE tgname = 'sessionkit_session_revoked' AND tgrelid = '"session"'::regclass) +
		(SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.proname = 'sessionkit_session_revoked' AND n.nspname = current_schema()) +
		(SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'sessionkit_revocation')`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("feed objects: %d %v, want 3", n, err)
	}
}

// TestNotifiedID: a payload names its schema; a bare id (an older
// trigger) is taken as it is.
func TestNotifiedID(t *testing.T) {
	for _, tc := range []struct {
		payload, schema, id string
		ours                bool
	}{
		{"app abc123", "app", "abc123", true},
		{"other abc123", "app", "abc123", false},
		{"abc123", "app", "abc123", true},
	} {
		id, ours := notifiedID(tc.payload, tc.schema)
		if id != tc.id || ours != tc.ours {
			t.Errorf("notifiedID(%q, %q) = %q, %v; want %q, %v", tc.payload, tc.schema, id, ours, tc.id, tc.ours)
		}
	}
}

// TestFeedIgnoresOtherSchemas: NOTIFY channels are database-wide; a
// revocation in another schema of the same database is not delivered.
func TestFeedIgnoresOtherSchemas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := openDSN(t, servicetest.Postgres(t, pgExec), Options{})
	other := openDSN(t, servicetest.Postgres(t, pgExec), Options{})
	sink := &recSink{}
	if err := a.WatchRevocations(ctx, time.Now().Add(-time.Minute), sink); err != nil {
		t.Fatal(err)
	}
	sink.waitCaughtUp(t)
	u := newUser("Other")
	if err := other.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	s := liveSession(t, other, u.ID, time.Now().Add(time.Hour))
	if err := other.DeleteSession(ctx, s.Token); err != nil {
		t.Fatal(err)
	}
	// Give a stray notification time to arrive, then look.
	time.Sleep(300 * time.Millisecond)
	if ids, _, _ := sink.state(); len(ids) != 0 {
		t.Fatalf("delivered %v from another schema", ids)
	}
}
