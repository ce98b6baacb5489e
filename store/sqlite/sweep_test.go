package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// countExpired returns how many sessions of s expired at or before scaleNow.
func countExpired(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(`SELECT count(*) FROM "session" WHERE "expiresAt" <= ?`, store.FormatTime(scaleNow)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// poolSettings returns cache_size and wal_autocheckpoint of a connection of
// the pool.
func poolSettings(t *testing.T, s *Store) (cache, auto int) {
	t.Helper()
	c, err := s.DB().Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.QueryRowContext(context.Background(), `PRAGMA cache_size`).Scan(&cache); err != nil {
		t.Fatal(err)
	}
	if err := c.QueryRowContext(context.Background(), `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil {
		t.Fatal(err)
	}
	return cache, auto
}

// TestSweepExpiredWithSignIns sweeps many expired sessions in small
// batches while sign-ins go on through the store and through another
// database handle (as another process, such as Better Auth, writes to the
// file): every sign-in succeeds and is kept, every expired session goes,
// and the sweep's connection gets the pool's settings back.
func TestSweepExpiredWithSignIns(t *testing.T) {
	// Not parallel: its writes would load the disk under TestWALBounded.
	n := 20_000
	if raceEnabled {
		n = 4_000
	}
	path := filepath.Join(t.TempDir(), "sweep.db")
	// One connection: the sweep's is the one the test reads afterwards.
	s, err := OpenWith(path, Options{SweepInterval: -1, SweepBatch: 200, MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fill(t, s, n, 2)
	other, err := sql.Open("sqlite", dsn(path, defaultBusyTimeout))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := context.Background()

	var batches atomic.Int64
	s.sweepHook = func(step string, _ *sql.Conn) error {
		if step == "batch" {
			batches.Add(1)
		}
		return nil
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var signedIn []string
	for w := range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
				token, err := signInDuringSweep(ctx, s, other, w == 0)
				if err != nil {
					t.Errorf("a sign-in during the sweep failed: %v", err)
					return
				}
				mu.Lock()
				signedIn = append(signedIn, token)
				mu.Unlock()
			}
		})
	}
	deleted, err := s.SweepExpired(ctx, scaleNow)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if deleted != n/2 {
		t.Errorf("swept %d sessions, want %d", deleted, n/2)
	}
	if left := countExpired(t, s); left != 0 {
		t.Errorf("%d expired sessions left", left)
	}
	if b := batches.Load(); b < 2 {
		t.Errorf("the sweep ran %d batches, want several", b)
	}
	if len(signedIn) == 0 {
		t.Fatal("no sign-in ran during the sweep")
	}
	for _, tok := range signedIn {
		if _, _, err := s.SessionByToken(ctx, tok); err != nil {
			t.Fatalf("session signed in during the sweep: %v", err)
		}
	}
	t.Logf("swept %d in %d batches beside %d sign-ins", deleted, batches.Load(), len(signedIn))
	if cache, auto := poolSettings(t, s); cache != defaultCacheSize || auto != 1000 {
		t.Errorf("after the sweep the pool's connection has cache_size %d, wal_autocheckpoint %d; want %d, 1000", cache, auto, defaultCacheSize)
	}
}

// TestSweepExpiredSettings checks that the sweep's connection runs with
// its own cache and without automatic checkpoints, and only while it
// sweeps.
func TestSweepExpiredSettings(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{SweepBatch: 10, MaxOpenConns: 1})
	fill(t, s, 1000, 2)
	batches := 0
	s.sweepHook = func(step string, c *sql.Conn) error {
		if step != "batch" {
			return nil
		}
		batches++
		var cache, auto int
		if err := c.QueryRowContext(context.Background(), `PRAGMA cache_size`).Scan(&cache); err != nil {
			return err
		}
		if err := c.QueryRowContext(context.Background(), `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil {
			return err
		}
		if cache != -sweepCacheKiB || auto != 0 {
			t.Errorf("batch %d: cache_size %d, wal_autocheckpoint %d; want %d, 0", batches, cache, auto, -sweepCacheKiB)
		}
		return nil
	}
	if n, err := s.SweepExpired(context.Background(), scaleNow); err != nil || n != 500 {
		t.Fatalf("sweep = %d, %v; want 500", n, err)
	}
	if batches < 2 {
		t.Errorf("%d batches, want several", batches)
	}
	if cache, auto := poolSettings(t, s); cache != defaultCacheSize || auto != 1000 {
		t.Errorf("after the sweep: cache_size %d, wal_autocheckpoint %d; want %d, 1000", cache, auto, defaultCacheSize)
	}
}

// TestSweepExpiredFailures injects a failure at each step of a sweep. A
// failed batch rolls back and deletes nothing; the sweep returns what it
// deleted before with the error, the next sweep deletes the rest, and the
// connection never goes back to the pool with the sweep's settings.
func TestSweepExpiredFailures(t *testing.T) {
	t.Parallel()
	errInjected := errors.New("injected")
	for _, tc := range []struct {
		name string
		// failAt fails the n-th call of a step (1-based).
		step   string
		failAt int
		// wantDeleted is what the failed sweep reports deleted (batches
		// of 10).
		wantDeleted int
	}{
		{"setting the pragmas", "pragma", 1, 0},
		{"restoring the pragmas", "pragma", 2, 500},
		{"the third batch", "batch", 3, 20},
		{"a checkpoint", "checkpoint", 1, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := openTemp(t, Options{SweepBatch: 10, MaxOpenConns: 1})
			fill(t, s, 1000, 2)
			policy := defaultSweepPolicy
			policy.maxBatch = 10 // batches stay at 10 rows
			calls := map[string]int{}
			fail := func(step string) error {
				calls[step]++
				if step == tc.step && calls[step] == tc.failAt {
					return errInjected
				}
				return nil
			}
			s.sweepHook = func(step string, _ *sql.Conn) error { return fail(step) }
			if tc.step == "checkpoint" {
				policy.checkpointAt = 0 // checkpoint after every batch
				s.ckptHook = func() error { return fail("checkpoint") }
			}
			deleted, err := s.sweepWith(context.Background(), scaleNow, policy)
			if !errors.Is(err, errInjected) {
				t.Fatalf("sweep = %d, %v; want the injected error", deleted, err)
			}
			if deleted != tc.wantDeleted {
				t.Errorf("the failed sweep reports %d deleted, want %d", deleted, tc.wantDeleted)
			}
			if left := countExpired(t, s); left != 500-deleted {
				t.Errorf("%d expired sessions left after a sweep that reports %d of 500 deleted", left, deleted)
			}
			// The pool's connection has the pool's settings (the sweep's
			// connection restored them or was dropped).
			if cache, auto := poolSettings(t, s); cache != defaultCacheSize || auto != 1000 {
				t.Errorf("after the failed sweep: cache_size %d, wal_autocheckpoint %d; want %d, 1000", cache, auto, defaultCacheSize)
			}
			s.sweepHook, s.ckptHook = nil, nil
			if n, err := s.SweepExpired(context.Background(), scaleNow); err != nil || n != 500-deleted {
				t.Errorf("the next sweep = %d, %v; want %d, nil", n, err, 500-deleted)
			}
		})
	}
}

// TestSweepExpiredBusy: another process holds the write lock longer than
// the busy timeout. The batch fails with SQLITE_BUSY, nothing is deleted,
// the connection goes back with the pool's settings, and a later sweep
// deletes everything.
func TestSweepExpiredBusy(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "busy.db")
	s, err := OpenWith(path, Options{SweepInterval: -1, BusyTimeout: 100 * time.Millisecond, MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fill(t, s, 1000, 2)
	other, err := sql.Open("sqlite", dsn(path, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := context.Background()
	tx, err := other.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
	if err != nil {
		t.Fatal(err)
	}
	deleted, err := s.SweepExpired(ctx, scaleNow)
	if err == nil || sqliteCode(err)&0xff != 5 { // SQLITE_BUSY
		t.Fatalf("sweep while another process writes = %d, %v; want SQLITE_BUSY", deleted, err)
	}
	if deleted != 0 {
		t.Errorf("the failed sweep reports %d deleted", deleted)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if cache, auto := poolSettings(t, s); cache != defaultCacheSize || auto != 1000 {
		t.Errorf("after the failed sweep: cache_size %d, wal_autocheckpoint %d; want %d, 1000", cache, auto, defaultCacheSize)
	}
	if n, err := s.SweepExpired(ctx, scaleNow); err != nil || n != 500 {
		t.Errorf("the next sweep = %d, %v; want 500, nil", n, err)
	}
}

// signInDuringSweep signs a session of scale-user-1 in, through the store
// when viaStore, else with a plain INSERT on other, a second database
// handle standing in for another process (Better Auth), and returns its
// token.
func signInDuringSweep(ctx context.Context, s *Store, other *sql.DB, viaStore bool) (string, error) {
	ss := store.Session{ID: store.NewID(), Token: store.NewID(), UserID: "scale-user-1",
		ExpiresAt: scaleNow.Add(time.Hour), CreatedAt: scaleNow, UpdatedAt: scaleNow}
	if viaStore {
		return ss.Token, s.CreateSession(ctx, ss)
	}
	_, err := other.ExecContext(ctx, qInsertSession, ss.ID, ss.Token, ss.UserID, store.FormatTime(ss.ExpiresAt),
		store.FormatTime(ss.CreatedAt), store.FormatTime(ss.UpdatedAt), "", "")
	return ss.Token, err
}
