package sqlite

import (
	"context"
	"os"
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
// then a TRUNCATE one, which waits (under busy_timeout) for the readers of
// old frames to finish, holding off new writers meanwhile, and empties the
// file. journal_size_limit bounds what a rewound WAL keeps on disk.
const (
	// walCheckpointAt is the WAL size past which the guard checkpoints.
	walCheckpointAt = 16 << 20
	// walPoll is how often the guard looks at the WAL's size: one stat.
	walPoll = 50 * time.Millisecond
)

// walGuard checkpoints the WAL of the database whose main file is at dbFile
// whenever it grows past walCheckpointAt, until ctx is done.
func (s *Store) walGuard(ctx context.Context, dbFile string) {
	defer close(s.walDone)
	t := time.NewTicker(walPoll)
	defer t.Stop()
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
		if err := s.checkpoint(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("sqlite: checkpointing the WAL", "err", err)
		}
	}
}

// checkpoint copies the WAL into the database file and empties it. A
// checkpoint that other connections keep from completing reports busy, not
// an error; the next poll tries again.
func (s *Store) checkpoint(ctx context.Context) error {
	var busy, logFrames, done int
	if err := s.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &done); err != nil {
		return err
	}
	if err := s.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done); err != nil {
		return err
	}
	if busy != 0 {
		s.log.Debug("sqlite: WAL checkpoint busy; retrying at the next poll", "frames", logFrames, "copied", done)
	}
	return nil
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
