package social_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/social"
	"github.com/sessionkit/sessionkit/social/oidctest"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

const testSecret = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz"

// faultyStore is a memory store whose calls named in fail return errStore.
type faultyStore struct {
	*memory.Store
	mu   sync.Mutex
	fail map[string]bool
}

var errStore = errors.New("injected store failure")

func (f *faultyStore) failing(op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail[op] {
		return errStore
	}
	return nil
}

func (f *faultyStore) Fail(op string) { f.mu.Lock(); f.fail[op] = true; f.mu.Unlock() }

func (f *faultyStore) CreateVerification(ctx context.Context, v store.Verification) error {
	if err := f.failing("CreateVerification"); err != nil {
		return err
	}
	return f.Store.CreateVerification(ctx, v)
}

func (f *faultyStore) TakeVerification(ctx context.Context, id string) (store.Verification, error) {
	if err := f.failing("TakeVerification"); err != nil {
		return store.Verification{}, err
	}
	return f.Store.TakeVerification(ctx, id)
}

func (f *faultyStore) AccountByProvider(ctx context.Context, p, a string) (store.Account, error) {
	if err := f.failing("AccountByProvider"); err != nil {
		return store.Account{}, err
	}
	return f.Store.AccountByProvider(ctx, p, a)
}

func (f *faultyStore) UserByEmail(ctx context.Context, e string) (store.User, error) {
	if err := f.failing("UserByEmail"); err != nil {
		return store.User{}, err
	}
	return f.Store.UserByEmail(ctx, e)
}

func (f *faultyStore) CreateUserWithAccount(ctx context.Context, u store.User, a store.Account) error {
	if err := f.failing("CreateUserWithAccount"); err != nil {
		return err
	}
	return f.Store.CreateUserWithAccount(ctx, u, a)
}

func (f *faultyStore) CreateAccount(ctx context.Context, a store.Account) error {
	if err := f.failing("CreateAccount"); err != nil {
		return err
	}
	return f.Store.CreateAccount(ctx, a)
}

func (f *faultyStore) UpdateAccountTokens(ctx context.Context, a store.Account) (store.Account, error) {
	if err := f.failing("UpdateAccountTokens"); err != nil {
		return store.Account{}, err
	}
	return f.Store.UpdateAccountTokens(ctx, a)
}

func (f *faultyStore) CreateSession(ctx context.Context, s store.Session) error {
	if err := f.failing("CreateSession"); err != nil {
		return err
	}
	return f.Store.CreateSession(ctx, s)
}

// harness is an app serving social sign-in against a loopback provider.
type harness struct {
	t     testing.TB
	idp   *oidctest.Server
	store *faultyStore
	m     *sessionkit.Manager
	h     *social.Handler
	app   *httptest.Server
	// sqlite is the store of a harness on a shared SQLite file, else nil.
	sqlite *sqlite.Store
}

type harnessOption func(*sessionkit.Config, *social.Config)

func newHarness(t testing.TB, opts ...harnessOption) *harness {
	t.Helper()
	idp, err := oidctest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(idp.Close)
	return buildHarness(t, idp, "test", nil, opts...)
}

// buildHarness serves provider id at idp on st (nil: a faultyStore).
func buildHarness(t testing.TB, idp *oidctest.Server, id string, st store.Store, opts ...harnessOption) *harness {
	t.Helper()
	hs := &harness{t: t, idp: idp, store: &faultyStore{Store: memory.New(), fail: map[string]bool{}}}
	if st == nil {
		st = hs.store
	}
	var handler http.Handler = http.NotFoundHandler()
	hs.app = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(hs.app.Close)
	mcfg := sessionkit.Config{Secret: testSecret, Store: st, BaseURL: hs.app.URL, Logger: slog.New(slog.DiscardHandler)}
	scfg := social.Config{Providers: []social.Provider{social.OIDC(id, idp.Issuer, idp.ClientID, idp.ClientSecret)}}
	for _, o := range opts {
		o(&mcfg, &scfg)
	}
	var err error
	hs.m, err = sessionkit.New(mcfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hs.m.Close() })
	hs.h, err = social.New(hs.m, scfg)
	if err != nil {
		t.Fatal(err)
	}
	handler = hs.h
	return hs
}

// browser is a cookie jar that follows no redirect by itself.
type browser struct {
	t   testing.TB
	c   *http.Client
	jar *cookiejar.Jar
}

func (hs *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: hs.t, jar: jar, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// startBody is the default body of POST /sign-in/social.
func startBody() map[string]any {
	return map[string]any{"provider": "test", "callbackURL": "/dashboard", "errorCallbackURL": "/oops", "newUserCallbackURL": "/welcome"}
}

// start posts /sign-in/social and returns the response and its JSON.
func (b *browser) start(hs *harness, body map[string]any) (*http.Response, map[string]any) {
	b.t.Helper()
	return b.startFrom(hs, hs.app.URL, body)
}

// startFrom is start from a page of origin.
func (b *browser) startFrom(hs *harness, origin string, body map[string]any) (*http.Response, map[string]any) {
	b.t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, hs.app.URL+"/api/auth/sign-in/social", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", origin)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

// get fetches u and returns the response's Location (or "").
func (b *browser) get(u string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	return resp, resp.Header.Get("Location")
}

// signIn runs the flow: start, the provider, the callback. It returns the
// provider's redirect to the callback and the callback's redirect.
func (b *browser) signIn(hs *harness, body map[string]any) (callback, final string) {
	b.t.Helper()
	resp, out := b.start(hs, body)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("sign-in/social: %d %v", resp.StatusCode, out)
	}
	_, callback = b.get(out["url"].(string))
	if !strings.HasPrefix(callback, hs.app.URL+"/api/auth/callback/") {
		b.t.Fatalf("provider redirected to %q", callback)
	}
	_, final = b.get(callback)
	return callback, final
}

// session returns the user the browser's cookies sign in, or "".
func (b *browser) session(hs *harness) string {
	b.t.Helper()
	u, _ := url.Parse(hs.app.URL)
	h := http.Header{}
	for _, c := range b.jar.Cookies(u) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	l, err := hs.m.LookupHeader(context.Background(), h, sessionkit.LookupOptions{})
	if errors.Is(err, sessionkit.ErrNoSession) {
		return ""
	}
	if err != nil {
		b.t.Fatal(err)
	}
	if l.Found == nil {
		return ""
	}
	return l.Found.User.ID
}

// errorOf returns the path and error code of an error redirect.
func errorOf(t testing.TB, loc string) (string, string) {
	t.Helper()
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path, u.Query().Get("error")
}
