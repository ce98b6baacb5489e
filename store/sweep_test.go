package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

func TestSweepBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	m := memory.New()
	u := store.User{ID: store.NewID(), Name: "U", Email: "u@example.com", CreatedAt: now, UpdatedAt: now}
	if err := m.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	for i := range 25 {
		exp := now.Add(-time.Minute) // expired
		if i >= 20 {
			exp = now.Add(time.Hour) // live
		}
		s := store.Session{ID: store.NewID(), Token: store.NewID(), UserID: u.ID, ExpiresAt: exp, CreatedAt: now, UpdatedAt: now}
		if err := m.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	n, err := store.Sweep(ctx, m, now, 3)
	if err != nil || n != 20 {
		t.Fatalf("Sweep = %d, %v; want 20 deleted in batches of 3", n, err)
	}
	live, _ := m.ListSessions(ctx, u.ID, now)
	if len(live) != 5 {
		t.Fatalf("%d live sessions left, want 5", len(live))
	}
	w := store.StartSweeper(m, time.Hour, 3, func() time.Time { return now }, nil)
	w.Stop()
	select {
	case <-w.Done():
	default:
		t.Fatal("Stop returned before the sweeper ended")
	}
	var nilSweeper *store.Sweeper
	nilSweeper.Stop() // must not panic
}

// TestSweepBadBatch checks that a batch below 1, with which DeleteExpired
// deletes nothing, is an error rather than an endless loop.
func TestSweepBadBatch(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, batch := range []int{0, -1} {
		n, err := store.Sweep(ctx, memory.New(), time.Now(), batch)
		if err == nil || ctx.Err() != nil {
			t.Fatalf("Sweep(batch %d) = %d, %v after %v; want an error at once", batch, n, err, ctx.Err())
		}
	}
}

func TestStartSweeperBadArgs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		interval time.Duration
		batch    int
	}{{0, 10}, {-time.Second, 10}, {time.Hour, 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("StartSweeper(%v, %d) did not panic", tc.interval, tc.batch)
				}
			}()
			w := store.StartSweeper(memory.New(), tc.interval, tc.batch, time.Now, nil)
			w.Stop()
		}()
	}
}
