// Package ratelimit counts requests per key in fixed windows, with Better
// Auth 1.7.25's rules and storage formats, so a Go service and a Better
// Auth app sharing a database or Redis share their counters too.
//
// A key is "<client IP>|<path>" as Better Auth builds it (path relative to
// the API's base path, such as "/sign-in/email"). A rule allows Max
// requests per Window: a key's count restarts at 1 once Window has passed
// since its last allowed request (Better Auth's memory and database
// semantics), or since the counter was created (its secondary-storage
// semantics, see Counter).
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Rule allows Max requests per Window.
type Rule struct {
	Window time.Duration
	Max    int
}

// Result is the outcome of one Consume.
type Result struct {
	Allowed bool
	// RetryAfter is how long until the key frees up, when not Allowed.
	RetryAfter time.Duration
}

// Storage counts requests. Consume records one request against key under
// rule, atomically (concurrent callers, and other processes sharing the
// storage, must not all pass a stale count), and reports whether it is
// allowed. It is Better Auth's rateLimit.customStorage.consume.
type Storage interface {
	Consume(ctx context.Context, key string, rule Rule, now time.Time) (Result, error)
}

// ErrStorage wraps a failure of the Storage. Callers fail closed on it.
var ErrStorage = errors.New("ratelimit: storage failed")

// Defaults, Better Auth's.
const (
	DefaultWindow = 10 * time.Second
	DefaultMax    = 100
)

// PathRule is a Rule for the paths equal to Path or, when Path ends in
// "*", starting with what comes before it.
type PathRule struct {
	Path string
	Rule Rule
}

// Matches reports whether the rule applies to path.
func (p PathRule) Matches(path string) bool {
	if prefix, ok := strings.CutSuffix(p.Path, "*"); ok {
		return strings.HasPrefix(path, prefix)
	}
	return path == p.Path
}

// DefaultRules are Better Auth's special rules: 3 requests per 10 seconds
// for sign-in, sign-up, change-password and change-email, 3 per minute for
// the password-reset and verification mails.
func DefaultRules() []PathRule {
	short := Rule{Window: 10 * time.Second, Max: 3}
	long := Rule{Window: time.Minute, Max: 3}
	return []PathRule{
		{"/sign-in*", short}, {"/sign-up*", short}, {"/change-password*", short}, {"/change-email*", short},
		{"/request-password-reset", long}, {"/send-verification-email", long}, {"/forget-password*", long},
		{"/email-otp/send-verification-otp", long}, {"/email-otp/request-password-reset", long},
	}
}

// Key is Better Auth's rate-limit key of a client IP and a path.
func Key(ip, path string) string { return ip + "|" + path }

// Limiter picks the rule of a path and consumes it in its Storage.
type Limiter struct {
	storage Storage
	def     Rule
	rules   []PathRule // first match wins
}

// New returns a Limiter: rules (checked first, in order), then
// DefaultRules, then def for every other path.
func New(s Storage, def Rule, rules []PathRule) *Limiter {
	return &Limiter{storage: s, def: def, rules: append(append([]PathRule(nil), rules...), DefaultRules()...)}
}

// RuleFor returns the rule for path.
func (l *Limiter) RuleFor(path string) Rule {
	for _, r := range l.rules {
		if r.Matches(path) {
			return r.Rule
		}
	}
	return l.def
}

// Allow consumes one request of key under path's rule.
func (l *Limiter) Allow(ctx context.Context, key, path string, now time.Time) (Result, error) {
	return l.AllowRule(ctx, key, l.RuleFor(path), now)
}

// AllowRule consumes one request of key under rule. A Storage error is
// returned wrapped with ErrStorage.
func (l *Limiter) AllowRule(ctx context.Context, key string, rule Rule, now time.Time) (Result, error) {
	res, err := l.storage.Consume(ctx, key, rule, now)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %w", ErrStorage, err)
	}
	return res, nil
}

// Seconds is the whole number of seconds of RetryAfter, rounded up and at
// least 1, as Better Auth's X-Retry-After header carries it.
func Seconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// decide is Better Auth's decideConsume: the next count and last-request
// time of a key whose current ones are count and last (count 0: none).
func decide(count int, last time.Time, rule Rule, now time.Time) (next int, nextLast time.Time, res Result) {
	switch {
	case count == 0 || now.Sub(last) >= rule.Window:
		return 1, now, Result{Allowed: true}
	case count >= rule.Max:
		return count, last, Result{RetryAfter: last.Add(rule.Window).Sub(now)}
	}
	return count + 1, now, Result{Allowed: true}
}
