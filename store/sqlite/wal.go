package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// WAL bounding. SQLite checkpoints the WAL after any commit that leaves it
// over wal_autocheckpoint pages (1,000 by default), but such a checkpoint is
// PASSIVE: it copies only the frames no reader still needs, and the WAL
// file is rewound only once a checkpoint completed while no reader was
// using it. Under steady sign-ins with lookups in flight that moment never
// comes, and the WAL grew to 486-911 MiB in 5 s of sign-ins at 2 writers.
// The guard below watches the file's size and, past walCheckpointAt, runs a
// PASSIVE checkpoint (which copies most frames without blocking anyone),
// then a TRUNCATE one, which waits (at most walBusy) for the readers of old
// frames to finish, holding off new writers meanwhile, and empties the file.
// journal_size_limit bounds what a rewound WAL keeps on disk.
//
// The guard alone does not bound the WAL: two writers append 100-180 MiB of
// it a second, and a TRUNCATE checkpoint often cannot complete. SQLite
// refuses it at once, without calling the busy handler, while another
// connection holds the checkpoint lock, which every commit's automatic
// checkpoint takes once the WAL is past 1,000 pages; or it waits walBusy
// for a reader and gives up. After such a miss the guard backs off
// (walBackoff) and the writers go on. On a quiet machine the WAL peaked at
// 25-63 MiB in 5 s of sign-ins; on a loaded one (CPU hogs, load average
// 8-10 on 2 cores) mostly past 64 MiB, up to 148-153 MiB: luck, not a
// bound.
//
// So the writes of this process that grow the WAL, sign-ins (CreateUser,
// CreateSession) and slides (SlideSession), hold back (beginWrite, walWait):
// each looks at the WAL's size first (a stat, or the size another write
// found within walLook); past walCheckpointAt the first to see it wakes the
// guard, rather than leaving it to its next poll; past walLimit it waits,
// before it begins, until the WAL is under walLimit again. While the WAL is
// past walLimit the guard truncates even during a sweep, holds the writes
// that had not yet begun and waits (at most walBusy) for those in flight to
// end, so that no automatic checkpoint of this process holds the checkpoint
// lock when its TRUNCATE starts, and after a miss it tries again after
// walRetry, doubling, instead of walBackoff. The WAL then stays under
// walLimit plus one write per pool connection (those that looked before it
// passed walLimit), however the CPU is shared: under the same load it peaked
// at 23-48 MiB.
//
// A write waits at most the busy timeout (Options.BusyTimeout) or until its
// context ends, and then fails (errWALFull, or the context's error) without
// having written anything, as it would behind another process's write lock
// held that long. With this process's writes held, only a reader of old
// frames, or a checkpoint failing outright, keeps the guard from resetting
// the WAL: a read transaction another process keeps open longer than the
// busy timeout while the WAL is past walLimit fails this process's sign-ins
// until it ends, rather than letting the WAL grow without bound.
// Not held back: another process's writes (Better Auth's), which the store
// cannot see, grow the WAL past walLimit until the guard's next checkpoint
// resets it; the sweep's batches (each under 24 MiB of WAL, with the
// sweep's own checkpoints between them past 32 MiB); session deletes
// (sign-outs and revocations: small, and never refused for the WAL's size);
// and the rare writes that are not counted (passwords, accounts,
// verifications, user changes). One count of the writes in progress, the
// gate's, serves the guard's hold and the sweep (sweep.go): beginWrite
// and write enter it.
const (
	// walCheckpointAt is the WAL size past which the guard checkpoints. A
	// write that finds the WAL past it wakes the guard, which otherwise
	// looks every walPoll.
	walCheckpointAt = 16 << 20
	// walLimit is the WAL size past which this process's request-path
	// writes wait for the WAL to be reset (walWait): with one write per
	// connection in flight and another process's writes, it keeps the WAL
	// under 64 MiB.
	walLimit = 48 << 20
	// walPoll is how often the guard looks at the WAL's size: one stat.
	walPoll = 50 * time.Millisecond
	// walBusy is how long a TRUNCATE checkpoint waits for readers, holding
	// off writers meanwhile.
	walBusy = 100 * time.Millisecond
	// walBackoff is how long the guard waits after a checkpoint that
	// readers kept from completing (or that failed), while the WAL is under
	// walLimit.
	walBackoff = 500 * time.Millisecond
	// walRetry is how long the guard waits after the first such checkpoint
	// while the WAL is past walLimit (writers waiting); the wait doubles
	// with each one that fails in a row, up to walBackoff, so that a long
	// reader does not have the guard hold off another process's writers
	// (walBusy per try) most of the time.
	walRetry = 5 * time.Millisecond
	// walLook is how long a write relies on the WAL size another write
	// found (walWait) instead of a stat of its own: two writers append
	// well under 1 MiB in that time.
	walLook = time.Millisecond
)

// walEpoch is where walGate.seenAt counts from (a monotonic clock).
var walEpoch = time.Now()

// errWALFull is what a write that waited the busy timeout for the WAL to be
// reset returns (walWait).
var errWALFull = errors.New("the WAL stayed past its size limit for the busy timeout")

// walGate is where the request path's writes wait while the WAL is past
// walLimit (walWait), and how they wake the guard.
type walGate struct {
	wake chan struct{} // wakes the guard; buffered, one pending wake
	// armed: the guard, not backing off, would checkpoint if woken; the
	// first write to find the WAL past walCheckpointAt disarms it and
	// wakes the guard (one wake, not one a write).
	armed atomic.Bool
	// The WAL's size at the last stat by a write, and when (since
	// walEpoch): a write within walLook of it uses it instead of its own.
	seen, seenAt atomic.Int64

	// done counts the writes that have ended, for the sweep
	// (yieldToWriters).
	done atomic.Int64

	mu       sync.Mutex
	round    chan struct{} // closed when a checkpoint or a look of the guard ends; nil when nobody waits
	lastErr  error         // the last checkpoint's error, for errWALFull
	held     bool          // the guard's TRUNCATE runs: writes wait (hold)
	inflight int           // writes of the request path in progress (past the gate, or never held)
	drained  chan struct{} // closed when inflight drops to 0 while held
}

// enter lets a write through, and counts it in flight, unless the WAL is
// full (walLimit, as its caller found it) or the guard holds writes; then
// it returns a channel closed when the next checkpoint or look of the
// guard ends.
func (g *walGate) enter(full bool) (wait <-chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !full && !g.held {
		g.inflight++
		return nil
	}
	if g.round == nil {
		g.round = make(chan struct{})
	}
	return g.round
}

// pass counts a write that the WAL's size never holds back (a session
// delete) as in progress, as enter does a write it lets through.
func (g *walGate) pass() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight++
}

// writing returns how many writes are in progress.
func (g *walGate) writing() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.inflight
}

// leave ends a write that enter let through or pass counted.
func (g *walGate) leave() {
	g.done.Add(1)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight--
	if g.inflight == 0 && g.drained != nil {
		close(g.drained)
		g.drained = nil
	}
}

// hold stops writes at the gate and waits, at most d, for those in flight
// to end. ended lets them go again.
func (g *walGate) hold(d time.Duration) {
	g.mu.Lock()
	g.held = true
	var drained chan struct{}
	if g.inflight > 0 {
		drained = make(chan struct{})
		g.drained = drained
	}
	g.mu.Unlock()
	if drained == nil {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-drained:
	case <-t.C:
	}
}

// ended records the end of a checkpoint, with err, lets writes through if
// the checkpoint held them, and wakes the writers waiting, who look at the
// WAL again.
func (g *walGate) ended(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.lastErr = err
	g.held, g.drained = false, nil
	g.wakeLocked()
}

// looked wakes the writers waiting: the guard found the WAL under walLimit
// (another connection reset it).
func (g *walGate) looked() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.wakeLocked()
}

func (g *walGate) wakeLocked() {
	if g.round != nil {
		close(g.round)
		g.round = nil
	}
}

// err returns the last checkpoint's error.
func (g *walGate) err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lastErr
}

// beginWrite is where every write of the request path that the WAL's size
// holds back begins: it waits while the WAL is past walLimit or the guard
// truncates it (walWait), and then counts as in progress, for the guard's
// hold and the sweep (sweep.go), until done is called. op names the write
// in errors.
func (s *Store) beginWrite(ctx context.Context, op string) (done func(), err error) {
	if err := s.walWait(ctx); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return s.gate.leave, nil
}

// write counts a write of the request path that the WAL's size never holds
// back (session deletes: a sign-out is never refused for it) as in
// progress, for the guard's hold and the sweep, until the function it
// returns is called. The request path's other writes go through beginWrite;
// the rest (passwords, accounts, verifications, user changes) are not
// counted and wait on the busy timeout as another process's writes do.
func (s *Store) write() func() {
	s.gate.pass()
	return s.gate.leave
}

// walWait looks at the WAL's size (one stat, or the size another write
// found within walLook): past walCheckpointAt it wakes the guard (once, see
// armed); past walLimit, or while the guard truncates the WAL, it waits
// until neither is so, for at most the busy timeout (then errWALFull) or
// until ctx is done. When it returns nil the write is in flight (gate.enter)
// until gate.leave.
func (s *Store) walWait(ctx context.Context) error {
	if s.walFile == "" {
		s.gate.enter(false)
		return nil
	}
	var timer *time.Timer
	for {
		size, now := s.gate.seen.Load(), int64(time.Since(walEpoch))
		if size > walLimit || now-s.gate.seenAt.Load() >= int64(walLook) {
			size = s.walSize()
			s.gate.seen.Store(size)
			s.gate.seenAt.Store(now)
		}
		if size > walLimit || size > walCheckpointAt && s.gate.armed.CompareAndSwap(true, false) {
			s.wakeGuard()
		}
		wait := s.gate.enter(size > walLimit)
		if wait == nil {
			return nil
		}
		if timer == nil {
			timer = time.NewTimer(s.busy)
			defer timer.Stop()
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return fmt.Errorf("waiting for the WAL (%.1f MiB, limit %d MiB) to be checkpointed: %w", float64(size)/(1<<20), walLimit>>20, ctx.Err())
		case <-timer.C:
			if cerr := s.gate.err(); cerr != nil {
				return fmt.Errorf("%w (%.1f MiB, limit %d MiB, for %v): the last checkpoint failed: %w", errWALFull, float64(size)/(1<<20), walLimit>>20, s.busy, cerr)
			}
			return fmt.Errorf("%w (%.1f MiB, limit %d MiB, for %v): a read transaction held open by another connection keeps the store from emptying it", errWALFull, float64(size)/(1<<20), walLimit>>20, s.busy)
		}
	}
}

// walSize returns the WAL's size, 0 when it cannot be read (the WAL file
// is missing when no connection has the database open).
func (s *Store) walSize() int64 {
	fi, err := os.Stat(s.walFile)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// wakeGuard has the guard look at the WAL now rather than at its next poll.
func (s *Store) wakeGuard() {
	select {
	case s.gate.wake <- struct{}{}:
	default:
	}
}

// walGuard checkpoints the WAL whenever it grows past walCheckpointAt,
// until ctx is done: it looks at the WAL's size every walPoll, or when a
// write wakes it, and after a checkpoint that could not complete waits
// walBackoff before the next, or while the WAL is past walLimit walRetry,
// doubling (see above).
func (s *Store) walGuard(ctx context.Context) {
	defer close(s.walDone)
	timer := time.NewTimer(walPoll)
	defer timer.Stop()
	var failedAt time.Time  // when the last checkpoint could not complete (zero: it did)
	var retry time.Duration // the wait after it while the WAL is past walLimit
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-s.gate.wake:
		}
		next := walPoll
		size := s.walSize()
		over := size > walLimit
		if !over {
			s.gate.looked() // another connection may have reset it
		}
		wait := walBackoff
		if over {
			wait = retry
		}
		switch now := time.Now(); {
		case size <= walCheckpointAt:
			failedAt, retry = time.Time{}, 0
		case now.Before(failedAt.Add(wait)):
			next = min(next, failedAt.Add(wait).Sub(now))
		default:
			done, err := s.checkpoint(ctx, over)
			if err != nil && ctx.Err() == nil {
				s.log.Warn("sqlite: checkpointing the WAL", "err", err)
			}
			switch {
			case done:
				failedAt, retry = time.Time{}, 0
			case over:
				failedAt, retry = time.Now(), min(max(2*retry, walRetry), walBackoff)
				next = retry
			default:
				failedAt = time.Now()
			}
		}
		s.gate.armed.Store(failedAt.IsZero())
		timer.Reset(next)
	}
}

// checkpoint copies the WAL into the database file and empties it, on a
// connection of the pool (see checkpointOn). While a sweep runs (it
// checkpoints between its batches), the guard only copies frames
// (PASSIVE), unless the WAL is past walLimit (over: writers wait): that
// work overlaps the sweep's next batch, and the sweep's own checkpoint then
// has less to copy.
func (s *Store) checkpoint(ctx context.Context, over bool) (done bool, err error) {
	c, err := s.db.Conn(ctx)
	if err != nil {
		s.gate.ended(err)
		return false, err
	}
	defer c.Close()
	return s.checkpointWith(ctx, c, over || s.sweeping.Load() == 0, over)
}

// checkpointOn runs a PASSIVE checkpoint on c and, if truncate, a TRUNCATE
// one, with c's busy timeout walBusy for the duration: a TRUNCATE
// checkpoint holds off writers while it waits for readers, so a long read
// (another process's) must not stall sign-ins for the whole busy timeout.
// It reports whether the checkpoint completed; one that readers kept from
// completing is not an error, the caller backs off and tries again. One
// checkpoint of the store runs at a time (ckptMu): the guard's and the
// sweep's would otherwise fail each other with SQLITE_BUSY. The writers
// waiting for the WAL (walWait) look at it again after each.
func (s *Store) checkpointOn(ctx context.Context, c *sql.Conn, truncate bool) (done bool, err error) {
	return s.checkpointWith(ctx, c, truncate, false)
}

// checkpointWith is checkpointOn; with hold, the request path's writes
// wait at the gate (walWait) from before the TRUNCATE checkpoint until it
// ends, and it waits (at most walBusy) for those in flight to end first:
// otherwise their automatic checkpoints, each holding the checkpoint lock,
// refuse it.
func (s *Store) checkpointWith(ctx context.Context, c *sql.Conn, truncate, hold bool) (done bool, err error) {
	s.ckptMu.Lock()
	defer s.ckptMu.Unlock()
	defer func() { s.gate.ended(err) }()
	if s.ckptHook != nil {
		if err := s.ckptHook(); err != nil {
			return false, err
		}
	}
	var busy, logFrames, copied int
	if err := c.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &copied); err != nil {
		return false, err
	}
	if !truncate {
		return busy == 0 && copied == logFrames, nil
	}
	if hold {
		s.gate.hold(walBusy)
	}
	if _, err := c.ExecContext(ctx, `PRAGMA busy_timeout = `+strconv.FormatInt(walBusy.Milliseconds(), 10)); err != nil {
		return false, err
	}
	// Restore the pool's busy timeout before the connection goes back; if
	// that fails, drop the connection rather than pool it.
	defer func() {
		if _, rerr := c.ExecContext(context.WithoutCancel(ctx), `PRAGMA busy_timeout = `+strconv.FormatInt(s.busy.Milliseconds(), 10)); rerr != nil {
			c.Raw(func(any) error { return driver.ErrBadConn })
			err = errors.Join(err, rerr)
		}
	}()
	if err := c.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &copied); err != nil {
		return false, err
	}
	if busy != 0 {
		s.log.Debug("sqlite: WAL checkpoint busy; retrying later", "frames", logFrames, "copied", copied)
	}
	return busy == 0, nil
}

// mainFile returns the file name of the main database, resolved by SQLite
// (path may be a URI), or "" for a database without one.
func (s *Store) mainFile(ctx context.Context) (string, error) {
	rows, err := s.db.QueryContext(ctx, `PRAGMA database_list`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var seq int
		var name, file string
		if err := rows.Scan(&seq, &name, &file); err != nil {
			return "", err
		}
		if name == "main" {
			return file, nil
		}
	}
	return "", rows.Err()
}
