package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// recSink records what a feed reports.
type recSink struct {
	mu      sync.Mutex
	ids     []string
	caught  time.Time
	behind  error
	behinds int
}

func (r *recSink) Revoked(rs ...store.Revocation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range rs {
		r.ids = append(r.ids, x.SessionID)
	}
}

func (r *recSink) CaughtUp(at time.Time) {
	r.mu.Lock()
	r.caught, r.behind = at, nil
	r.mu.Unlock()
}

func (r *recSink) Behind(err error) {
	r.mu.Lock()
	r.behind = err
	r.behinds++
	r.mu.Unlock()
}

func (r *recSink) state() ([]string, time.Time, int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ids), r.caught, r.behinds, r.behind
}

// waitCaughtUp waits until the feed has caught up with everything
// committed by now.
func (r *recSink) waitCaughtUp(t *testing.T) []string {
	t.Helper()
	now := time.Now()
	deadline := now.Add(5 * time.Second)
	for {
		ids, at, _, _ := r.state()
		if at.After(now) {
			return ids
		}
		if time.Now().After(deadline) {
			t.Fatal("feed did not catch up within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func twoHandles(t *testing.T) (*Store, *Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shared.db")
	var out [2]*Store
	for i := range out {
		s, err := OpenWith(path, Options{SweepInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out[i] = s
	}
	return out[0], out[1]
}

func feedSession(t *testing.T, s *Store, userID string, expires time.Time) store.Session {
	t.Helper()
	now := time.Now()
	ss := store.Session{ID: store.NewID(), Token: store.NewID(), UserID: userID, ExpiresAt: expires, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateSession(context.Background(), ss); err != nil {
		t.Fatal(err)
	}
	return ss
}

// TestFeedRecordsRevocationsNotExpiry: every deletion of a live session is
// delivered to a watcher on another handle, whoever deletes it (this
// store, raw SQL as Better Auth writes it, a user deletion's cascade);
// deletions of expired sessions (the sweeper, Better Auth's cleanup on
// read) are not.
func TestFeedRecordsRevocationsNotExpiry(t *testing.T) {
	ctx := context.Background()
	a, b := twoHandles(t)
	sink := &recSink{}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := a.WatchRevocations(wctx, time.Now().Add(-time.Minute), sink); err != nil {
		t.Fatal(err)
	}
	u := store.User{ID: store.NewID(), Name: "U", Email: "u@example.com", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := b.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	live := time.Now().Add(time.Hour)
	past := time.Now().Add(-time.Hour)
	s1 := feedSession(t, b, u.ID, live)
	s2 := feedSession(t, b, u.ID, live)
	s3 := feedSession(t, b, u.ID, live)
	s4 := feedSession(t, b, u.ID, live)
	e1 := feedSession(t, b, u.ID, past)
	e2 := feedSession(t, b, u.ID, past)

	if err := b.DeleteSession(ctx, s1.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.Exec(`DELETE FROM "session" WHERE "token" = ?`, s2.Token); err != nil { // Better Auth's revoke-session
		t.Fatal(err)
	}
	if _, err := b.db.Exec(`DELETE FROM "session" WHERE "token" = ?`, e2.Token); err != nil { // Better Auth's cleanup on read
		t.Fatal(err)
	}
	if n, err := b.DeleteExpired(ctx, time.Now(), 10); err != nil || n != 1 { // the sweeper: e1
		t.Fatalf("sweep: %d %v, want 1", n, err)
	}
	if _, _, err := b.SessionByToken(ctx, e1.Token); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("e1 after the sweep: %v", err)
	}
	if _, err := b.db.Exec(`DELETE FROM "user" WHERE "id" = ?`, u.ID); err != nil { // cascades to s3, s4
		t.Fatal(err)
	}
	got := sink.waitCaughtUp(t)
	want := []string{s1.ID, s2.ID, s3.ID, s4.ID}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("delivered %v, want %v (the live sessions only)", got, want)
	}
}

// TestFeedSince: a watcher started later receives the revocations made
// since its since, not older ones.
func TestFeedSince(t *testing.T) {
	ctx := context.Background()
	a, b := twoHandles(t)
	u := store.User{ID: store.NewID(), Name: "U", Email: "u@example.com", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := b.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	old := feedSession(t, b, u.ID, time.Now().Add(time.Hour))
	recent := feedSession(t, b, u.ID, time.Now().Add(time.Hour))
	for _, s := range []store.Session{old, recent} {
		if err := b.DeleteSession(ctx, s.Token); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.db.Exec(`UPDATE "sessionkit_revocation" SET "revokedAt" = ? WHERE "sessionId" = ?`,
		store.FormatTime(time.Now().Add(-time.Hour)), old.ID); err != nil {
		t.Fatal(err)
	}
	sink := &recSink{}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := a.WatchRevocations(wctx, time.Now().Add(-10*time.Minute), sink); err != nil {
		t.Fatal(err)
	}
	if got := sink.waitCaughtUp(t); !slices.Equal(got, []string{recent.ID}) {
		t.Fatalf("delivered %v, want only %v", got, recent.ID)
	}
}

// TestFeedBehind: a failing poll, a blocked poll and a missing table each
// leave the sink without a fresh CaughtUp (Behind on errors); once the
// fault ends the feed catches up, revocations made meanwhile included.
func TestFeedBehind(t *testing.T) {
	ctx := context.Background()
	for _, fault := range []string{"poll-error", "poll-blocked", "table-renamed"} {
		t.Run(fault, func(t *testing.T) {
			a, b := twoHandles(t)
			u := store.User{ID: store.NewID(), Name: "U", Email: "u@example.com", CreatedAt: time.Now(), UpdatedAt: time.Now()}
			if err := b.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var hookErr error
			release := make(chan struct{})
			blocked := false
			a.feed.hook = func(ctx context.Context) error {
				mu.Lock()
				err, blk := hookErr, blocked
				mu.Unlock()
				if blk {
					select {
					case <-release:
					case <-ctx.Done():
					}
				}
				return err
			}
			sink := &recSink{}
			wctx, cancel := context.WithCancel(ctx)
			defer cancel()
			if err := a.WatchRevocations(wctx, time.Now().Add(-time.Minute), sink); err != nil {
				t.Fatal(err)
			}
			sink.waitCaughtUp(t)

			mu.Lock()
			switch fault {
			case "poll-error":
				hookErr = errors.New("injected")
			case "poll-blocked":
				blocked = true
			case "table-renamed":
				if _, err := b.db.Exec(`ALTER TABLE "sessionkit_revocation" RENAME TO "moved"`); err != nil {
					t.Fatal(err)
				}
			}
			mu.Unlock()
			s := feedSession(t, b, u.ID, time.Now().Add(time.Hour))
			if fault != "table-renamed" {
				if err := b.DeleteSession(ctx, s.Token); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(300 * time.Millisecond)
			faultAt := time.Now().Add(-250 * time.Millisecond)
			ids, caught, _, behind := sink.state()
			if caught.After(faultAt) || len(ids) != 0 {
				t.Fatalf("during the fault: caught up at %v (fault since ~%v), delivered %v", caught, faultAt, ids)
			}
			if fault != "poll-blocked" && behind == nil {
				t.Fatal("no Behind during the fault")
			}

			mu.Lock()
			switch fault {
			case "poll-error":
				hookErr = nil
			case "poll-blocked":
				blocked = false
				close(release)
			case "table-renamed":
				if _, err := b.db.Exec(`ALTER TABLE "moved" RENAME TO "sessionkit_revocation"`); err != nil {
					t.Fatal(err)
				}
				if err := b.DeleteSession(ctx, s.Token); err != nil {
					t.Fatal(err)
				}
			}
			mu.Unlock()
			if got := sink.waitCaughtUp(t); !slices.Equal(got, []string{s.ID}) {
				t.Fatalf("after the fault: delivered %v, want %v", got, s.ID)
			}
		})
	}
}

// TestFeedOpenIdempotent: opening a file twice keeps one table and one
// trigger, and Close stops the watchers.
func TestFeedOpenIdempotent(t *testing.T) {
	a, b := twoHandles(t)
	var n int
	if err := b.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name IN ('sessionkit_revocation', 'sessionkit_session_revoked')`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("feed objects: %d %v, want 2", n, err)
	}
	if err := a.WatchRevocations(context.Background(), time.Now(), &recSink{}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { a.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop the watcher")
	}
	if err := a.WatchRevocations(context.Background(), time.Now(), &recSink{}); err == nil {
		t.Fatal("WatchRevocations on a closed store: want an error")
	}
}

// TestFeedSeesDeleteUser: DeleteUser's sessions reach a watcher on
// another handle, so a cache cookie of a deleted user is not trusted.
func TestFeedSeesDeleteUser(t *testing.T) {
	ctx := context.Background()
	a, b := twoHandles(t)
	sink := &recSink{}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := a.WatchRevocations(wctx, time.Now().Add(-time.Minute), sink); err != nil {
		t.Fatal(err)
	}
	u := store.User{ID: store.NewID(), Name: "U", Email: "u@example.com", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := b.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	s1 := feedSession(t, b, u.ID, time.Now().Add(time.Hour))
	s2 := feedSession(t, b, u.ID, time.Now().Add(time.Hour))
	if err := b.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	got := sink.waitCaughtUp(t)
	slices.Sort(got)
	want := []string{s1.ID, s2.ID}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("feed saw %v, want %v", got, want)
	}
}
