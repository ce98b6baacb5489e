package postgres

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/ratelimit"
)

// TestRateLimitConsume: Better Auth's decideConsume on the rateLimit
// table, atomic under concurrency, the window restarting 10 s after the
// last allowed request.
func TestRateLimitConsume(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{})
	ctx := context.Background()
	rule := ratelimit.Rule{Window: 10 * time.Second, Max: 5}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			res, err := s.Consume(ctx, "1.2.3.4|/sign-in/email", rule, at)
			if err != nil {
				t.Error(err)
			}
			if res.Allowed {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if allowed.Load() != 5 {
		t.Errorf("%d of 20 concurrent requests allowed, want 5", allowed.Load())
	}
	res, err := s.Consume(ctx, "1.2.3.4|/sign-in/email", rule, at.Add(4*time.Second))
	if err != nil || res.Allowed || res.RetryAfter != 6*time.Second {
		t.Errorf("4 s later: %+v %v, want refused, retry 6s", res, err)
	}
	res, err = s.Consume(ctx, "1.2.3.4|/sign-in/email", rule, at.Add(10*time.Second))
	if err != nil || !res.Allowed {
		t.Errorf("10 s after the last allowed: %+v %v", res, err)
	}
	var count int
	var last int64
	if err := s.Pool().QueryRow(ctx, `SELECT "count", "lastRequest" FROM "rateLimit" WHERE "key" = $1`, "1.2.3.4|/sign-in/email").Scan(&count, &last); err != nil ||
		count != 1 || last != at.Add(10*time.Second).UnixMilli() {
		t.Errorf("row: count %d lastRequest %d, %v", count, last, err)
	}
	// A second Store on the database finds the table there, and old rows
	// are pruned.
	s.Consume(ctx, "old|/x", rule, at)
	s.Consume(ctx, "new|/x", rule, at.Add(2*time.Minute))
	var n int
	s.Pool().QueryRow(ctx, `SELECT count(*) FROM "rateLimit" WHERE "key" = 'old|/x'`).Scan(&n)
	if n != 0 {
		t.Errorf("expired row kept")
	}
}

// TestRateLimitStoreDown: a closed pool is an error, never an allowance.
func TestRateLimitStoreDown(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{})
	s.Close()
	if res, err := s.Consume(context.Background(), "k|/", ratelimit.Rule{Window: time.Second, Max: 1}, at); err == nil || res.Allowed {
		t.Errorf("closed store: %+v %v", res, err)
	}
}
