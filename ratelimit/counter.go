package ratelimit

import (
	"context"
	"time"
)

// Counter is a Storage over an atomic counter with a time to live, Better
// Auth's rate limiting on secondary storage (Redis): Increment adds one to
// the integer at key and returns the new value; when the key is missing it
// creates it at 1 with the time to live ttl (whole seconds), which later
// increments never extend. The key is Better Auth's "<ip>|<path>", with no
// prefix, and the value a plain integer, so a Better Auth app on the same
// Redis shares the counts. A request is allowed while the count is at most
// Max; when it is not, RetryAfter is the whole window, as Better Auth
// answers.
//
// With go-redis, Increment is one round trip of RedisIncrementScript:
//
//	ratelimit.Counter(func(ctx context.Context, key string, ttl int) (int64, error) {
//		return rdb.Eval(ctx, ratelimit.RedisIncrementScript, []string{key}, ttl).Int64()
//	})
type Counter func(ctx context.Context, key string, ttlSeconds int) (int64, error)

// RedisIncrementScript is the Lua script of an atomic INCR that sets the
// key's expiry (ARGV[1] seconds) when it creates it.
const RedisIncrementScript = `local v = redis.call('INCR', KEYS[1])
if v == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return v`

// Consume implements Storage.
func (c Counter) Consume(ctx context.Context, key string, rule Rule, _ time.Time) (Result, error) {
	n, err := c(ctx, key, Seconds(rule.Window))
	if err != nil {
		return Result{}, err
	}
	if n <= int64(rule.Max) {
		return Result{Allowed: true}, nil
	}
	return Result{RetryAfter: rule.Window}, nil
}
