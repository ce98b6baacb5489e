package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sessionkit/sessionkit/ratelimit"
	"github.com/sessionkit/sessionkit/store"
)

var _ ratelimit.Storage = (*Store)(nil)

// rateLimitState is the Store's rate-limiting bookkeeping.
type rateLimitState struct {
	mu        sync.Mutex
	created   bool
	longest   atomic.Int64 // longest window seen, ms
	lastPrune atomic.Int64 // ms
}

// Consume implements ratelimit.Storage on Better Auth's rateLimit table,
// so every instance on the database (and a Better Auth app using
// rateLimit.storage "database") shares the counts. Rows whose longest
// window has passed are deleted at most once a minute.
func (s *Store) Consume(ctx context.Context, key string, rule ratelimit.Rule, now time.Time) (ratelimit.Result, error) {
	if err := s.createRateLimit(ctx); err != nil {
		return ratelimit.Result{}, err
	}
	nowMs, win := now.UnixMilli(), rule.Window.Milliseconds()
	var count int
	err := s.pool.QueryRow(ctx, s.sql.consume, store.NewID(), key, nowMs, win, rule.Max).Scan(&count)
	switch {
	case err == nil:
		s.pruneRateLimit(ctx, nowMs, win)
		return ratelimit.Result{Allowed: true}, nil
	case !errors.Is(err, pgx.ErrNoRows):
		return ratelimit.Result{}, fmt.Errorf("postgres: rate limit: %w", err)
	}
	var last int64
	if err := s.pool.QueryRow(ctx, s.sql.lastRequest, key).Scan(&last); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return ratelimit.Result{}, fmt.Errorf("postgres: rate limit: %w", err)
	}
	retry := time.Duration(last+win-nowMs) * time.Millisecond
	return ratelimit.Result{RetryAfter: min(max(retry, 0), rule.Window)}, nil
}

func (s *Store) createRateLimit(ctx context.Context) error {
	s.rl.mu.Lock()
	defer s.rl.mu.Unlock()
	if s.rl.created {
		return nil
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, s.sql.createRateLimit); err != nil {
			return err
		}
		_, err := checkTable(ctx, tx, "rateLimit", s.tables.RateLimit, false)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: rate limit: create table: %w", err)
	}
	s.rl.created = true
	return nil
}

func (s *Store) pruneRateLimit(ctx context.Context, nowMs, win int64) {
	if win > s.rl.longest.Load() {
		s.rl.longest.Store(win)
	}
	last := s.rl.lastPrune.Load()
	if nowMs-last < time.Minute.Milliseconds() || !s.rl.lastPrune.CompareAndSwap(last, nowMs) {
		return
	}
	if _, err := s.pool.Exec(ctx, s.sql.pruneRequests, nowMs-s.rl.longest.Load()); err != nil {
		s.log.WarnContext(ctx, "postgres: prune rate-limit rows", "err", err)
	}
}
