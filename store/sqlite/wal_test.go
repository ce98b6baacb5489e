package sqlite

import (
	"context"
	"os"
	"path/filepath"
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
	path := filepath.Join(t.TempDir(), "wal.db")
	s, err := OpenWith(path, Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tokens := fill(t, s, 10_000, 0)

	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var signIns, lookups atomic.Int64
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
				signIns.Add(1)
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
				lookups.Add(1)
			}
		})
	}
	var peak int64
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if fi, err := os.Stat(path + "-wal"); err == nil {
			peak = max(peak, fi.Size())
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	t.Logf("5 s: %d sign-ins, %d lookups, WAL peak %d MiB", signIns.Load(), lookups.Load(), peak>>20)
	if peak > 64<<20 {
		t.Errorf("the WAL grew to %d MiB, want at most 64 MiB", peak>>20)
	}
}
