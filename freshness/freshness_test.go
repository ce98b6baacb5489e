package freshness_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/freshness"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

func TestIsFresh(t *testing.T) {
	t.Parallel()
	signIn := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	s := store.Session{CreatedAt: signIn, UpdatedAt: signIn.Add(20 * time.Hour)}
	day := 24 * time.Hour
	for _, tt := range []struct {
		now      time.Time
		freshAge time.Duration
		want     bool
	}{
		{signIn, day, true},
		{signIn.Add(day - time.Millisecond), day, true},
		{signIn.Add(day), day, false}, // now − createdAt >= freshAge: stale
		{signIn.Add(48 * time.Hour), day, false},
		{signIn.Add(48 * time.Hour), 0, true}, // 0 disables the check
		{signIn.Add(48 * time.Hour), -1, true},
	} {
		if got := freshness.IsFresh(s, tt.now, tt.freshAge); got != tt.want {
			t.Errorf("IsFresh(created %v, now %v, freshAge %v) = %v, want %v", s.CreatedAt, tt.now, tt.freshAge, got, tt.want)
		}
	}
}

// downStore fails every session read.
type downStore struct{ store.Store }

func (downStore) SessionByToken(context.Context, string) (store.Session, store.User, error) {
	return store.Session{}, store.User{}, errors.New("connection refused")
}

// TestRequireFreshFailsClosed: with the cookie cache on and the store down,
// Load answers from the cache but the fresh gate, which must re-read the
// store, answers 503 rather than letting the request through.
func TestRequireFreshFailsClosed(t *testing.T) {
	t.Parallel()
	mem := memory.New()
	st := &switchStore{Store: mem}
	auth, err := sessionkit.New(sessionkit.Config{
		Secret: "fresh-test-secret-0123456789abcdefghijklm", Store: st,
		CookieCache: sessionkit.CookieCache{Enabled: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := auth.CreateUser(context.Background(), "Ada", "ada@example.com", "")
	rec := httptest.NewRecorder()
	if _, err := auth.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	app := middleware.Load(auth)(freshness.RequireFresh(auth)(ok))
	req := httptest.NewRequest("GET", "/", nil)
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	if rec := serve(app, req); rec.Code != 200 {
		t.Fatalf("store up: %d", rec.Code)
	}
	st.Store = downStore{mem}
	if rec := serve(app, req); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("store down: %d %s, want 503", rec.Code, rec.Body)
	}
}

// switchStore lets a test swap the store under a Manager.
type switchStore struct{ store.Store }

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}
