package multisession_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/multisession"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

const (
	testSecret = "multisession-test-secret-0123456789abcdefghijkl"
	origin     = "http://localhost:3000"
	password   = "correct horse battery staple"
)

var errInjected = errors.New("faultStore: injected failure")

// faultStore is a memory store whose session reads and deletes can be made
// to fail, and that counts session reads.
type faultStore struct {
	*memory.Store
	reads      atomic.Int64
	failDelete atomic.Bool
	mu         sync.Mutex
	failRead   map[string]bool // tokens whose reads fail; "*": every one
}

func newFaultStore() *faultStore {
	return &faultStore{Store: memory.New(), failRead: map[string]bool{}}
}

func (s *faultStore) setFailRead(tokens ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRead = map[string]bool{}
	for _, t := range tokens {
		s.failRead[t] = true
	}
}

func (s *faultStore) SessionByToken(ctx context.Context, token string) (store.Session, store.User, error) {
	s.reads.Add(1)
	s.mu.Lock()
	fail := s.failRead[token] || s.failRead["*"]
	s.mu.Unlock()
	if fail {
		return store.Session{}, store.User{}, errInjected
	}
	return s.Store.SessionByToken(ctx, token)
}

func (s *faultStore) DeleteSession(ctx context.Context, token string) error {
	if s.failDelete.Load() {
		return errInjected
	}
	return s.Store.DeleteSession(ctx, token)
}

// env is a Manager, its Accounts with the plugin, and the JSON API.
type env struct {
	t    testing.TB
	st   *faultStore
	m    *sessionkit.Manager
	a    *account.Accounts
	p    *multisession.Plugin
	api  http.Handler
	base string // the site's origin
}

type envOpts struct {
	cfg  sessionkit.Config
	ms   multisession.Config
	rate bool // rate limiting on (off by default in these tests)
}

func newEnv(t testing.TB, o envOpts) *env {
	t.Helper()
	st := newFaultStore()
	cfg := o.cfg
	cfg.Secret, cfg.Store = testSecret, st
	if cfg.BaseURL == "" {
		cfg.BaseURL = origin
	}
	m, err := sessionkit.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	p, err := multisession.New(m, o.ms)
	if err != nil {
		t.Fatal(err)
	}
	a, err := account.New(m, account.Config{Plugins: []account.Plugin{p}, RateLimit: account.RateLimit{Disabled: !o.rate}})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, st: st, m: m, a: a, p: p, api: a.Handler(), base: cfg.BaseURL}
}

// user creates a user with the test password and returns its email.
func (e *env) user(name string) string {
	e.t.Helper()
	email := strings.ToLower(name) + "@example.com"
	if _, err := e.a.CreateUser(context.Background(), name, email, password); err != nil {
		e.t.Fatal(err)
	}
	return email
}

// browser is a cookie jar that keeps the order cookies were first set in,
// as browsers send them.
type browser struct {
	names []string
	vals  map[string]string
}

func newBrowser() *browser { return &browser{vals: map[string]string{}} }

func (b *browser) header() string {
	var parts []string
	for _, n := range b.names {
		if v, ok := b.vals[n]; ok {
			parts = append(parts, n+"="+v)
		}
	}
	return strings.Join(parts, "; ")
}

func (b *browser) apply(setCookie []string) {
	for _, line := range setCookie {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			continue
		}
		if c.MaxAge < 0 {
			delete(b.vals, c.Name)
			continue
		}
		if _, ok := b.vals[c.Name]; !ok {
			b.names = append(b.names, c.Name)
		}
		b.vals[c.Name] = c.Value
	}
}

// has reports whether the jar holds a cookie called name.
func (b *browser) has(name string) bool { _, ok := b.vals[name]; return ok }

// multi returns the names of the jar's multi cookies.
func (b *browser) multi() []string {
	var out []string
	for _, n := range b.names {
		if _, ok := b.vals[n]; ok && strings.Contains(n, "_multi-") {
			out = append(out, n)
		}
	}
	return out
}

// answer is one response.
type answer struct {
	status    int
	body      string
	setCookie []string
}

func (a answer) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(a.body), v); err != nil {
		t.Fatalf("body %q: %v", a.body, err)
	}
}

// do sends one request of b (nil: no cookies) to the API, with the
// site's Origin, and applies the answer's cookies to b.
func (e *env) do(b *browser, method, path string, body any) answer {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	r := httptest.NewRequest(method, e.base+"/api/auth"+path, rd)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Origin", e.base)
	r.RemoteAddr = "192.0.2.1:1234"
	if b != nil && len(b.vals) > 0 {
		r.Header.Set("Cookie", b.header())
	}
	w := httptest.NewRecorder()
	e.api.ServeHTTP(w, r)
	res := answer{w.Code, w.Body.String(), w.Result().Header.Values("Set-Cookie")}
	if b != nil {
		b.apply(res.setCookie)
	}
	return res
}

// signIn signs b in as email through the JSON API and returns the token.
func (e *env) signIn(b *browser, email string) string {
	e.t.Helper()
	res := e.do(b, "POST", "/sign-in/email", map[string]any{"email": email, "password": password})
	if res.status != 200 {
		e.t.Fatalf("sign-in %s: %d %s", email, res.status, res.body)
	}
	var out struct{ Token string }
	res.decode(e.t, &out)
	return out.Token
}

// active returns the token of b's session cookie, or "".
func (e *env) active(b *browser) string {
	e.t.Helper()
	l, err := e.m.LookupHeader(context.Background(), http.Header{"Cookie": {b.header()}}, sessionkit.LookupOptions{DisableRefresh: true})
	if errors.Is(err, sessionkit.ErrNoSession) {
		return ""
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return l.Found.Session.Token
}

// exists reports whether the store still has the session of token.
func (e *env) exists(token string) bool {
	e.t.Helper()
	_, _, err := e.st.Store.SessionByToken(context.Background(), token)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		e.t.Fatal(err)
	}
	return err == nil
}

// device is one entry of list-device-sessions.
type device struct {
	Session struct {
		Token  string `json:"token"`
		UserID string `json:"userId"`
	} `json:"session"`
	User struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	} `json:"user"`
}

func (e *env) list(b *browser) []device {
	e.t.Helper()
	res := e.do(b, "GET", multisession.PathList, nil)
	if res.status != 200 {
		e.t.Fatalf("list: %d %s", res.status, res.body)
	}
	var out []device
	res.decode(e.t, &out)
	return out
}

func emails(list []device) string {
	var out []string
	for _, d := range list {
		out = append(out, d.User.Email)
	}
	return strings.Join(out, ",")
}
