package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// The sweep. A deleted session changes a leaf page in each of the randomly
// ordered indexes (id, token, userId) and in the table, so deleting 100,000
// sessions among a million writes about 290,000 page versions to the WAL,
// whatever the batch size a bounded lock hold allows; what the store
// controls is what happens around them. store.Sweep's loop of DeleteExpired
// calls runs each batch on any pool connection, whose automatic checkpoint
// (after every commit past 1,000 pages: every batch) copies the batch's
// pages into the file and fsyncs the WAL and the file, twice per batch.
// SweepExpired instead runs the whole sweep on one connection with:
//
//   - wal_autocheckpoint off and checkpoints of its own between batches, once
//     the WAL passes sweepCheckpointAt (the guard's PASSIVE-then-TRUNCATE,
//     wal.go), so a page deleted from in several batches is copied once per
//     checkpoint, and the fsyncs come per 32 MiB of WAL, not per batch;
//     meanwhile the WAL guard only copies frames (PASSIVE), on its own
//     goroutine, while the next batch runs;
//   - batches that adapt: the first is Options.SweepBatch rows; a batch that
//     held the write lock under half of sweepLockBudget doubles the next
//     (up to sweepMaxBatch), one over the budget halves it (not below
//     SweepBatch), and so does a batch during which a writer of this
//     process (a sign-in, a sign-out, a slide) waited; the sweep then pauses
//     until as many writes have ended as were waiting (at most sweepYield),
//     so they get the lock before the next batch;
//   - cache_size of sweepCacheKiB, so a batch's changed pages stay in memory
//     until its commit instead of spilling into the WAL mid-batch.
//
// The connection gets the pool's settings back afterwards, or is dropped.
const (
	// sweepLockBudget is about how long one batch may hold the write lock,
	// which sign-ins (and another process, such as Better Auth) wait for.
	sweepLockBudget = 100 * time.Millisecond
	// sweepMaxBatch caps the batch size, and with it the WAL a batch
	// writes: about 12 KiB a row among a million sessions, so 24 MiB,
	// which with sweepCheckpointAt keeps the WAL under 64 MiB.
	sweepMaxBatch = 2000
	// sweepCheckpointAt is the WAL size past which the sweep checkpoints
	// between batches: the WAL stays under it plus one batch, as long as
	// its checkpoints complete (with sign-ins going on, some do not; see
	// sweepCheckpoint).
	sweepCheckpointAt = 32 << 20
	// sweepCacheKiB is the sweep connection's page cache (PRAGMA
	// cache_size, in KiB), an upper bound filled on demand, given back when
	// the sweep ends.
	sweepCacheKiB = 64 << 10
	// sweepCheckpointTries is how many times the sweep tries a checkpoint
	// that others kept from completing before its next batch.
	sweepCheckpointTries = 3
	// sweepYield is the longest the sweep pauses for writers of this
	// process that waited during a batch.
	sweepYield = 100 * time.Millisecond
)

// sweepPolicy is SweepExpired's tuning: the constants above, changed by
// the tests that compare policies.
type sweepPolicy struct {
	budget       time.Duration
	maxBatch     int
	checkpointAt int64
	cacheKiB     int
	// autoCheckpoint keeps SQLite's automatic checkpoint on the sweep's
	// connection (and then the sweep does not checkpoint itself).
	autoCheckpoint bool
}

var defaultSweepPolicy = sweepPolicy{budget: sweepLockBudget, maxBatch: sweepMaxBatch, checkpointAt: sweepCheckpointAt, cacheKiB: sweepCacheKiB}

// SweepExpired deletes every session that expired at or before now, in
// batches (see above), and returns how many it deleted: what store.Sweep
// does with DeleteExpired, but on one connection of the pool, in batches
// sized to the lock hold and the writers waiting, with checkpoints of its
// own. The store's sweeper (Options.SweepInterval) runs it. It stops at
// the first error, or when ctx is done, returning the count so far; the
// rows of a failed batch are not deleted (the batch's transaction rolls
// back) and the next sweep retries them.
func (s *Store) SweepExpired(ctx context.Context, now time.Time) (int, error) {
	return s.sweepWith(ctx, now, s.sweepPolicy)
}

// sweepStats are what a sweep measured, for the tests that compare
// policies.
type sweepStats struct {
	batches, checkpoints int
	longest              time.Duration // longest batch statement
	maxBatch             int           // largest batch run
}

func (s *Store) sweepWith(ctx context.Context, now time.Time, p sweepPolicy) (int, error) {
	n, _, err := s.sweepStats(ctx, now, p)
	return n, err
}

func (s *Store) sweepStats(ctx context.Context, now time.Time, p sweepPolicy) (total int, st sweepStats, err error) {
	c, err := s.db.Conn(ctx)
	if err != nil {
		return 0, st, fmt.Errorf("sqlite: sweep: %w", err)
	}
	defer c.Close()
	set := func(ctx context.Context, cacheKiB, autoCheckpoint int) error {
		if s.sweepHook != nil {
			if err := s.sweepHook("pragma", c); err != nil {
				return err
			}
		}
		_, err := c.ExecContext(ctx, `PRAGMA cache_size = `+strconv.Itoa(-cacheKiB)+`; PRAGMA wal_autocheckpoint = `+strconv.Itoa(autoCheckpoint))
		return err
	}
	// The pool's settings go back on the connection before it returns to
	// the pool; if that fails, the connection is dropped instead.
	defer func() {
		if rerr := set(context.WithoutCancel(ctx), -defaultCacheSize, 1000); rerr != nil {
			c.Raw(func(any) error { return driver.ErrBadConn })
			err = errors.Join(err, fmt.Errorf("sqlite: sweep: restoring the connection's settings: %w", rerr))
		}
	}()
	auto := 0
	if p.autoCheckpoint {
		auto = 1000
	}
	if err := set(ctx, p.cacheKiB, auto); err != nil {
		return 0, st, fmt.Errorf("sqlite: sweep: %w", err)
	}
	if !p.autoCheckpoint {
		s.sweeping.Add(1)
		defer s.sweeping.Add(-1)
	}
	del, err := c.PrepareContext(ctx, s.sql.deleteExpired)
	if err != nil {
		return 0, st, fmt.Errorf("sqlite: sweep: %w", err)
	}
	defer del.Close()

	until := store.FormatTime(now)
	batch := s.sweepBatch
	for {
		if err := ctx.Err(); err != nil {
			return total, st, err
		}
		if s.sweepHook != nil {
			if err := s.sweepHook("batch", c); err != nil {
				return total, st, fmt.Errorf("sqlite: sweep: %w", err)
			}
		}
		start := time.Now()
		res, err := del.ExecContext(ctx, until, batch)
		held := time.Since(start)
		if err != nil {
			return total, st, fmt.Errorf("sqlite: sweep: %w", err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return total, st, fmt.Errorf("sqlite: sweep: %w", err)
		}
		total += int(k)
		st.batches++
		st.longest = max(st.longest, held)
		st.maxBatch = max(st.maxBatch, batch)
		if int(k) < batch {
			return total, st, nil
		}
		waited := s.gate.writing() > 0
		switch {
		case waited || held > p.budget:
			batch = max(s.sweepBatch, batch/2)
		case held < p.budget/2:
			batch = min(max(p.maxBatch, s.sweepBatch), batch*2)
		}
		if waited {
			s.yieldToWriters(ctx)
		}
		if !p.autoCheckpoint {
			if err := s.sweepCheckpoint(ctx, c, p, &st); err != nil {
				return total, st, fmt.Errorf("sqlite: sweep: %w", err)
			}
		}
	}
}

// yieldToWriters waits until as many writes of this process have ended as
// were in progress (waiting for the lock the last batch held), or
// sweepYield passed: SQLite's busy handler sleeps between its tries, so
// without the pause the next batch could take the lock again before they
// wake.
func (s *Store) yieldToWriters(ctx context.Context) {
	target := s.gate.done.Load() + int64(s.gate.writing())
	deadline := time.Now().Add(sweepYield)
	for s.gate.done.Load() < target && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
}

// sweepCheckpoint checkpoints the WAL on the sweep's connection c, between
// batches, once it is past p.checkpointAt. A checkpoint that other
// connections kept from completing (a reader of old frames, a writer's
// automatic checkpoint holding the checkpoint lock) is tried again, at most
// sweepCheckpointTries times a few milliseconds apart, before the next
// batch adds to the WAL.
func (s *Store) sweepCheckpoint(ctx context.Context, c *sql.Conn, p sweepPolicy, st *sweepStats) error {
	for try := 1; ; try++ {
		fi, err := os.Stat(s.walFile)
		if err != nil || fi.Size() <= p.checkpointAt {
			return nil
		}
		st.checkpoints++
		done, err := s.checkpointOn(ctx, c, true)
		if err != nil || done || try == sweepCheckpointTries {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}
