package social_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/nodetest"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/social"
	"github.com/sessionkit/sessionkit/social/oidctest"
)

// The stateless seed across Better Auth and Go: a sign-in started on one
// side (oauth_state minted there) is finished by the other's callback,
// through the same loopback provider, and the account_data and session
// cookies that callback sets are read by the first side.
//
// Better Auth runs in ../interop/stateless.mjs: no database, jwe cache with
// refreshCache, storeStateStrategy "cookie", storeAccountCookie, the
// provider "test" registered with its genericOAuth plugin.

const (
	interopSecret  = "interop-test-secret-0123456789abcdefghijklmnop"
	interopBaseURL = "http://localhost:3000"
)

type baHTTP struct {
	Op     string `json:"op"`
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	Cookie string `json:"cookie,omitempty"`
	Body   any    `json:"body,omitempty"`
}

type baAnswer struct {
	Status    int             `json:"status"`
	Body      json.RawMessage `json:"body"`
	SetCookie []string        `json:"setCookie"`
	Location  string          `json:"location"`
	Account   json.RawMessage `json:"account"`
}

// runStatelessBA runs ops against the stateless Better Auth with idp as "test".
func runStatelessBA(t *testing.T, node string, idp *oidctest.Server, ops ...baHTTP) []baAnswer {
	t.Helper()
	var res []baAnswer
	nodetest.Run(t, node, interopDir(), "stateless.mjs", map[string]any{
		"config": map[string]any{"secret": interopSecret, "baseURL": interopBaseURL,
			"oidc": map[string]string{"issuer": idp.Issuer, "clientId": idp.ClientID, "clientSecret": idp.ClientSecret}},
		"ops": ops,
	}, &res)
	if len(res) != len(ops) {
		t.Fatalf("stateless.mjs answered %d ops of %d", len(res), len(ops))
	}
	return res
}

// newInterop starts the loopback provider and the Go app on it.
func newInterop(t *testing.T) (*oidctest.Server, *goApp) {
	t.Helper()
	idp, err := oidctest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(idp.Close)
	return idp, newGoApp(t, idp)
}

// goApp is the Go side of the seed on the same base URL and secret.
type goApp struct {
	m   *sessionkit.Manager
	h   *social.Handler
	mux *http.ServeMux
}

func newGoApp(t *testing.T, idp *oidctest.Server) *goApp {
	t.Helper()
	m, err := sessionkit.New(sessionkit.Config{Secret: interopSecret, BaseURL: interopBaseURL, Stateless: true,
		DatabasePath: filepath.Join(t.TempDir(), "users.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	h, err := social.New(m, social.Config{
		Providers: []social.Provider{social.OIDC("test", idp.Issuer, idp.ClientID, idp.ClientSecret)},
		State:     social.NewCookieState(m),
		Accounts:  social.NewCookieAccounts(m, nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	a := &goApp{m: m, h: h, mux: http.NewServeMux()}
	a.mux.Handle("/api/auth/", h)
	a.mux.Handle("/token", middleware.Load(m)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, err := h.AccessToken(w, r, "test")
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(tok.AccessToken))
	})))
	return a
}

func (a *goApp) do(method, target, cookie string, body any) *httptest.ResponseRecorder {
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, target, rd)
	req.Header.Set("Origin", interopBaseURL)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	a.mux.ServeHTTP(rec, req)
	return rec
}

// consent follows the authorization URL at the provider and returns the
// callback URL it redirects to.
func consent(t *testing.T, authURL string) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, interopBaseURL+"/api/auth/callback/test?") {
		t.Fatalf("provider redirected to %q", loc)
	}
	return loc
}

// jar turns Set-Cookie lines into a Cookie header, over cookie.
func jar(cookie string, setCookie []string) string { return nodetest.ApplyCookies(cookie, setCookie) }

// TestInteropStatelessBetterAuthStartsGoFinishes: Better Auth's /sign-in/social
// mints oauth_state; Go's callback takes it, signs the user in and sets
// account_data, which Better Auth reads, with its session.
func TestInteropStatelessBetterAuthStartsGoFinishes(t *testing.T) {
	node := needNode(t)
	idp, app := newInterop(t)

	res := runStatelessBA(t, node, idp, baHTTP{Op: "http", Method: "POST", Path: "/sign-in/social",
		Body: map[string]any{"provider": "test", "callbackURL": "/dashboard", "newUserCallbackURL": "/welcome"}})
	var start struct{ URL string }
	if res[0].Status != 200 || json.Unmarshal(res[0].Body, &start) != nil || start.URL == "" {
		t.Fatalf("Better Auth sign-in/social: %d %s", res[0].Status, res[0].Body)
	}
	cookie := jar("", res[0].SetCookie)
	if !strings.Contains(cookie, "better-auth.oauth_state=") {
		t.Fatalf("Better Auth set no oauth_state: %v", res[0].SetCookie)
	}
	callback := consent(t, start.URL)

	rec := app.do("GET", callback, cookie, nil)
	if loc := rec.Header().Get("Location"); rec.Code != http.StatusFound || loc != "/welcome" {
		t.Fatalf("Go callback with Better Auth's state: %d %q", rec.Code, loc)
	}
	cookie = jar(cookie, rec.Header().Values("Set-Cookie"))
	if strings.Contains(cookie, "better-auth.oauth_state=") || !strings.Contains(cookie, "better-auth.account_data") {
		t.Fatalf("after Go's callback: %s", cookie)
	}
	tok := app.do("GET", "/token", cookie, nil)
	if tok.Code != http.StatusOK || tok.Body.Len() == 0 {
		t.Fatalf("Go /token: %d %s", tok.Code, tok.Body)
	}

	res = runStatelessBA(t, node, idp,
		baHTTP{Op: "readAccount", Cookie: cookie},
		baHTTP{Op: "http", Method: "GET", Path: "/get-session", Cookie: cookie},
	)
	var acct struct{ AccessToken, ProviderID, AccountID, UserID string }
	if err := json.Unmarshal(res[0].Account, &acct); err != nil || acct.AccessToken != tok.Body.String() || acct.ProviderID != "test" || acct.AccountID != "user-1" {
		t.Errorf("Better Auth read Go's account_data as %s (%v)", res[0].Account, err)
	}
	var gs struct{ User struct{ ID, Email string } }
	if err := json.Unmarshal(res[1].Body, &gs); err != nil || gs.User.Email != "ada@example.com" || gs.User.ID != acct.UserID {
		t.Errorf("Better Auth get-session on Go's cookies: %d %s", res[1].Status, res[1].Body)
	}
}

// TestInteropStatelessGoStartsBetterAuthFinishes: Go's /sign-in/social mints
// oauth_state; Better Auth's callback takes it and sets its session and
// account_data, which Go reads: the session, and a provider token with
// AccessToken.
func TestInteropStatelessGoStartsBetterAuthFinishes(t *testing.T) {
	node := needNode(t)
	idp, app := newInterop(t)

	rec := app.do("POST", interopBaseURL+"/api/auth/sign-in/social", "", map[string]any{"provider": "test", "callbackURL": "/dashboard"})
	var start struct{ URL string }
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &start) != nil {
		t.Fatalf("Go sign-in/social: %d %s", rec.Code, rec.Body)
	}
	cookie := jar("", rec.Header().Values("Set-Cookie"))
	callback := consent(t, start.URL)
	path := strings.TrimPrefix(callback, interopBaseURL+"/api/auth")

	res := runStatelessBA(t, node, idp, baHTTP{Op: "http", Method: "GET", Path: path, Cookie: cookie})
	if res[0].Status != http.StatusFound || res[0].Location != "/dashboard" {
		t.Fatalf("Better Auth callback with Go's state: %d %q %s", res[0].Status, res[0].Location, res[0].Body)
	}
	cookie = jar(cookie, res[0].SetCookie)
	if strings.Contains(cookie, "better-auth.oauth_state=") {
		t.Errorf("Better Auth kept the used oauth_state: %v", res[0].SetCookie)
	}

	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", cookie)
	a, err := app.m.AccountCookie(req)
	if err != nil || a.ProviderID != "test" || a.AccountID != "user-1" || a.AccessToken == "" || a.RefreshToken == "" {
		t.Fatalf("Go read Better Auth's account_data as %+v, %v", a, err)
	}
	l, err := app.m.LookupHeader(context.Background(), req.Header, sessionkit.LookupOptions{})
	if err != nil || l.Found == nil || l.Found.User.ID != a.UserID || l.Found.User.Email != "ada@example.com" {
		t.Fatalf("Go lookup of Better Auth's stateless session: %+v, %v", l, err)
	}
	// Go's token helper reads Better Auth's account cookie for its session's user.
	tok := app.do("GET", "/token", cookie, nil)
	if tok.Code != http.StatusOK || tok.Body.String() != a.AccessToken {
		t.Errorf("Go /token on Better Auth's cookies: %d %q, want %q", tok.Code, tok.Body, a.AccessToken)
	}
}
