package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sessionkit/sessionkit/store"
)

// feedChannel is the NOTIFY channel of revocations. Channels are
// database-wide, so the payload is "<schema> <session id>" and a watcher
// keeps only its own schema's (a payload without a space, from an older
// trigger, is a bare session id).
const feedChannel = "sessionkit_revocation"

// notifiedID returns the session id of a notification payload when it is
// for schema.
func notifiedID(payload, schema string) (string, bool) {
	sch, id, ok := strings.Cut(payload, " ")
	if !ok {
		return payload, true
	}
	return id, sch == schema
}

// migrateFeed creates, in the current schema, the table revocations are
// recorded in and the trigger that records them on every deletion of a
// session that has not expired, by whoever deletes it (Better Auth
// included), and notifies listeners in the same transaction. The objects
// are additive: Better Auth's migrator and queries ignore them. Names in
// the function body are schema-qualified so that writers with another
// search_path record into the same table. sessions is the session table's
// names; expiryLocal says its expiry is a timestamp without time zone,
// which holds UTC.
func migrateFeed(ctx context.Context, tx pgx.Tx, sessions store.Table, expiryLocal bool) (schemaName string, err error) {
	if err := tx.QueryRow(ctx, `SELECT current_schema()`).Scan(&schemaName); err != nil {
		return "", err
	}
	for _, q := range feedStatements(schemaName, sessions, expiryLocal) {
		if _, err := tx.Exec(ctx, q); err != nil {
			return "", fmt.Errorf("revocation feed: %w", err)
		}
	}
	return schemaName, nil
}

// feedStatements renders migrateFeed's statements.
func feedStatements(schemaName string, sessions store.Table, expiryLocal bool) []string {
	table := pgx.Identifier{schemaName, "sessionkit_revocation"}.Sanitize()
	name := store.TriggerName(sessions.Name)
	fn := pgx.Identifier{schemaName, name}.Sanitize()
	target := pgx.Identifier{schemaName, sessions.Name}.Sanitize()
	now := `clock_timestamp()`
	if expiryLocal {
		now = `(clock_timestamp() AT TIME ZONE 'UTC')`
	}
	return []string{
		`CREATE TABLE IF NOT EXISTS ` + table + ` ("seq" bigserial primary key, "sessionId" text not null, "revokedAt" timestamptz not null default clock_timestamp())`,
		`CREATE INDEX IF NOT EXISTS "sessionkit_revocation_revokedAt_idx" on ` + table + ` ("revokedAt")`,
		`CREATE OR REPLACE FUNCTION ` + fn + `() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.` + store.Quote(sessions.Col("expiresAt")) + ` > ` + now + ` THEN
		INSERT INTO ` + table + ` ("sessionId") VALUES (OLD.` + store.Quote(sessions.Col("id")) + `);
		PERFORM pg_notify('` + feedChannel + `', ` + quoteLiteral(schemaName) + ` || ' ' || OLD.` + store.Quote(sessions.Col("id")) + `);
	END IF;
	RETURN OLD;
END $$`,
		`DO $$ BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = ` + quoteLiteral(name) + ` AND tgrelid = ` + quoteLiteral(target) + `::regclass) THEN
		CREATE TRIGGER ` + store.Quote(name) + ` AFTER DELETE ON ` + target +
			` FOR EACH ROW EXECUTE FUNCTION ` + fn + `();
	END IF;
END $$`,
	}
}

// quoteLiteral quotes s as an SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

const (
	qFeedCatchUp = `SELECT "sessionId" FROM "sessionkit_revocation" WHERE "revokedAt" >= $1`
	qFeedNow     = `SELECT clock_timestamp()`
	qFeedPrune   = `DELETE FROM "sessionkit_revocation" WHERE "revokedAt" < clock_timestamp() - interval '24 hours'`
)

// Feed timing.
const (
	feedPing       = store.RevocationPoll / 2
	feedConnect    = 5 * time.Second // bound on connecting and catching up
	feedMaxBackoff = 2 * time.Second
	feedPruneEvery = 10 * time.Minute
)

var _ store.RevocationFeed = (*Store)(nil)

type feedState struct {
	schema string // where the feed's table and trigger live (migrateFeed)
	mu     sync.Mutex
	closed bool
	cancel []context.CancelFunc
	wg     sync.WaitGroup
	// pids receives the backend pid of each listener connection (tests).
	pids func(uint32)
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

// WatchRevocations implements store.RevocationFeed with LISTEN on a
// connection of its own (outside the pool). On every (re)connect it
// listens first, then reads the revocations of the window, so nothing
// committed while it was away is missed; while connected it pings every
// feedPing and reports CaughtUp after each answer, by which time every
// notification sent before the ping has arrived. Any error reports Behind
// and reconnects with backoff.
func (s *Store) WatchRevocations(ctx context.Context, since time.Time, sink store.RevocationSink) error {
	s.feed.mu.Lock()
	defer s.feed.mu.Unlock()
	if s.feed.closed {
		return errors.New("postgres: revocation feed: store closed")
	}
	ctx, cancel := context.WithCancel(ctx)
	s.feed.cancel = append(s.feed.cancel, cancel)
	s.feed.wg.Add(1)
	w := &pgWatcher{s: s, sink: sink, window: max(time.Since(since), 0)}
	go func() {
		defer s.feed.wg.Done()
		w.run(ctx)
	}()
	return nil
}

type pgWatcher struct {
	s      *Store
	sink   store.RevocationSink
	window time.Duration
	pruned time.Time
}

func (w *pgWatcher) run(ctx context.Context) {
	backoff := feedPing
	for {
		err := w.session(ctx)
		if ctx.Err() != nil {
			return
		}
		w.sink.Behind(err)
		w.s.log.Warn("postgres: revocation feed behind; cache hits go to the store until it catches up", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, feedMaxBackoff)
	}
}

// session runs one listener connection until it fails.
func (w *pgWatcher) session(ctx context.Context) error {
	cfg := w.s.pool.Config().ConnConfig.Copy()
	cfg.OnNotification = func(_ *pgconn.PgConn, n *pgconn.Notification) {
		if id, ours := notifiedID(n.Payload, w.s.feed.schema); n.Channel == feedChannel && ours {
			w.sink.Revoked(store.Revocation{SessionID: id})
		}
	}
	cctx, cancel := context.WithTimeout(ctx, feedConnect)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cfg)
	if err != nil {
		return fmt.Errorf("postgres: revocation feed: connect: %w", err)
	}
	defer conn.Close(context.Background())
	if f := w.s.feed.pids; f != nil {
		f(conn.PgConn().PID())
	}
	at := time.Now()
	if _, err := conn.Exec(cctx, `LISTEN `+pgx.Identifier{feedChannel}.Sanitize()); err != nil {
		return fmt.Errorf("postgres: revocation feed: listen: %w", err)
	}
	var dbNow time.Time
	if err := conn.QueryRow(cctx, qFeedNow).Scan(&dbNow); err != nil {
		return fmt.Errorf("postgres: revocation feed: catch up: %w", err)
	}
	rows, err := conn.Query(cctx, qFeedCatchUp, dbNow.Add(-w.window))
	if err != nil {
		return fmt.Errorf("postgres: revocation feed: catch up: %w", err)
	}
	var batch []store.Revocation
	for rows.Next() {
		var r store.Revocation
		if err := rows.Scan(&r.SessionID); err != nil {
			rows.Close()
			return fmt.Errorf("postgres: revocation feed: catch up: %w", err)
		}
		batch = append(batch, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: revocation feed: catch up: %w", err)
	}
	w.sink.Revoked(batch...)
	w.sink.CaughtUp(at)

	next := time.Now().Add(feedPing)
	for {
		wctx, wcancel := context.WithDeadline(ctx, next)
		_, err := conn.WaitForNotification(wctx) // delivered through OnNotification
		wcancel()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) && !pgconn.Timeout(err) {
			return fmt.Errorf("postgres: revocation feed: wait: %w", err)
		}
		if time.Now().Before(next) {
			continue
		}
		at := time.Now()
		pctx, pcancel := context.WithTimeout(ctx, feedConnect)
		err = conn.Ping(pctx)
		pcancel()
		if err != nil {
			return fmt.Errorf("postgres: revocation feed: ping: %w", err)
		}
		w.sink.CaughtUp(at)
		next = time.Now().Add(feedPing)
		if time.Since(w.pruned) > feedPruneEvery {
			w.pruned = time.Now()
			w.s.feed.wg.Add(1)
			go func() { // off the loop: a slow delete must not delay CaughtUp
				defer w.s.feed.wg.Done()
				if _, err := w.s.pool.Exec(ctx, qFeedPrune); err != nil && ctx.Err() == nil {
					w.s.log.Warn("postgres: prune revocation feed", "err", err)
				}
			}()
		}
	}
}
