package telemetry

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

// SessionCounter is the ability to count live sessions cheaply enough to
// run at every metrics collection (every scrape), never per request.
type SessionCounter interface {
	// CountSessions returns how many sessions have expiresAt after now.
	CountSessions(ctx context.Context, now time.Time) (int64, error)
}

// countTimeout bounds one count, so a slow database cannot hold a scrape.
const countTimeout = 5 * time.Second

func registerSessionGauge(meter metric.Meter, c SessionCounter) error {
	_, err := meter.Int64ObservableGauge("sessionkit.sessions.active", metric.WithUnit("{session}"),
		metric.WithDescription("Sessions whose expiresAt is after now."),
		metric.WithInt64Callback(func(ctx context.Context, o metric.Int64Observer) error {
			ctx, cancel := context.WithTimeout(ctx, countTimeout)
			defer cancel()
			n, err := c.CountSessions(ctx, time.Now())
			if err != nil {
				return fmt.Errorf("count sessions: %w", err) // no reading rather than a wrong one
			}
			o.Observe(n)
			return nil
		}))
	return err
}

// SQLiteSessions counts the live sessions of a SQLite store with one
// SELECT count(*) over the session table (under the names of the store's
// Options.Schema), comparing expiresAt as ISO-8601 text as the store does.
func SQLiteSessions(s *sqlite.Store) SessionCounter {
	t := s.Tables().Session
	return sqliteCounter{s, `SELECT count(*) FROM ` + store.Quote(t.Name) + ` WHERE ` + store.Quote(t.Col("expiresAt")) + ` > ?`}
}

type sqliteCounter struct {
	s *sqlite.Store
	q string
}

func (c sqliteCounter) CountSessions(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	if err := c.s.DB().QueryRowContext(ctx, c.q, store.FormatTime(now)).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: %w", err)
	}
	return n, nil
}
