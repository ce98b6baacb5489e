package social_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/social"
	"github.com/sessionkit/sessionkit/store"
)

// stateless configures the harness as Better Auth's stateless seed:
// sessions in the jwe cache cookie (refreshed), state in the oauth_state
// cookie, accounts in the account_data cookie. The store's account,
// and verification calls fail: none may be needed (sessions are written, as
// stateless mode does, but never read).
func stateless(mc *sessionkit.Config, _ *social.Config) {
	mc.Stateless = true
	mc.CookieCache = sessionkit.CookieCache{Enabled: true, Strategy: "jwe"}
}

// newStatelessHarness is newHarness configured as stateless, with the
// cookie stores and a /token route that answers AccessToken.
func newStatelessHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	// The cookie stores need the Manager, which newHarness makes: they
	// are filled in once it exists.
	var lazy lazyStores
	opts = append([]harnessOption{stateless, func(_ *sessionkit.Config, sc *social.Config) {
		sc.State, sc.Accounts = &lazy, &lazy
	}}, opts...)
	hs := newHarness(t, opts...)
	lazy.state, lazy.accounts = social.NewCookieState(hs.m), social.NewCookieAccounts(hs.m, nil)
	for _, op := range []string{"CreateVerification", "TakeVerification", "CreateAccount", "CreateUserWithAccount", "AccountByProvider", "UpdateAccountTokens"} {
		hs.store.Fail(op)
	}
	withTokenRoute(hs)
	return hs
}

// withTokenRoute serves /token, behind middleware.Load: AccessToken for
// provider "test" as JSON, or 401 with the error.
func withTokenRoute(hs *harness) {
	mux := http.NewServeMux()
	mux.Handle("/api/auth/", hs.h)
	mux.Handle("/token", middleware.Load(hs.m)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, err := hs.h.AccessToken(w, r, "test")
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error(), "expired": boolString(errors.Is(err, social.ErrTokenExpired))})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"accessToken": tok.AccessToken, "expiresAt": tok.ExpiresAt, "scopes": tok.Scopes})
	})))
	hs.app.Config.Handler = mux
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// lazyStores forwards to the cookie stores, made once the Manager exists.
type lazyStores struct {
	state    *social.CookieState
	accounts *social.CookieAccounts
}

func (l *lazyStores) Save(ctx context.Context, w http.ResponseWriter, r *http.Request, st social.State) error {
	return l.state.Save(ctx, w, r, st)
}
func (l *lazyStores) Take(ctx context.Context, w http.ResponseWriter, r *http.Request, s string) (social.State, error) {
	return l.state.Take(ctx, w, r, s)
}
func (l *lazyStores) Find(ctx context.Context, r *http.Request, p, a string) (store.Account, error) {
	return l.accounts.Find(ctx, r, p, a)
}
func (l *lazyStores) CreateUser(ctx context.Context, w http.ResponseWriter, r *http.Request, u store.User, a store.Account) error {
	return l.accounts.CreateUser(ctx, w, r, u, a)
}
func (l *lazyStores) Link(ctx context.Context, w http.ResponseWriter, r *http.Request, a store.Account) error {
	return l.accounts.Link(ctx, w, r, a)
}
func (l *lazyStores) Update(ctx context.Context, w http.ResponseWriter, r *http.Request, a store.Account) (store.Account, error) {
	return l.accounts.Update(ctx, w, r, a)
}
func (l *lazyStores) UserAccount(ctx context.Context, r *http.Request, userID, providerID string) (store.Account, error) {
	return l.accounts.UserAccount(ctx, r, userID, providerID)
}

// cookieNamed returns the browser's cookie of that name, or "".
func (b *browser) cookieNamed(hs *harness, name string) string {
	u, _ := url.Parse(hs.app.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// token asks /token and returns its JSON and status.
func (b *browser) token(hs *harness) (int, map[string]any) {
	b.t.Helper()
	resp, err := b.c.Get(hs.app.URL + "/token")
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestStatelessSignIn signs in end to end with no server-side state but the
// user: the state rides in oauth_state (used once), the account and its
// tokens in account_data, the session in the jwe cache cookie.
func TestStatelessSignIn(t *testing.T) {
	t.Parallel()
	hs := newStatelessHarness(t)
	b := hs.browser()
	resp, out := b.start(hs, startBody())
	if resp.StatusCode != http.StatusOK || b.cookieNamed(hs, "better-auth.oauth_state") == "" {
		t.Fatalf("sign-in/social: %d %v, oauth_state %q", resp.StatusCode, out, b.cookieNamed(hs, "better-auth.oauth_state"))
	}
	_, callback := b.get(out["url"].(string))
	_, final := b.get(callback)
	if final != "/welcome" {
		t.Fatalf("callback sent the new user to %q", final)
	}
	if b.cookieNamed(hs, "better-auth.oauth_state") != "" {
		t.Error("oauth_state kept after the callback used it")
	}
	if b.cookieNamed(hs, "better-auth.account_data") == "" || b.cookieNamed(hs, "better-auth.session_data") == "" {
		t.Fatal("no account_data or session_data cookie after sign-in")
	}
	uid := b.session(hs)
	if uid == "" {
		t.Fatal("no session")
	}
	if _, err := hs.store.Store.AccountByProvider(context.Background(), "test", "user-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an account row was stored: %v", err)
	}

	status, tok := b.token(hs)
	if status != http.StatusOK || tok["accessToken"] == "" || tok["scopes"] == nil {
		t.Fatalf("/token: %d %v", status, tok)
	}

	// Replaying the callback from this browser: the state cookie is gone.
	_, again := b.get(callback)
	if _, code := errorOf(t, again); code != social.ErrorStateMismatch {
		t.Errorf("replayed callback: %q, want error=%s", again, social.ErrorStateMismatch)
	}

	// Another browser: the same user, found by its verified e-mail.
	b2 := hs.browser()
	if _, final := b2.signIn(hs, startBody()); final != "/dashboard" {
		t.Fatalf("returning user sent to %q", final)
	}
	if got := b2.session(hs); got != uid {
		t.Errorf("second browser is user %q, want %q", got, uid)
	}
}

// TestStatelessStateCookie: a callback whose state is not the cookie's is
// refused and the real sign-in stays possible; a captured cookie replayed
// with its callback fails at the provider (the code is used).
func TestStatelessStateCookie(t *testing.T) {
	t.Parallel()
	hs := newStatelessHarness(t)
	b := hs.browser()
	_, out := b.start(hs, startBody())
	stateCookie := b.cookieNamed(hs, "better-auth.oauth_state")
	_, callback := b.get(out["url"].(string))
	forged := strings.Replace(callback, "state=", "state=x", 1)
	_, loc := b.get(forged)
	if _, code := errorOf(t, loc); code != social.ErrorStateMismatch {
		t.Fatalf("forged state: %q", loc)
	}
	if b.cookieNamed(hs, "better-auth.oauth_state") != stateCookie {
		t.Fatal("a forged callback ended the sign-in in flight")
	}
	if _, final := b.get(callback); final != "/welcome" {
		t.Fatalf("real callback after a forged one: %q", final)
	}

	// An attacker who copied the cookie replays the whole callback.
	req, _ := http.NewRequest(http.MethodGet, callback, nil)
	req.AddCookie(&http.Cookie{Name: "better-auth.oauth_state", Value: stateCookie})
	rec := httptest.NewRecorder()
	hs.h.ServeHTTP(rec, req)
	if _, code := errorOf(t, rec.Header().Get("Location")); code != social.ErrorInvalidCode {
		t.Errorf("replayed cookie and code: %q, want error=%s", rec.Header().Get("Location"), social.ErrorInvalidCode)
	}
	if strings.Contains(strings.Join(rec.Header().Values("Set-Cookie"), ";"), "session_token=") {
		t.Error("a replayed callback set a session")
	}

	// A tampered cookie is no state.
	req, _ = http.NewRequest(http.MethodGet, callback, nil)
	req.AddCookie(&http.Cookie{Name: "better-auth.oauth_state", Value: "00" + stateCookie[2:]})
	rec = httptest.NewRecorder()
	hs.h.ServeHTTP(rec, req)
	if _, code := errorOf(t, rec.Header().Get("Location")); code != social.ErrorStateMismatch {
		t.Errorf("tampered cookie: %q", rec.Header().Get("Location"))
	}
}

// TestStatelessAccessTokenRefresh: an expiring token is refreshed at the
// provider and the account cookie re-minted; a refused refresh hands out
// no token.
func TestStatelessAccessTokenRefresh(t *testing.T) {
	t.Parallel()
	hs := newStatelessHarness(t)
	hs.idp.SetAccessTokenTTL(3 * time.Second) // inside the 5 s margin at once
	b := hs.browser()
	b.signIn(hs, startBody())
	before := b.cookieNamed(hs, "better-auth.account_data")
	oldAccount := before

	hs.idp.SetAccessTokenTTL(time.Hour)
	status, tok := b.token(hs)
	if status != http.StatusOK {
		t.Fatalf("/token: %d %v", status, tok)
	}
	if _, n := hs.idp.Calls(); n != 1 {
		t.Fatalf("refresh grants = %d, want 1", n)
	}
	after := b.cookieNamed(hs, "better-auth.account_data")
	if after == before || after == "" {
		t.Fatal("account cookie not re-minted after the refresh")
	}
	// The new token is kept: no second refresh.
	status, tok2 := b.token(hs)
	if status != http.StatusOK || tok2["accessToken"] != tok["accessToken"] {
		t.Fatalf("second /token: %d %v, want %v", status, tok2, tok["accessToken"])
	}
	if _, n := hs.idp.Calls(); n != 1 {
		t.Errorf("refresh grants = %d after a fresh token, want 1", n)
	}

	// The old cookie carries a refresh token the provider rotated away:
	// refused, and no stale token is handed out.
	u, _ := url.Parse(hs.app.URL)
	var restore []*http.Cookie
	for _, c := range b.jar.Cookies(u) {
		if c.Name == "better-auth.account_data" {
			restore = append(restore, &http.Cookie{Name: c.Name, Value: oldAccount, Path: "/"})
		}
	}
	b.jar.SetCookies(u, restore)
	status, out := b.token(hs)
	if status != http.StatusUnauthorized || out["expired"] != "true" || out["accessToken"] != nil {
		t.Errorf("refused refresh: %d %v, want ErrTokenExpired", status, out)
	}

	// Not signed in: no token.
	if status, _ := hs.browser().token(hs); status != http.StatusUnauthorized {
		t.Errorf("no session: %d", status)
	}
}

// TestAccessTokenFromStore: with DatabaseAccounts the account row is read,
// refreshed and written back; a failed write hands out no token.
func TestAccessTokenFromStore(t *testing.T) {
	t.Parallel()
	hs := newHarness(t)
	withTokenRoute(hs)
	hs.idp.SetAccessTokenTTL(3 * time.Second)
	b := hs.browser()
	b.signIn(hs, startBody())
	ctx := context.Background()
	before, err := hs.store.AccountByProvider(ctx, "test", "user-1")
	if err != nil {
		t.Fatal(err)
	}
	hs.idp.SetAccessTokenTTL(time.Hour)

	hs.store.Fail("UpdateAccountTokens")
	if status, out := b.token(hs); status != http.StatusUnauthorized || out["accessToken"] != nil {
		t.Fatalf("store failure after refresh: %d %v", status, out)
	}
	hs.store.mu.Lock()
	delete(hs.store.fail, "UpdateAccountTokens")
	hs.store.mu.Unlock()

	// The failed write lost the rotated refresh token: the row still has
	// the old one, which the provider refuses now. Sign in again.
	if status, out := b.token(hs); status != http.StatusUnauthorized || out["expired"] != "true" {
		t.Fatalf("after a lost refresh: %d %v", status, out)
	}
	hs.idp.SetAccessTokenTTL(3 * time.Second)
	b.signIn(hs, startBody())
	hs.idp.SetAccessTokenTTL(time.Hour)
	status, tok := b.token(hs)
	if status != http.StatusOK {
		t.Fatalf("/token: %d %v", status, tok)
	}
	after, err := hs.store.AccountByProvider(ctx, "test", "user-1")
	if err != nil {
		t.Fatal(err)
	}
	if after.ID != before.ID || after.AccessToken != tok["accessToken"] || time.Until(after.AccessTokenExpiresAt) < 59*time.Minute {
		t.Errorf("row after refresh = %+v, want the token handed out, an hour long", after)
	}
}

// slowTokens delays every token request to the provider, so that
// concurrent refreshes overlap.
type slowTokens struct{ base http.RoundTripper }

func (s slowTokens) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/token") {
		time.Sleep(300 * time.Millisecond)
	}
	return s.base.RoundTrip(r)
}

// TestAccessTokenRefreshesOnce: requests that find the same expiring token
// at once share one refresh; the provider, which rotates refresh tokens,
// sees one grant and every request gets the new token.
func TestAccessTokenRefreshesOnce(t *testing.T) {
	t.Parallel()
	hs := newStatelessHarness(t, func(_ *sessionkit.Config, sc *social.Config) {
		sc.HTTPClient = &http.Client{Transport: slowTokens{http.DefaultTransport}, Timeout: 10 * time.Second}
	})
	hs.idp.SetAccessTokenTTL(3 * time.Second)
	b := hs.browser()
	b.signIn(hs, startBody())
	hs.idp.SetAccessTokenTTL(time.Hour)
	const n = 4
	type answer struct {
		status int
		tok    any
	}
	answers := make(chan answer, n)
	for range n {
		go func() {
			status, out := b.token(hs)
			answers <- answer{status, out["accessToken"]}
		}()
	}
	var first any
	for range n {
		a := <-answers
		if a.status != http.StatusOK {
			t.Fatalf("concurrent /token: %d", a.status)
		}
		if first == nil {
			first = a.tok
		} else if a.tok != first {
			t.Errorf("concurrent refreshes handed out %v and %v", first, a.tok)
		}
	}
	if _, refreshes := hs.idp.Calls(); refreshes != 1 {
		t.Errorf("refresh grants = %d, want 1", refreshes)
	}
}
