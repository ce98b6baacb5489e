package account_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/ratelimit"
)

const tooMany = `{"message":"Too many requests. Please try again later."}`

// from is a client of the API at address ip (Config.TrustedIPHeader is
// X-Forwarded-For in these tests).
func (e *apiEnv) from(ip string) *apiClient {
	c := e.client()
	c.hdr.Set("X-Forwarded-For", ip)
	return c
}

func limitedEnv(t *testing.T, rl account.RateLimit) *apiEnv {
	return newLimitedAPIEnv(t, sessionkit.Config{TrustedIPHeader: "X-Forwarded-For"}, account.Config{RateLimit: rl})
}

func want429(t *testing.T, what string, r apiResponse, retry int) {
	t.Helper()
	if r.status != 429 || r.body != tooMany || r.header.Get("X-Retry-After") != strconv.Itoa(retry) ||
		r.header.Get("Content-Type") != "application/json" {
		t.Errorf("%s: %d %q X-Retry-After %q, want 429 %s X-Retry-After %d", what, r.status, r.body, r.header.Get("X-Retry-After"), tooMany, retry)
	}
}

// TestRateLimitSignIn: the 4th sign-in within 10 s from one address gets
// Better Auth's 429 until 10 s have passed since the last allowed one;
// other addresses and other paths are unaffected.
func TestRateLimitSignIn(t *testing.T) {
	t.Parallel()
	e := limitedEnv(t, account.RateLimit{})
	c := e.from("203.0.113.7")
	const body = `{"email":"nobody@example.com","password":"password123"}`
	for i := range 3 {
		if r := c.post("/sign-in/email", body); r.status != 401 {
			t.Fatalf("sign-in #%d: %d %s", i+1, r.status, r.body)
		}
		e.advance(time.Second)
	}
	want429(t, "4th sign-in", c.post("/sign-in/email", body), 9) // at 3 s; the last allowed was at 2 s
	if r := e.from("203.0.113.8").post("/sign-in/email", `{"email":"other@example.com","password":"password123"}`); r.status != 401 {
		t.Errorf("another address: %d %s", r.status, r.body)
	}
	if r := c.get("/get-session"); r.status != 200 {
		t.Errorf("get-session from the limited address: %d %s", r.status, r.body)
	}
	e.advance(6 * time.Second)
	want429(t, "7 s after the last allowed", c.post("/sign-in/email", body), 3)
	e.advance(3 * time.Second)
	if r := c.post("/sign-in/email", body); r.status != 401 {
		t.Errorf("after the window: %d %s", r.status, r.body)
	}
	// sign-up shares the special rule but has its own key.
	for i := range 4 {
		r := c.post("/sign-up/email", fmt.Sprintf(`{"name":"A","email":"a%d@example.com","password":"password123"}`, i))
		if i < 3 && r.status != 200 {
			t.Errorf("sign-up #%d: %d %s", i+1, r.status, r.body)
		}
		if i == 3 {
			want429(t, "4th sign-up", r, 10)
		}
	}
}

// TestRateLimitDefaultRule: 100 API requests per 10 s per address.
func TestRateLimitDefaultRule(t *testing.T) {
	t.Parallel()
	e := limitedEnv(t, account.RateLimit{})
	c := e.from("2001:db8::1")
	for i := range 100 {
		if r := c.get("/get-session"); r.status != 200 {
			t.Fatalf("get-session #%d: %d", i+1, r.status)
		}
	}
	want429(t, "101st", c.get("/get-session"), 10)
	// The same /64 is the same client, as in Better Auth.
	want429(t, "same /64", e.from("2001:db8::ffff:2").get("/get-session"), 10)
	if r := e.from("2001:db8:0:1::1").get("/get-session"); r.status != 200 {
		t.Errorf("another /64: %d", r.status)
	}
}

// TestRateLimitAccount: password checks of one email are limited across
// addresses, in the JSON API and in CheckPassword.
func TestRateLimitAccount(t *testing.T) {
	t.Parallel()
	e := limitedEnv(t, account.RateLimit{Account: ratelimit.Rule{Window: time.Minute, Max: 5}})
	ctx := context.Background()
	if _, err := e.a.CreateUser(ctx, "Ada", "ada@example.com", "correct horse"); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		r := e.from(fmt.Sprintf("198.51.100.%d", i)).post("/sign-in/email", `{"email":"ada@example.com","password":"guess-`+strconv.Itoa(i)+`"}`)
		if r.status != 401 {
			t.Fatalf("attempt %d: %d %s", i+1, r.status, r.body)
		}
	}
	want429(t, "6th attempt from a 6th address", e.from("198.51.100.99").post("/sign-in/email", `{"email":"ADA@example.com","password":"correct horse"}`), 60)
	_, err := e.a.CheckPassword(ctx, " Ada@Example.com", "correct horse")
	var rl *account.RateLimitError
	if !errors.Is(err, account.ErrRateLimited) || !errors.As(err, &rl) || rl.RetryAfter != time.Minute {
		t.Errorf("CheckPassword over the account limit: %v", err)
	}
	if r := e.from("198.51.100.99").post("/sign-in/email", `{"email":"bo@example.com","password":"password123"}`); r.status != 401 {
		t.Errorf("another account: %d %s", r.status, r.body)
	}
	e.advance(time.Minute)
	if u, err := e.a.CheckPassword(ctx, "ada@example.com", "correct horse"); err != nil || u.Email != "ada@example.com" {
		t.Errorf("after the window: %v", err)
	}
}

// TestCheckPasswordRequest: the Go API for forms limits per address as the
// JSON API's sign-in does, and shares its counter.
func TestCheckPasswordRequest(t *testing.T) {
	t.Parallel()
	e := limitedEnv(t, account.RateLimit{})
	ctx := context.Background()
	if _, err := e.a.CreateUser(ctx, "Ada", "ada@example.com", "correct horse"); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/sign-in", nil)
	r.Header.Set("X-Forwarded-For", "192.0.2.1")
	for i := range 2 {
		if _, err := e.a.CheckPasswordRequest(r, "ada@example.com", "wrong password"); !errors.Is(err, account.ErrInvalidCredentials) {
			t.Fatalf("#%d: %v", i+1, err)
		}
	}
	if res := e.from("192.0.2.1").post("/sign-in/email", `{"email":"ada@example.com","password":"nope-nope"}`); res.status != 401 {
		t.Fatalf("JSON sign-in: %d", res.status)
	}
	_, err := e.a.CheckPasswordRequest(r, "ada@example.com", "correct horse")
	var rl *account.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != 10*time.Second {
		t.Errorf("4th attempt from one address: %v", err)
	}
	r.Header.Set("X-Forwarded-For", "192.0.2.2")
	if _, err := e.a.CheckPasswordRequest(r, "ada@example.com", "correct horse"); err != nil {
		t.Errorf("another address: %v", err)
	}
}

// failingLimiter is a rate-limit storage that is down.
type failingLimiter struct{}

func (failingLimiter) Consume(context.Context, string, ratelimit.Rule, time.Time) (ratelimit.Result, error) {
	return ratelimit.Result{}, errors.New("counter store down")
}

// TestRateLimitFailsClosed: when the counters cannot be read, requests are
// refused (503), not let through uncounted.
func TestRateLimitFailsClosed(t *testing.T) {
	t.Parallel()
	e := limitedEnv(t, account.RateLimit{Storage: failingLimiter{}})
	if r := e.from("192.0.2.1").post("/sign-in/email", `{"email":"a@example.com","password":"password123"}`); r.status != 503 {
		t.Errorf("sign-in with the limiter down: %d %s", r.status, r.body)
	}
	if _, err := e.a.CheckPassword(context.Background(), "a@example.com", "password123"); !errors.Is(err, ratelimit.ErrStorage) {
		t.Errorf("CheckPassword with the limiter down: %v", err)
	}
}

// TestRateLimitDisabled: Disabled turns both limits off.
func TestRateLimitDisabled(t *testing.T) {
	t.Parallel()
	e := limitedEnv(t, account.RateLimit{Disabled: true})
	for i := range 12 {
		if r := e.from("192.0.2.1").post("/sign-in/email", `{"email":"a@example.com","password":"password123"}`); r.status != 401 {
			t.Fatalf("#%d: %d", i+1, r.status)
		}
	}
}

func TestRateLimitConfig(t *testing.T) {
	t.Parallel()
	m := newManager(t, sessionkit.Config{})
	for _, rl := range []account.RateLimit{
		{Max: -1}, {Window: -time.Second},
		{Rules: []ratelimit.PathRule{{Path: "sign-in", Rule: ratelimit.Rule{Window: time.Second, Max: 1}}}},
		{Rules: []ratelimit.PathRule{{Path: "/x", Rule: ratelimit.Rule{Max: 1}}}},
		{Account: ratelimit.Rule{Max: 3}},
	} {
		if _, err := account.New(m, account.Config{RateLimit: rl}); !errors.Is(err, sessionkit.ErrConfig) {
			t.Errorf("%+v: %v, want ErrConfig", rl, err)
		}
	}
}
