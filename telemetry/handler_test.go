package telemetry_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/ratelimit"
	"github.com/sessionkit/sessionkit/store/memory"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

// TestSignInOutcomes: the answers of sign-in and sign-up are counted by
// endpoint and outcome, and every 429 as a rate-limit rejection. The
// Manager runs on a wrapped SQLite store, which must still sign users up
// and in with passwords.
func TestSignInOutcomes(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "auth.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h := newHarness(t, nil)
	m, err := sessionkit.New(sessionkit.Config{Secret: secret, Store: h.tel.WrapStore(db)})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	accounts, err := account.New(m, account.Config{})
	if err != nil {
		t.Fatal(err)
	}
	api := h.tel.Handler(accounts.Handler())

	const (
		signUp = "/api/auth/sign-up/email"
		signIn = "/api/auth/sign-in/email"
	)
	steps := []struct {
		path, body string
		want       int
	}{
		{signUp, `{"name":"Ada","email":"ada@example.com","password":"correct horse battery"}`, 200},
		{signIn, `{"email":"ada@example.com","password":"correct horse battery"}`, 200},
		{signIn, `{"email":"ada@example.com","password":"wrong password here"}`, 401},
		{signIn, `{"email":"ada@example.com","password":"wrong password again"}`, 401},
		{signIn, `{"email":"ada@example.com","password":"correct horse battery"}`, 429}, // Better Auth's 3 per 10 s
	}
	for i, s := range steps {
		if rec := post(api, s.path, s.body); rec.Code != s.want {
			t.Fatalf("step %d: %s answered %d %s, want %d", i, s.path, rec.Code, rec.Body, s.want)
		}
	}
	for _, c := range []struct {
		endpoint, outcome string
		status            int
		want              int64
	}{
		{"sign-up/email", "success", 200, 1},
		{"sign-in/email", "success", 200, 1},
		{"sign-in/email", "failed", 401, 2},
		{"sign-in/email", "rate_limited", 429, 1},
	} {
		if got := h.count(t, "sessionkit.auth.requests", str("sessionkit.auth.endpoint", c.endpoint),
			str("sessionkit.auth.outcome", c.outcome), attribute.Int("http.response.status_code", c.status)); got != c.want {
			t.Errorf("auth.requests %s %s: %d, want %d", c.endpoint, c.outcome, got, c.want)
		}
	}
	if got := h.count(t, "sessionkit.rate_limit.rejections", str("sessionkit.auth.endpoint", "sign-in/email")); got != 1 {
		t.Errorf("rate_limit.rejections: %d, want 1", got)
	}
	if got := h.observations(t, "sessionkit.store.duration", str("sessionkit.store.operation", "create_user_with_password"), str("sessionkit.store.outcome", "ok")); got != 1 {
		t.Errorf("create_user_with_password through the wrapper: %d calls, want 1", got)
	}
	if got := h.observations(t, "sessionkit.store.duration", str("sessionkit.store.operation", "password_hash")); got != 3 {
		t.Errorf("password_hash through the wrapper: %d calls, want 3", got)
	}
}

// brokenLimits is rate-limit storage that cannot be read.
type brokenLimits struct{}

func (brokenLimits) Consume(context.Context, string, ratelimit.Rule, time.Time) (ratelimit.Result, error) {
	return ratelimit.Result{}, errors.New("counters unreachable")
}

// TestUnavailableAndOther: a sign-in refused because the rate-limit
// counters cannot be read is "unavailable"; a status outside the known
// ones is "other" with its code; paths are never attribute values.
func TestUnavailableAndOther(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	m, err := sessionkit.New(sessionkit.Config{Secret: secret, Store: memory.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	accounts, err := account.New(m, account.Config{RateLimit: account.RateLimit{Storage: brokenLimits{}}})
	if err != nil {
		t.Fatal(err)
	}
	api := h.tel.Handler(accounts.Handler())
	if rec := post(api, "/api/auth/sign-in/email", `{"email":"ada@example.com","password":"whatever it is"}`); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("sign-in with broken counters: %d", rec.Code)
	}
	teapot := h.tel.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/auth/sign-up/email" {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	post(teapot, "/api/auth/sign-up/email", `{}`)
	post(teapot, "/api/auth/attacker-chosen-path-1", `{}`)
	post(teapot, "/api/auth/attacker-chosen-path-2", `{}`)

	if got := h.count(t, "sessionkit.auth.requests", str("sessionkit.auth.endpoint", "sign-in/email"), str("sessionkit.auth.outcome", "unavailable")); got != 1 {
		t.Errorf("unavailable sign-ins: %d, want 1", got)
	}
	if got := h.count(t, "sessionkit.auth.requests", str("sessionkit.auth.endpoint", "sign-up/email"), str("sessionkit.auth.outcome", "other"), attribute.Int("http.response.status_code", 418)); got != 1 {
		t.Errorf("other sign-ups: %d, want 1", got)
	}
	if got := h.count(t, "sessionkit.rate_limit.rejections", str("sessionkit.auth.endpoint", "other")); got != 2 {
		t.Errorf("rejections of unknown paths: %d, want 2 under \"other\"", got)
	}
	if got := h.count(t, "sessionkit.auth.requests"); got != 2 {
		t.Errorf("auth.requests in all: %d, want 2 (unknown paths are not sign-ins)", got)
	}
}
