package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
)

// loadedEmpty is what middleware.Load does for a request without a session.
func loadedEmpty(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(sessionkit.NewContext(r.Context(), nil, nil)))
	})
}

// RequireSession without Load in front answers 500 naming the missing
// middleware, not a silent 401 to a valid cookie.
func TestRequireSessionWithoutLoad(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	h := middleware.RequireSession()(ok)
	for i := 0; i < 2; i++ { // logged once, refused every time
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
		if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "middleware.Load") {
			t.Fatalf("without Load: %d %s; want 500 naming middleware.Load", rec.Code, rec.Body)
		}
	}
	if sessionkit.Loaded(context.Background()) {
		t.Fatal("a bare context reads as loaded")
	}
	rec := httptest.NewRecorder()
	loadedEmpty(h).ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("with Load and no session: %d, want 401", rec.Code)
	}
}

// Browser navigations and form posts get the sign-in page; a form post
// returns to the same-origin page that sent it, never to the POST URL.
func TestGateRedirectsFormPosts(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	h := loadedEmpty(middleware.RequireSessionWithOpts(middleware.RequireSessionOpts{LoginURL: "/login"})(ok))
	for _, tc := range []struct {
		name, method string
		hdr          map[string]string
		wantCode     int
		wantReturn   string // "-" for no returnTo
	}{
		{"JSON API call", "POST", map[string]string{"Content-Type": "application/json"}, 401, ""},
		{"fetch GET", "GET", map[string]string{"Accept": "*/*", "Sec-Fetch-Mode": "cors"}, 401, ""},
		{"navigation", "GET", map[string]string{"Sec-Fetch-Mode": "navigate"}, 303, "/settings/email"},
		{"document", "GET", map[string]string{"Sec-Fetch-Dest": "document"}, 303, "/settings/email"},
		{"form post from the form", "POST", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Referer": "http://example.com/settings?tab=email"}, 303, "/settings?tab=email"},
		{"multipart post", "POST", map[string]string{"Content-Type": "multipart/form-data; boundary=x", "Referer": "http://example.com/settings"}, 303, "/settings"},
		{"form post, no Referer", "POST", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 303, "-"},
		{"form post, foreign Referer", "POST", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Referer": "http://evil.example/settings"}, 303, "-"},
		{"form post, cross-site", "POST", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Referer": "http://example.com/settings", "Sec-Fetch-Site": "cross-site"}, 303, "-"},
		{"POST accepting html", "POST", map[string]string{"Accept": "text/html", "Referer": "http://example.com/settings"}, 303, "/settings"},
	} {
		req := httptest.NewRequest(tc.method, "http://example.com/settings/email", nil)
		for k, v := range tc.hdr {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if tc.name == "form post, no Referer" {
			withPage := loadedEmpty(middleware.RequireSessionWithOpts(middleware.RequireSessionOpts{LoginURL: "/login", FormPage: "/settings"})(ok))
			r2 := httptest.NewRecorder()
			withPage.ServeHTTP(r2, req)
			if loc := r2.Header().Get("Location"); loc != "/login?returnTo=%2Fsettings" {
				t.Errorf("form post, no Referer, FormPage /settings: Location %q", loc)
			}
		}
		if rec.Code != tc.wantCode {
			t.Errorf("%s: %d, want %d", tc.name, rec.Code, tc.wantCode)
			continue
		}
		if tc.wantCode != 303 {
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("%s: Content-Type %q", tc.name, ct)
			}
			continue
		}
		loc, err := url.Parse(rec.Header().Get("Location"))
		if err != nil || loc.Path != "/login" {
			t.Errorf("%s: Location %q", tc.name, rec.Header().Get("Location"))
			continue
		}
		got, has := loc.Query().Get("returnTo"), loc.Query().Has("returnTo")
		if tc.wantReturn == "-" && has || tc.wantReturn != "-" && got != tc.wantReturn {
			t.Errorf("%s: returnTo %q (present %v), want %q", tc.name, got, has, tc.wantReturn)
		}
	}
}

// OnDenied renders the refusals that are not redirected.
func TestRequireSessionOnDenied(t *testing.T) {
	t.Parallel()
	storeErr := errors.New("store down")
	var gotStatus int
	var gotErr error
	o := middleware.RequireSessionOpts{OnDenied: func(w http.ResponseWriter, r *http.Request, status int, err error) {
		gotStatus, gotErr = status, err
		w.WriteHeader(status)
		_, _ = w.Write([]byte("custom"))
	}}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	for _, tc := range []struct {
		name    string
		lookErr error
		status  int
		want    error
	}{
		{"no session", nil, 401, sessionkit.ErrNoSession},
		{"store down", storeErr, 503, storeErr},
	} {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			middleware.RequireSessionWithOpts(o)(ok).ServeHTTP(w, r.WithContext(sessionkit.NewContext(r.Context(), nil, tc.lookErr)))
		})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
		if rec.Code != tc.status || rec.Body.String() != "custom" || gotStatus != tc.status || !errors.Is(gotErr, tc.want) {
			t.Errorf("%s: %d %q, hook got %d %v", tc.name, rec.Code, rec.Body, gotStatus, gotErr)
		}
	}
}
