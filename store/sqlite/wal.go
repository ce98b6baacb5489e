package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"os"
	"strconv"
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
// frames to finish, holding off new writers meanwhile, and empties the file. journal_size_limit bounds what a rewound WAL keeps on disk.
const (
	// walCheckpointAt is the WAL size past which the guard checkpoints.
	walCheckpointAt = 16 << 20
	// walPoll is how often the guard looks at the WAL's size: one stat.
	walPoll = 50 * time.Millisecond
	// walBusy is how long a TRUNCATE checkpoint waits for readers, holding
	// off writers meanwhile.
	walBusy = 100 * time.Millisecond
	// walBackoff is how many polls the guard skips after a checkpoint that
	// readers kept from completing (or that failed).
	walBackoff = 10
)

// walGuard checkpoints the WAL of the database whose main file is at dbFile
// whenever it grows past walCheckpointAt, until ctx is done.
func (s *Store) walGuard(ctx context.Context, dbFile string) {
	defer close(s.walDone)
	t := time.NewTicker(walPoll)
	defer t.Stop()
	skip := 0 // polls to skip after a checkpoint that could not complete
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fi, err := os.Stat(dbFile + "-wal")
		if err != nil || fi.Size() <= walCheckpointAt {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		done, err := s.checkpoint(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("sqlite: checkpointing the WAL", "err", err)
		}
		if !done {
			skip = walBackoff
		}
	}
}

// checkpoint copies the WAL into the database file and empties it, on a
// connection of the pool (see checkpointOn). While a sweep runs (it
// checkpoints between its batches), the guard only copies frames
// (PASSIVE): that work overlaps the sweep's next batch, and the sweep's
// own checkpoint then has less to copy.
func (s *Store) checkpoint(ctx context.Context) (done bool, err error) {
	c, err := s.db.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer c.Close()
	if s.sweeping.Load() > 0 {
		return s.checkpointOn(ctx, c, false)
	}
	return s.checkpointOn(ctx, c, true)
}

// checkpointOn runs a PASSIVE checkpoint on c and, if truncate, a TRUNCATE
// one, with c's busy timeout walBusy for the duration: a TRUNCATE
// checkpoint holds off writers while it waits for readers, so a long read
// (another process's) must not stall sign-ins for the whole busy timeout.
// It reports whether the checkpoint completed; one that readers kept from
// completing is not an error, the caller backs off and tries again. One
// checkpoint of the store runs at a time (ckptMu): the guard's and the
// sweep's would otherwise fail each other with SQLITE_BUSY.
func (s *Store) checkpointOn(ctx context.Context, c *sql.Conn, truncate bool) (done bool, err error) {
	s.ckptMu.Lock()
	defer s.ckptMu.Unlock()
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
