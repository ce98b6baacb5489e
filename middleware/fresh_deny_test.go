package middleware_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store/memory"
)

// A stale session posting a form behind RequireFresh (the README's
// POST /settings/email) gets the re-authentication page, returning to the
// form, not 403 JSON; API calls get 403 JSON, or OnDenied's answer.
func TestRequireFreshFormPost(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli())
	auth, err := sessionkit.New(sessionkit.Config{
		Secret: "fresh-test-secret-0123456789abcdefghijklm", Store: memory.New(),
		FreshAge: time.Hour, Now: func() time.Time { return time.UnixMilli(now.Load()) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer auth.Close()
	u, _ := addUser(auth, "Ada", "ada@example.com")
	rec := httptest.NewRecorder()
	if _, err := auth.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	now.Add((2 * time.Hour).Milliseconds())
	post := func(ct string) *http.Request {
		req := httptest.NewRequest("POST", "http://example.com/settings/email", nil)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Referer", "http://example.com/settings")
		for _, c := range rec.Result().Cookies() {
			req.AddCookie(c)
		}
		return req
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})

	page := middleware.RequireFreshWithOpts(auth, middleware.RequireFreshOpts{ReauthURL: "/sign-in?reauth=1"})(ok)
	res := serveFresh(page, post("application/x-www-form-urlencoded"))
	loc, _ := url.Parse(res.Header().Get("Location"))
	if res.Code != http.StatusSeeOther || loc.Path != "/sign-in" || loc.Query().Get("reauth") != "1" || loc.Query().Get("returnTo") != "/settings" {
		t.Fatalf("stale form post: %d Location %q; want 303 to /sign-in?reauth=1&returnTo=/settings", res.Code, res.Header().Get("Location"))
	}
	if res := serveFresh(page, post("application/json")); res.Code != http.StatusForbidden || res.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("stale API call: %d %s; want 403 JSON", res.Code, res.Header().Get("Content-Type"))
	}

	var hookStatus int
	var hookErr error
	custom := middleware.RequireFreshWithOpts(auth, middleware.RequireFreshOpts{OnDenied: func(w http.ResponseWriter, r *http.Request, status int, err error) {
		hookStatus, hookErr = status, err
		w.WriteHeader(status)
	}})(ok)
	if res := serveFresh(custom, post("application/json")); res.Code != http.StatusForbidden || hookStatus != 403 || !errors.Is(hookErr, middleware.ErrNotFresh) {
		t.Fatalf("OnDenied: %d, hook got %d %v", res.Code, hookStatus, hookErr)
	}
	if res := serveFresh(custom, httptest.NewRequest("POST", "/settings/email", nil)); res.Code != http.StatusUnauthorized || hookStatus != 401 || !errors.Is(hookErr, sessionkit.ErrNoSession) {
		t.Fatalf("OnDenied without a session: %d, hook got %d %v", res.Code, hookStatus, hookErr)
	}
}
