package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// TestWALBounded signs in for 5 s at 2 writers, with 2 readers looking
// sessions up meanwhile, and checks that the WAL file never grows past
// 64 MiB. Without the store's checkpointer, readers and the other writer
// keep SQLite's automatic checkpoints from ever resetting the WAL, which
// grew to 486-911 MiB in 5 s.
func TestWALBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("signs in for 5 s")
	}
	t.Parallel()
	peak, signIns, lookups := walSignIns(t, Options{SweepInterval: -1})
	t.Logf("5 s: %d sign-ins, %d lookups, WAL peak %d MiB", signIns, lookups, peak>>20)
	if peak > 64<<20 {
		t.Errorf("the WAL grew to %d MiB, want at most 64 MiB", peak>>20)
	}
}

// walSignIns signs in for 5 s at 2 writers with 2 readers on a store
// opened with o and returns the WAL's peak size and the counts.
func walSignIns(t *testing.T, o Options) (peak, signIns, lookups int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wal.db")
	s, err := OpenWith(path, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tokens := fill(t, s, 10_000, 0)

	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var nSignIns, nLookups atomic.Int64
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ss := store.Session{ID: store.NewID(), Token: store.NewID(), UserID: "scale-user-" + string(rune('0'+w)),
					ExpiresAt: scaleNow.Add(time.Hour), CreatedAt: scaleNow, UpdatedAt: scaleNow,
					IPAddress: "203.0.113.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"}
				if err := s.CreateSession(ctx, ss); err != nil {
					t.Error(err)
					return
				}
				nSignIns.Add(1)
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := s.SessionByToken(ctx, tokens[i%len(tokens)]); err != nil {
					t.Error(err)
					return
				}
				nLookups.Add(1)
			}
		})
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if fi, err := os.Stat(path + "-wal"); err == nil {
			peak = max(peak, fi.Size())
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	return peak, nSignIns.Load(), nLookups.Load()
}

// TestWALGuardLongReader: a reader in another connection holds an old
// snapshot while the WAL is past the guard's threshold. The guard's
// TRUNCATE checkpoint cannot complete and holds off writers while it waits,
// so it must wait briefly (walBusy), not the 5 s busy timeout: every
// sign-in meanwhile answers within 2 s.
func TestWALGuardLongReader(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a WAL past 16 MiB")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "reader.db")
	s, err := OpenWith(path, Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tokens := fill(t, s, 1000, 0)

	// Another process's long read transaction.
	other, err := sql.Open("sqlite", dsn(path, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := context.Background()
	tx, err := other.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM "session"`).Scan(&n); err != nil {
		t.Fatal(err)
	}

	// Grow the WAL past the threshold, then keep signing in for 2 s.
	var worst time.Duration
	deadline := time.Now().Add(2 * time.Second)
	for i := 0; ; i++ {
		fi, err := os.Stat(path + "-wal")
		if err == nil && fi.Size() > walCheckpointAt && time.Now().After(deadline) {
			break
		}
		if err == nil && fi.Size() <= walCheckpointAt {
			deadline = time.Now().Add(2 * time.Second)
		}
		start := time.Now()
		ss := store.Session{ID: store.NewID(), Token: store.NewID(), UserID: "scale-user-0",
			ExpiresAt: scaleNow.Add(time.Hour), CreatedAt: scaleNow, UpdatedAt: scaleNow,
			UserAgent: strings.Repeat("x", 2000)}
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
		worst = max(worst, time.Since(start))
		if i > 200_000 {
			t.Fatal("the WAL never passed the threshold")
		}
	}
	if _, _, err := s.SessionByToken(ctx, tokens[0]); err != nil {
		t.Fatal(err)
	}
	t.Logf("slowest sign-in with a long reader holding the WAL: %v", worst)
	if worst > 2*time.Second {
		t.Errorf("a sign-in took %v while the guard waited for a long reader, want under 2 s", worst)
	}
	// The pool's busy timeout is back on every connection.
	var bt int
	if err := s.DB().QueryRow(`PRAGMA busy_timeout`).Scan(&bt); err != nil || bt != 5000 {
		t.Errorf("busy_timeout = %d, %v; want 5000", bt, err)
	}
}
