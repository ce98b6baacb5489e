package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/ratelimit"
	"github.com/sessionkit/sessionkit/store"
)

// RateLimit configures rate limiting, Better Auth's rateLimit. It is on by
// default: per client IP (see sessionkit.Config.TrustedIPHeader) and path, 100
// requests per 10 seconds to the JSON API and 3 to sign-in, sign-up and
// password changes; and per account, DefaultAccountRule for password
// checks, whatever the address.
type RateLimit struct {
	// Disabled turns rate limiting off (per IP and per account).
	Disabled bool
	// Window and Max are the rule for paths no other rule names.
	// Default 10 seconds and 100.
	Window time.Duration
	Max    int
	// Rules are checked before Better Auth's special rules
	// (ratelimit.DefaultRules), first match wins. Paths are relative to the
	// API's base path ("/sign-in/email"; "/sign-in*" for a prefix).
	Rules []ratelimit.PathRule
	// Account limits password checks per email, across all addresses, so
	// credential stuffing from many addresses is slowed too. Default
	// DefaultAccountRule; a negative Max turns it off.
	Account ratelimit.Rule
	// Storage keeps the counters. Default: the Store when it implements
	// ratelimit.Storage (store/postgres: Better Auth's rateLimit table,
	// shared by every instance), else process memory bounded to MaxKeys.
	// For Redis, see ratelimit.Counter.
	Storage ratelimit.Storage
	// MaxKeys bounds the in-memory counters. Default
	// ratelimit.DefaultMaxKeys (100,000, a few MiB).
	MaxKeys int
}

// DefaultAccountRule allows 10 password checks of one account per minute.
// A legitimate user never reaches it; someone who can make requests from
// many addresses can keep an account's password checks refused, so it is
// kept short-lived.
var DefaultAccountRule = ratelimit.Rule{Window: time.Minute, Max: 10}

// ErrRateLimited is matched (errors.Is) by the *RateLimitError returned
// when a client or account is over its rate limit.
var ErrRateLimited = errors.New("account: too many requests")

// RateLimitError says how long until the limited client or account may
// retry. Nothing was checked or stored.
type RateLimitError struct{ RetryAfter time.Duration }

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%v; retry in %ds", ErrRateLimited, ratelimit.Seconds(e.RetryAfter))
}

// Is makes a RateLimitError match ErrRateLimited.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// WriteRateLimited answers Better Auth's 429: an X-Retry-After header of
// whole seconds and {"message":"Too many requests. Please try again later."}.
func WriteRateLimited(w http.ResponseWriter, retryAfter time.Duration) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Retry-After", strconv.Itoa(ratelimit.Seconds(retryAfter)))
	w.WriteHeader(http.StatusTooManyRequests)
	w.Write([]byte(`{"message":"Too many requests. Please try again later."}`))
}

// rateLimits is the resolved RateLimit.
type rateLimits struct {
	lim     *ratelimit.Limiter // nil when disabled
	account ratelimit.Rule     // Max <= 0: off
}

func resolveRateLimit(c RateLimit, st store.Store) (rateLimits, error) {
	var out rateLimits
	if c.Disabled {
		return out, nil
	}
	if c.Window < 0 || c.Max < 0 || c.MaxKeys < 0 {
		return out, fmt.Errorf("%w: RateLimit.Window, Max and MaxKeys must not be negative", sessionkit.ErrConfig)
	}
	for _, r := range c.Rules {
		if r.Rule.Window <= 0 || r.Rule.Max <= 0 || !strings.HasPrefix(r.Path, "/") {
			return out, fmt.Errorf("%w: RateLimit.Rules: %q needs a path starting with / and a positive Window and Max", sessionkit.ErrConfig, r.Path)
		}
	}
	def := ratelimit.Rule{Window: c.Window, Max: c.Max}
	if def.Window == 0 {
		def.Window = ratelimit.DefaultWindow
	}
	if def.Max == 0 {
		def.Max = ratelimit.DefaultMax
	}
	storage := c.Storage
	if storage == nil {
		if shared, ok := store.As[ratelimit.Storage](st); ok {
			storage = shared
		} else {
			storage = ratelimit.NewMemory(c.MaxKeys)
		}
	}
	out.account = c.Account
	switch {
	case c.Account == ratelimit.Rule{}:
		out.account = DefaultAccountRule
	case c.Account.Max > 0 && c.Account.Window <= 0:
		return out, fmt.Errorf("%w: RateLimit.Account needs a positive Window", sessionkit.ErrConfig)
	}
	out.lim = ratelimit.New(storage, def, c.Rules)
	return out, nil
}

// RateLimit counts one request of r's client to path (relative to the API's
// base path, such as "/sign-in/email") and returns a *RateLimitError when
// the client is over the limit, or a store error (wrapping
// ratelimit.ErrStorage) when the counters cannot be read: refuse the
// request then. The JSON API calls it for every request; call it in your
// own form handlers. Nil when rate limiting is Disabled.
func (a *Accounts) RateLimit(r *http.Request, path string) error {
	l := a.limits.lim
	if l == nil {
		return nil
	}
	key := ratelimit.Key(ratelimit.NormalizeIP(a.m.ClientIP(r)), path)
	return a.limited(r.Context(), path, "ip", a.m.ClientIP(r), limitResult(l.Allow(r.Context(), key, path, a.m.Now())))
}

// limitAccount counts one password check of email.
func (a *Accounts) limitAccount(ctx context.Context, email string) error {
	l, rule := a.limits.lim, a.limits.account
	if l == nil || rule.Max <= 0 {
		return nil
	}
	// Hashed: the counters (perhaps in a shared table) need no addresses.
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	key := ratelimit.Key("account-"+hex.EncodeToString(sum[:16]), "/password")
	return a.limited(ctx, "/password", "email_hash", hex.EncodeToString(sum[:16]), limitResult(l.AllowRule(ctx, key, rule, a.m.Now())))
}

func limitResult(res ratelimit.Result, err error) error {
	switch {
	case err != nil:
		return fmt.Errorf("account: rate limit: %w", err)
	case !res.Allowed:
		return &RateLimitError{RetryAfter: res.RetryAfter}
	}
	return nil
}

// CheckPasswordRequest is CheckPassword for a sign-in form: it first counts
// the attempt against r's client as the JSON API's sign-in does (3 per 10
// seconds by default), then against the account, and returns a
// *RateLimitError when either is over its limit.
func (a *Accounts) CheckPasswordRequest(r *http.Request, email, pw string) (store.User, error) {
	if err := a.RateLimit(r, "/sign-in/email"); err != nil {
		return store.User{}, err
	}
	return a.CheckPassword(r.Context(), email, pw)
}

// allow applies the per-IP rate limit to one API request, answering it
// (429, or 503 when the counters cannot be read: fail closed) when it may
// not proceed.
func (h *apiHandler) allow(w http.ResponseWriter, r *http.Request, path string) bool {
	err := h.a.RateLimit(r, path)
	if err == nil {
		return true
	}
	h.unavailable(w, r, "rate limit", err)
	return false
}
