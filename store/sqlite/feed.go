package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// The feed records revocations in a table of its own, filled by a trigger
// on session deletion (statements.feed), created by Open beside Better
// Auth's tables. Both are additive (Better Auth's migrator and queries
// ignore them) and fire for every writer of the file, Better Auth
// included. Deletions of expired sessions (sweeps, Better Auth's cleanup on
// read) are not revocations and are not recorded: dates are ISO-8601 text,
// so they compare as text with SQLite's own clock in the same
// format; a date in any other form is recorded, to err on the safe side.

const (
	qDataVersion = `PRAGMA data_version`
	qRevocations = `SELECT "seq", "sessionId" FROM "sessionkit_revocation" WHERE "seq" > ? AND "revokedAt" >= ? ORDER BY "seq"`
	qPruneFeed   = `DELETE FROM "sessionkit_revocation" WHERE "revokedAt" < ?`
)

// Feed timing.
const (
	// feedPoll is how often a watcher checks PRAGMA data_version, which
	// costs no disk read; the table is read only when the file changed.
	feedPoll = store.RevocationPoll / 2
	// feedRetention is how long revocations stay in the table: longer
	// than any sensible cookie-cache MaxAge.
	feedRetention = 24 * time.Hour
	// feedPruneEvery is how often a watcher prunes the table.
	feedPruneEvery = 10 * time.Minute
)

var _ store.RevocationFeed = (*Store)(nil)

// feedState tracks the watchers so Close can stop them.
type feedState struct {
	dsn    string
	mu     sync.Mutex
	closed bool
	cancel []context.CancelFunc
	wg     sync.WaitGroup
	// hook, when set (tests), runs before every poll; an error fails it.
	hook func(context.Context) error
}

func (f *feedState) stop() {
	f.mu.Lock()
	f.closed = true
	for _, c := range f.cancel {
		c()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// WatchRevocations implements store.RevocationFeed. Each watcher has a
// database handle of its own with one connection (PRAGMA data_version is
// per connection, and a busy request pool must not starve the feed). It
// reads the table only when another connection (another process, Better
// Auth, this store's own pool) committed to the file, and reports Behind
// on any error, then reconnects and reads from where it stopped.
func (s *Store) WatchRevocations(ctx context.Context, since time.Time, sink store.RevocationSink) error {
	db, err := sql.Open("sqlite", s.feed.dsn)
	if err != nil {
		return fmt.Errorf("sqlite: revocation feed: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	s.feed.mu.Lock()
	if s.feed.closed {
		s.feed.mu.Unlock()
		db.Close()
		return errors.New("sqlite: revocation feed: store closed")
	}
	ctx, cancel := context.WithCancel(ctx)
	s.feed.cancel = append(s.feed.cancel, cancel)
	s.feed.wg.Add(1)
	s.feed.mu.Unlock()
	w := &watcher{s: s, db: db, sink: sink, since: store.FormatTime(since), version: -1}
	go func() {
		defer s.feed.wg.Done()
		defer db.Close()
		w.run(ctx)
	}()
	return nil
}

type watcher struct {
	s       *Store
	db      *sql.DB
	conn    *sql.Conn
	sink    store.RevocationSink
	since   string // ISO date: older rows are of no interest
	seq     int64  // last row delivered
	version int64  // last data_version seen; -1 forces a read
	pruned  time.Time
}

func (w *watcher) run(ctx context.Context) {
	t := time.NewTicker(feedPoll)
	defer t.Stop()
	defer func() {
		if w.conn != nil {
			w.conn.Close()
		}
	}()
	for {
		if err := w.poll(ctx); err != nil && ctx.Err() == nil {
			w.sink.Behind(err)
			w.s.log.Warn("sqlite: revocation feed behind; cache hits go to the store until it catches up", "err", err)
			if w.conn != nil {
				w.conn.Close()
				w.conn = nil
			}
			w.version = -1
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (w *watcher) poll(ctx context.Context) error {
	at := time.Now()
	if h := w.s.feed.hook; h != nil {
		if err := h(ctx); err != nil {
			return err
		}
	}
	if w.conn == nil {
		c, err := w.db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("sqlite: revocation feed: connect: %w", err)
		}
		w.conn = c
	}
	var v int64
	if err := w.conn.QueryRowContext(ctx, qDataVersion).Scan(&v); err != nil {
		return fmt.Errorf("sqlite: revocation feed: data_version: %w", err)
	}
	if v != w.version {
		if err := w.read(ctx); err != nil {
			return err
		}
		w.version = v
	}
	w.sink.CaughtUp(at)
	if time.Since(w.pruned) > feedPruneEvery {
		w.pruned = time.Now()
		w.prune()
	}
	return nil
}

// read delivers the rows after w.seq. Rows are numbered in commit order
// (AUTOINCREMENT, one writer at a time), so none is skipped.
func (w *watcher) read(ctx context.Context) error {
	rows, err := w.conn.QueryContext(ctx, qRevocations, w.seq, w.since)
	if err != nil {
		return fmt.Errorf("sqlite: revocation feed: read: %w", err)
	}
	defer rows.Close()
	var batch []store.Revocation
	seq := w.seq
	for rows.Next() {
		var r store.Revocation
		if err := rows.Scan(&seq, &r.SessionID); err != nil {
			return fmt.Errorf("sqlite: revocation feed: read: %w", err)
		}
		batch = append(batch, r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: revocation feed: read: %w", err)
	}
	w.sink.Revoked(batch...)
	w.seq = seq
	return nil
}

// prune deletes old rows through the store's pool, in the background so
// that waiting for the write lock never delays a poll.
func (w *watcher) prune() {
	cutoff := store.FormatTime(time.Now().Add(-feedRetention))
	w.s.feed.wg.Add(1)
	go func() {
		defer w.s.feed.wg.Done()
		if _, err := w.s.db.Exec(qPruneFeed, cutoff); err != nil {
			w.s.log.Warn("sqlite: prune revocation feed", "err", err)
		}
	}()
}
