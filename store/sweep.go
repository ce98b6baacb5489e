package store

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Sweep deletes the sessions of s that expired at or before now, in batches
// of at most batch rows (so no statement holds a lock for long), until a
// batch comes back short. It returns how many it deleted. A batch below 1
// is an error: DeleteExpired would delete nothing, forever.
func Sweep(ctx context.Context, s Store, now time.Time, batch int) (int, error) {
	if batch < 1 {
		return 0, fmt.Errorf("store: sweep: batch %d, want at least 1", batch)
	}
	total := 0
	for ctx.Err() == nil {
		n, err := s.DeleteExpired(ctx, now, batch)
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
	return total, ctx.Err()
}

// Sweeper runs Sweep in the background. Stop it before closing the store.
type Sweeper struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// StartSweeper sweeps s at once, then every interval, in batches of batch,
// with the clock now, until Stop. Failures are logged to log, counts at
// Debug level. It panics when interval or batch is not positive, a
// programming error that would otherwise crash or spin the goroutine.
func StartSweeper(s Store, interval time.Duration, batch int, now func() time.Time, log *slog.Logger) *Sweeper {
	if batch < 1 {
		panic(fmt.Sprintf("store: StartSweeper: interval %v and batch %d must be positive", interval, batch))
	}
	return StartSweepFunc(func(ctx context.Context, t time.Time) (int, error) { return Sweep(ctx, s, t, batch) }, interval, now, log)
}

// StartSweepFunc is StartSweeper for a store with a sweep of its own
// (store/sqlite's SweepExpired): sweep deletes the sessions that expired at
// or before the time it is given and returns how many, and stops early when
// ctx is done. It panics when interval is not positive.
func StartSweepFunc(sweep func(ctx context.Context, now time.Time) (int, error), interval time.Duration, now func() time.Time, log *slog.Logger) *Sweeper {
	if interval <= 0 {
		panic(fmt.Sprintf("store: StartSweeper: interval %v must be positive", interval))
	}
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Sweeper{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			n, err := sweep(ctx, now())
			switch {
			case err != nil && ctx.Err() == nil:
				log.Error("sweeping expired sessions", "err", err)
			case n > 0:
				log.Debug("deleted expired sessions", "count", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// Stop ends the sweeper and waits for a sweep in progress to finish. A nil
// Sweeper is stopped already.
func (w *Sweeper) Stop() {
	if w == nil {
		return
	}
	w.cancel()
	<-w.done
}

// Done is closed once the sweeper has stopped.
func (w *Sweeper) Done() <-chan struct{} { return w.done }
