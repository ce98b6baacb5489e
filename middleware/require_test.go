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
	h := middleware.RequireSessionWithOpts(middleware.RequireSessionOpts{LoginURL: "/login"})(page)
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
