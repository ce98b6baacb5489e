package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

// freshDownStore fails every session read.
type freshDownStore struct{ store.Store }

func (freshDownStore) SessionByToken(context.Context, string) (store.Session, store.User, error) {
	return store.Session{}, store.User{}, errors.New("connection refused")
}

// TestRequireFreshFailsClosed: with the cookie cache on and the store down,
// Load answers from the cache but the fresh gate, which must re-read the
// store, answers 503 rather than letting the request through.
func TestRequireFreshFailsClosed(t *testing.T) {
	t.Parallel()
	mem := memory.New()
	st := &freshSwitchStore{Store: mem}
	auth, err := sessionkit.New(sessionkit.Config{
		Secret: "fresh-test-secret-0123456789abcdefghijklm", Store: st,
		CookieCache: sessionkit.CookieCache{Enabled: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := addUser(auth, "Ada", "ada@example.com")
	rec := httptest.NewRecorder()
	if _, err := auth.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	app := middleware.Load(auth)(middleware.RequireFresh(auth)(ok))
	req := httptest.NewRequest("GET", "/", nil)
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	if rec := serveFresh(app, req); rec.Code != 200 {
		t.Fatalf("store up: %d", rec.Code)
	}
	st.Store = freshDownStore{mem}
	if rec := serveFresh(app, req); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("store down: %d %s, want 503", rec.Code, rec.Body)
	}
}

// freshSwitchStore lets a test swap the store under a Manager.
type freshSwitchStore struct{ store.Store }

func serveFresh(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}
