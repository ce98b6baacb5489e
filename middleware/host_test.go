package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit/middleware"
)

// TestLoginRedirectIgnoresHost: a forged Host header, or an absolute-form
// request target naming another host, never reaches the login redirect:
// it is a path of this site with a path to return to.
func TestLoginRedirectIgnoresHost(t *testing.T) {
	t.Parallel()
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	h := loadedEmpty(middleware.RequireSessionWithOpts(middleware.RequireSessionOpts{LoginURL: "/login"})(page))
	for _, target := range []string{"/dashboard?tab=2", "http://evil.example/dashboard?tab=2"} {
		req := httptest.NewRequest("GET", target, nil)
		req.Host = "evil.example"
		req.Header.Set("Accept", "text/html")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		loc := rec.Header().Get("Location")
		u, err := url.Parse(loc)
		if err != nil || !strings.HasPrefix(loc, "/login?") || u.Host != "" || u.Query().Get("returnTo") != "/dashboard?tab=2" {
			t.Errorf("%s with Host evil.example: Location %q", target, loc)
		}
	}
}
