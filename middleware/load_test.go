package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

// flakyStore fails every session read while down is set.
type flakyStore struct {
	store.Store
	down atomic.Bool
}

func (f *flakyStore) SessionByToken(ctx context.Context, token string) (store.Session, store.User, error) {
	if f.down.Load() {
		return store.Session{}, store.User{}, errors.New("connection refused")
	}
	return f.Store.SessionByToken(ctx, token)
}

// TestLoadStoreFailure: a store that fails is neither a session nor "signed
// out": Load still calls the handler, without a session and with the error
// recorded, and RequireSession answers 503, not 401.
func TestLoadStoreFailure(t *testing.T) {
	t.Parallel()
	st := &flakyStore{Store: memory.New()}
	auth, err := sessionkit.New(sessionkit.Config{Secret: "load-test-secret-0123456789abcdefghijklmn", Store: st})
	if err != nil {
		t.Fatal(err)
	}
	u, err := addUser(auth, "Ada", "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if _, err := auth.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()

	var sawSession bool
	var sawErr error
	public := middleware.Load(auth)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, sawSession = sessionkit.FromContext(r.Context())
		sawErr = sessionkit.LookupError(r.Context())
	}))
	gated := middleware.Load(auth)(middleware.RequireSession()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))

	if get(public, "/", cookies, ""); !sawSession || sawErr != nil {
		t.Fatalf("store up: session %v, error %v", sawSession, sawErr)
	}
	st.down.Store(true)
	rec = get(public, "/", cookies, "")
	if sawSession || sawErr == nil || rec.Code != 200 {
		t.Fatalf("store down, public page: session %v, error %v, status %d", sawSession, sawErr, rec.Code)
	}
	if len(rec.Result().Cookies()) != 0 {
		t.Fatalf("a store failure must not clear cookies: %v", rec.Header()["Set-Cookie"])
	}
	rec = get(gated, "/", cookies, "")
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"code":"SESSION_STORE_UNAVAILABLE"`) || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("store down, gated route: %d %q", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "connection refused") {
		t.Fatal("the store's error reached the client")
	}
	// No cookie at all is no session, whatever the store's state: 401.
	if rec := get(gated, "/", nil, ""); rec.Code != http.StatusUnauthorized {
		t.Fatalf("no cookie, store down: %d", rec.Code)
	}
}
