package interop_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memory"
)

// TestRateLimitMatchesBetterAuth: four sign-ins from one address within
// 10 s; Better Auth (rate limiting on) and sessionkit answer the same
// statuses, the same 429 body and X-Retry-After.
func TestRateLimitMatchesBetterAuth(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	body := map[string]any{"email": "nobody@example.com", "password": "password123"}
	hdr := map[string]string{"x-forwarded-for": "203.0.113.5"}
	var ops []baOp
	for range 4 {
		ops = append(ops, baOp{Method: "POST", Path: "/sign-in/email", Body: body, Headers: hdr})
	}
	ba := runBA(t, node, baConfig{DB: filepath.Join(t.TempDir(), "auth.db"), Secret: secret, BaseURL: "http://localhost:3000", Strategy: "none", RateLimit: true}, ops...)

	m, err := sessionkit.New(sessionkit.Config{Secret: secret, Store: memory.New(), TrustedIPHeader: "X-Forwarded-For"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	srv := httptest.NewServer(newAccounts(t, m).Handler())
	t.Cleanup(srv.Close)
	for i := range 4 {
		req, _ := http.NewRequest("POST", srv.URL+"/api/auth/sign-in/email", strings.NewReader(`{"email":"nobody@example.com","password":"password123"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", "203.0.113.5")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		want := ba[i]
		if res.StatusCode != want.Status {
			t.Errorf("sign-in %d: sessionkit %d, Better Auth %d", i+1, res.StatusCode, want.Status)
		}
		if want.Status != 429 {
			continue
		}
		if string(got) != string(want.Body) {
			t.Errorf("429 body: sessionkit %s, Better Auth %s", got, want.Body)
		}
		// Seconds left of the window: the value depends on how long the
		// sign-ins took, so both must be whole seconds within it.
		inWindow := func(v string) bool { n, err := strconv.Atoi(v); return err == nil && n >= 1 && n <= 10 }
		if want.RetryAfter == nil || !inWindow(*want.RetryAfter) || !inWindow(res.Header.Get("X-Retry-After")) {
			t.Errorf("X-Retry-After: sessionkit %q, Better Auth %v", res.Header.Get("X-Retry-After"), want.RetryAfter)
		}
	}
	if ba[3].Status != 429 {
		t.Errorf("Better Auth answered the 4th sign-in %d; the test expects its rate limit", ba[3].Status)
	}
}
