package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/sessionkit/sessionkit/middleware"
)

// TestLoginRedirectStaysOnSite: the return path RequireSessionWithOpts puts
// into the login URL is a path of this site whatever the request path, so
// a sign-in page that redirects to it cannot be sent elsewhere. Routers
// other than ServeMux (chi, gorilla/mux) do not clean "//host" paths.
func TestLoginRedirectStaysOnSite(t *testing.T) {
	t.Parallel()
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	h := loadedEmpty(middleware.RequireSessionWithOpts(middleware.RequireSessionOpts{LoginURL: "/login"})(page))
	for _, tt := range []struct {
		target, want string
	}{
		{"/dashboard?tab=2", "/dashboard?tab=2"},
		{"/", "/"},
		{"//evil.example/x", "/"},
		{"//evil.example", "/"},
		{"///evil.example", "/"},
		{"/%5Cevil.example", "/%5Cevil.example"},
	} {
		req := httptest.NewRequest("GET", tt.target, nil)
		req.Header.Set("Accept", "text/html")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		loc, err := url.Parse(rec.Header().Get("Location"))
		if rec.Code != http.StatusSeeOther || err != nil {
			t.Fatalf("%s: %d %q", tt.target, rec.Code, rec.Header().Get("Location"))
		}
		got := loc.Query().Get("returnTo")
		if got != tt.want || middleware.SafeReturnPath(got, "") != got {
			t.Errorf("%s: returnTo = %q, want %q", tt.target, got, tt.want)
		}
	}
}

// TestSafeReturnPath: only paths of this site pass. Browsers delete tabs
// and newlines from URLs, so "/\t/evil.example" would become
// "//evil.example", another site: every control character is refused.
func TestSafeReturnPath(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"/dashboard", "/settings?tab=2", "/a/b#c", "/%2F%2Fevil.example"} {
		if got := middleware.SafeReturnPath(p, "/fb"); got != p {
			t.Errorf("SafeReturnPath(%q) = %q, want it kept", p, got)
		}
	}
	for _, p := range []string{
		"", "dashboard", "https://evil.example", "//evil.example", "/\\evil.example",
		"/\t/evil.example", "/\t\\evil.example", "/\n/evil.example", "/\r/x", "/\x00/x", "/\x7f/x", "/\x1b/x",
	} {
		if got := middleware.SafeReturnPath(p, "/fb"); got != "/fb" {
			t.Errorf("SafeReturnPath(%q) = %q, want the fallback", p, got)
		}
	}
}
