package sessionkit_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

const testSecret = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz"
const testSecretOther = "another-secret-0123456789abcdefghijklmnopqrstuvw"

// clock is a settable time source for the Manager.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// countingStore counts the calls that reach the store.
type countingStore struct {
	store.Store
	reads, slides atomic.Int64
}

func (c *countingStore) SessionByToken(ctx context.Context, token string) (store.Session, store.User, error) {
	c.reads.Add(1)
	return c.Store.SessionByToken(ctx, token)
}

func (c *countingStore) SlideSession(ctx context.Context, token string, e, u time.Time) (store.Session, error) {
	c.slides.Add(1)
	return c.Store.SlideSession(ctx, token, e, u)
}

// feedlessStore is the harness's store declaring it has no revocation
// feed (store.ErrNoRevocationFeed, as a store without one answers): for
// tests of Better Auth's behaviour without one, where a revoked session's
// cache cookie keeps working until its MaxAge. The memory store under it
// has a feed, which store.As would otherwise find through Unwrap.
type feedlessStore struct{ *countingStore }

func (feedlessStore) WatchRevocations(context.Context, time.Time, store.RevocationSink) error {
	return store.ErrNoRevocationFeed
}

// feedlessCacheHarness is cacheHarness on a feedlessStore.
func feedlessCacheHarness(t *testing.T, strategy string, cfg sessionkit.Config) *harness {
	t.Helper()
	cs := &countingStore{Store: memory.New()}
	cfg.Store = feedlessStore{cs}
	h := cacheHarness(t, strategy, cfg)
	h.store = cs
	return h
}

// harness is a Manager on a memory store with a pinned clock.
type harness struct {
	t     *testing.T
	m     *sessionkit.Manager
	clock *clock
	store *countingStore
}

func newHarness(t *testing.T, cfg sessionkit.Config) *harness {
	t.Helper()
	h := &harness{t: t, clock: newClock(), store: &countingStore{Store: memory.New()}}
	if cfg.Secret == "" {
		cfg.Secret = testSecret
	}
	if cfg.Store == nil {
		cfg.Store = h.store
	}
	cfg.Now = h.clock.Now
	m, err := sessionkit.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	h.m = m
	return h
}

// user creates a user and returns its id.
func (h *harness) user(email string) store.User {
	h.t.Helper()
	u, err := createUser(context.Background(), h.m, "Test User", email)
	if err != nil {
		h.t.Fatal(err)
	}
	return u
}

// signIn signs the user in and returns the Cookie header a browser would
// send back.
func (h *harness) signIn(userID string, opts sessionkit.SignInOptions) (string, *sessionkit.Session) {
	h.t.Helper()
	rec := httptest.NewRecorder()
	s, err := h.m.SignIn(rec, httptest.NewRequest("POST", "/sign-in", nil), userID, opts)
	if err != nil {
		h.t.Fatal(err)
	}
	return cookieHeader(rec.Result().Cookies()), s
}

// cookieHeader turns Set-Cookie lines into the Cookie header a browser sends.
func cookieHeader(cs []*http.Cookie) string {
	var parts []string
	for _, c := range cs {
		if c.MaxAge < 0 || c.Value == "" {
			continue
		}
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// do sends a request with the cookie header through handler.
func do(handler http.Handler, method, path, cookie string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	return rec
}

func findCookie(rec *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (c *countingStore) SetPassword(ctx context.Context, userID, hash string, now time.Time) error {
	return c.Store.(store.CredentialStore).SetPassword(ctx, userID, hash, now)
}

func (c *countingStore) CreateUserWithPassword(ctx context.Context, u store.User, hash string) error {
	return c.Store.(store.CredentialStore).CreateUserWithPassword(ctx, u, hash)
}

func (c *countingStore) PasswordHash(ctx context.Context, userID string) (string, error) {
	return c.Store.(store.CredentialStore).PasswordHash(ctx, userID)
}

// responseRecorder is an httptest.ResponseRecorder usable where a
// ResponseWriter is wanted.
type responseRecorder struct{ *httptest.ResponseRecorder }

func newResponseRecorder() *responseRecorder { return &responseRecorder{httptest.NewRecorder()} }

func newRequest(method, path string) *http.Request { return httptest.NewRequest(method, path, nil) }

// sibling returns another Manager on the harness's store and clock, with
// cfg's other settings (Secret defaults to testSecret): another instance,
// or the same app after a configuration change.
func (h *harness) sibling(cfg sessionkit.Config) *sessionkit.Manager {
	h.t.Helper()
	if cfg.Secret == "" {
		cfg.Secret = testSecret
	}
	if cfg.Store == nil && !cfg.Stateless {
		cfg.Store = h.store
	}
	cfg.Now = h.clock.Now
	m, err := sessionkit.New(cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	return m
}

// createUser registers a user straight in the Manager's store: sign-up,
// with its validation and passwords, is package account's.
func createUser(ctx context.Context, m *sessionkit.Manager, name, email string) (store.User, error) {
	now := m.Now()
	u := store.User{ID: store.NewID(), Name: name, Email: email, CreatedAt: now, UpdatedAt: now}
	return u, m.Store().CreateUser(ctx, u)
}

// getSession is LookupHeader's session alone, for tests that check what a
// request would read, not the cookies it would get.
func getSession(m *sessionkit.Manager, ctx context.Context, h http.Header) (*sessionkit.Session, error) {
	l, err := m.LookupHeader(ctx, h, sessionkit.LookupOptions{})
	if err != nil {
		return nil, err
	}
	return l.Found, nil
}

// Unwrap lets store.As find the wrapped store's optional abilities.
func (c *countingStore) Unwrap() store.Store { return c.Store }
