package interop_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/nodetest"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/oauthcookie"
	"github.com/sessionkit/sessionkit/store"
)

// Stateless mode's social sign-in cookies, across: stateless.mjs runs
// Better Auth configured as the README's seed (no database, jwe cache with
// refreshCache, storeStateStrategy "cookie", storeAccountCookie) and mints
// or reads oauth_state and account_data with its own functions.

// statelessOp is one op of stateless.mjs.
type statelessOp struct {
	Op        string `json:"op"`
	StateData any    `json:"stateData,omitempty"`
	State     string `json:"state,omitempty"`
	Cookie    string `json:"cookie,omitempty"`
	Account   any    `json:"account,omitempty"`
	Method    string `json:"method,omitempty"`
	Path      string `json:"path,omitempty"`
	Body      any    `json:"body,omitempty"`
}

// statelessResult is stateless.mjs's answer to one op.
type statelessResult struct {
	State     string          `json:"state"`
	Data      json.RawMessage `json:"data"`
	Error     string          `json:"error"`
	Account   json.RawMessage `json:"account"`
	SetCookie []string        `json:"setCookie"`
	Status    int             `json:"status"`
	Body      json.RawMessage `json:"body"`
	Location  string          `json:"location"`
}

// statelessConfig is stateless.mjs's config.
type statelessConfig struct {
	Secret  string            `json:"secret"`
	BaseURL string            `json:"baseURL"`
	OIDC    map[string]string `json:"oidc,omitempty"`
}

const statelessBaseURL = "http://localhost:3000"

func runStateless(t *testing.T, node string, cfg statelessConfig, ops ...statelessOp) []statelessResult {
	t.Helper()
	var res []statelessResult
	nodetest.Run(t, node, dir(), "stateless.mjs", struct {
		Config statelessConfig `json:"config"`
		Ops    []statelessOp   `json:"ops"`
	}{cfg, ops}, &res)
	if len(res) != len(ops) {
		t.Fatalf("stateless.mjs answered %d ops of %d", len(res), len(ops))
	}
	return res
}

// newStatelessManager is the Go side of the seed: stateless (jwe cache,
// re-minted), the same secret and base URL.
func newStatelessManager(t *testing.T) *sessionkit.Manager {
	t.Helper()
	m, err := sessionkit.New(sessionkit.Config{
		Secret: secret, BaseURL: statelessBaseURL, Stateless: true,
		DatabasePath: filepath.Join(t.TempDir(), "users.db"),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// requestWith is a request carrying the cookies of Set-Cookie lines.
func requestWith(setCookie ...string) *http.Request {
	r := httptest.NewRequest("GET", statelessBaseURL+"/", nil)
	if h := applyCookies("", setCookie); h != "" {
		r.Header.Set("Cookie", h)
	}
	return r
}

// TestStatelessStateCookie: an oauth_state cookie minted by either side is
// taken by the other, for its state parameter only, and expired on use.
func TestStatelessStateCookie(t *testing.T) {
	node := needNode(t)
	m := newStatelessManager(t)
	cfg := statelessConfig{Secret: secret, BaseURL: statelessBaseURL}
	exp := time.Now().Add(10 * time.Minute).UnixMilli()
	res := runStateless(t, node, cfg, statelessOp{Op: "mintState", StateData: map[string]any{
		"callbackURL": "/dashboard", "codeVerifier": strings.Repeat("v", 128), "errorURL": "/oops",
		"newUserURL": "/welcome", "expiresAt": exp, "requestSignUp": true, "idTokenNonce": "nonce-1",
	}})
	baState, baCookie := res[0].State, res[0].SetCookie

	// Better Auth -> Go.
	if _, err := m.TakeOAuthState(httptest.NewRecorder(), requestWith(baCookie...), baState+"x"); !errors.Is(err, oauthcookie.ErrStateMismatch) {
		t.Fatalf("Go took Better Auth's state for another state parameter: %v", err)
	}
	rec := httptest.NewRecorder()
	st, err := m.TakeOAuthState(rec, requestWith(baCookie...), baState)
	if err != nil {
		t.Fatalf("Go cannot take Better Auth's oauth_state: %v", err)
	}
	if st.CallbackURL != "/dashboard" || st.CodeVerifier != strings.Repeat("v", 128) || st.ErrorURL != "/oops" ||
		st.NewUserURL != "/welcome" || st.ExpiresAt.UnixMilli() != exp || !st.RequestSignUp || st.IDTokenNonce != "nonce-1" || st.OAuthState != baState {
		t.Errorf("Go read %+v", st)
	}
	if c := rec.Result().Cookies(); len(c) != 1 || c[0].Name != "better-auth.oauth_state" || c[0].MaxAge >= 0 {
		t.Errorf("Go did not expire the used cookie: %v", rec.Header().Values("Set-Cookie"))
	}

	// Go -> Better Auth.
	rec = httptest.NewRecorder()
	goState, err := m.SetOAuthState(rec, &oauthcookie.State{
		CallbackURL: "/from-go", CodeVerifier: "go-verifier", ErrorURL: "/go-error",
		Link: &oauthcookie.Link{Email: "ada@example.com", UserID: "u1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	goCookie := rec.Header().Values("Set-Cookie")
	res = runStateless(t, node, cfg,
		statelessOp{Op: "parseState", Cookie: applyCookies("", goCookie), State: goState + "x"},
		statelessOp{Op: "parseState", Cookie: applyCookies("", goCookie), State: goState},
		statelessOp{Op: "parseState", Cookie: applyCookies("", goCookie) + "0", State: goState},
	)
	if res[0].Error != "state_security_mismatch" {
		t.Errorf("Better Auth took Go's state for another state parameter: %+v", res[0])
	}
	var data struct {
		CallbackURL, CodeVerifier, ErrorURL, OAuthState string
		ExpiresAt                                       int64
		Link                                            struct{ Email, UserID string }
	}
	if res[1].Error != "" || json.Unmarshal(res[1].Data, &data) != nil {
		t.Fatalf("Better Auth cannot parse Go's oauth_state: %+v", res[1])
	}
	if data.CallbackURL != "/from-go" || data.CodeVerifier != "go-verifier" || data.ErrorURL != "/go-error" ||
		data.OAuthState != goState || data.Link.Email != "ada@example.com" || data.Link.UserID != "u1" ||
		time.Until(time.UnixMilli(data.ExpiresAt)) < 9*time.Minute {
		t.Errorf("Better Auth read %s", res[1].Data)
	}
	if len(res[1].SetCookie) != 1 || !strings.HasPrefix(res[1].SetCookie[0], "better-auth.oauth_state=;") || !strings.Contains(res[1].SetCookie[0], "Max-Age=0") {
		t.Errorf("Better Auth did not expire the used cookie: %v", res[1].SetCookie)
	}
	if res[2].Error != "state_invalid" {
		t.Errorf("Better Auth took a tampered Go cookie: %+v", res[2])
	}
}

// TestStatelessAccountCookie: account_data minted by either side, in one
// cookie or in chunks, is read by the other with its tokens.
func TestStatelessAccountCookie(t *testing.T) {
	node := needNode(t)
	m := newStatelessManager(t)
	cfg := statelessConfig{Secret: secret, BaseURL: statelessBaseURL}
	for _, size := range []int{16, 9000} {
		idToken := strings.Repeat("i", size)
		// Better Auth -> Go.
		res := runStateless(t, node, cfg, statelessOp{Op: "mintAccount", Account: map[string]any{
			"id": "acc-1", "accountId": "sub-1", "providerId": "test", "userId": "u1",
			"accessToken": "ba-access", "refreshToken": "ba-refresh", "idToken": idToken,
			"accessTokenExpiresAt": "2030-01-02T03:04:05.678Z", "scope": "openid,email",
			"createdAt": "2026-12-01T00:00:00.000Z", "updatedAt": "2026-12-01T00:00:00.000Z",
		}})
		if size > 4000 && len(res[0].SetCookie) < 2 {
			t.Fatalf("Better Auth did not chunk an account of %d bytes: %d cookies", size, len(res[0].SetCookie))
		}
		a, err := m.AccountCookie(requestWith(res[0].SetCookie...))
		if err != nil {
			t.Fatalf("Go cannot read Better Auth's account_data (%d cookies): %v", len(res[0].SetCookie), err)
		}
		if a.ID != "acc-1" || a.AccountID != "sub-1" || a.UserID != "u1" || a.AccessToken != "ba-access" ||
			a.RefreshToken != "ba-refresh" || a.IDToken != idToken || a.Scope != "openid,email" ||
			!a.AccessTokenExpiresAt.Equal(time.Date(2030, 1, 2, 3, 4, 5, 678e6, time.UTC)) {
			t.Errorf("Go read %+v", a.Account)
		}

		// Go -> Better Auth.
		rec := httptest.NewRecorder()
		if err := m.SetAccountCookie(rec, requestWith(), &oauthcookie.Account{Account: store.Account{
			ID: "acc-2", AccountID: "sub-2", ProviderID: "test", UserID: "u2",
			AccessToken: "go-access", RefreshToken: "go-refresh", IDToken: idToken,
			AccessTokenExpiresAt: time.Date(2030, 1, 2, 3, 4, 5, 678e6, time.UTC), Scope: "openid",
		}}); err != nil {
			t.Fatal(err)
		}
		res = runStateless(t, node, cfg, statelessOp{Op: "readAccount", Cookie: applyCookies("", rec.Header().Values("Set-Cookie"))})
		var got struct {
			ID, AccountID, ProviderID, UserID, AccessToken, RefreshToken, IDToken, Scope, AccessTokenExpiresAt string
			Exp                                                                                                int64
		}
		if err := json.Unmarshal(res[0].Account, &got); err != nil || got.ID != "acc-2" {
			t.Fatalf("Better Auth cannot read Go's account_data: %s (%v)", res[0].Account, err)
		}
		if got.AccessToken != "go-access" || got.RefreshToken != "go-refresh" || got.IDToken != idToken ||
			got.UserID != "u2" || got.AccessTokenExpiresAt != "2030-01-02T03:04:05.678Z" || got.Scope != "openid" {
			t.Errorf("Better Auth read %.300s", res[0].Account)
		}
		// Go's exp is the stateless cache's MaxAge (ExpiresIn), as Better Auth's.
		if d := time.Until(time.Unix(got.Exp, 0)); d < 7*24*time.Hour-time.Minute || d > 7*24*time.Hour {
			t.Errorf("Go's account cookie expires in %v, want 7 days", d)
		}
	}
}

// TestStatelessSignOutClearsAccountCookie: Better Auth's sign-out, given
// the cookies of a Go stateless sign-in, expires the account_data chunks
// and oauth_state as Go's does.
func TestStatelessSignOutClearsAccountCookie(t *testing.T) {
	node := needNode(t)
	m := newStatelessManager(t)
	ctx := context.Background()
	u := store.User{ID: store.NewID(), Name: "Ada", Email: "ada@example.com", EmailVerified: true, CreatedAt: m.Now(), UpdatedAt: m.Now()}
	if err := m.Store().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	r := requestWith()
	if _, err := m.SetOAuthState(rec, &oauthcookie.State{CallbackURL: "/", CodeVerifier: "v"}); err != nil {
		t.Fatal(err)
	}
	if err := m.SetAccountCookie(rec, r, &oauthcookie.Account{Account: store.Account{
		ID: "a", AccountID: "s", ProviderID: "test", UserID: u.ID, IDToken: strings.Repeat("i", 9000),
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.SignIn(rec, r, u.ID, sessionkit.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	cookie := applyCookies("", rec.Header().Values("Set-Cookie"))
	res := runStateless(t, node, statelessConfig{Secret: secret, BaseURL: statelessBaseURL},
		statelessOp{Op: "http", Method: "GET", Path: "/get-session", Cookie: cookie},
		statelessOp{Op: "http", Method: "POST", Path: "/sign-out", Cookie: cookie, Body: map[string]any{}},
	)
	var gs authBody
	if err := json.Unmarshal(res[0].Body, &gs); err != nil || gs.User.ID != u.ID {
		t.Fatalf("Better Auth stateless get-session with Go's cookies: %d %s", res[0].Status, res[0].Body)
	}
	after := applyCookies(cookie, res[1].SetCookie)
	for _, name := range []string{"better-auth.account_data", "better-auth.oauth_state", "better-auth.session_data"} {
		if strings.Contains(after, name) {
			t.Errorf("after Better Auth's sign-out the browser keeps %s (%s)", name, after)
		}
	}
}

// TestStatelessMintVectors regenerates oauthcookie's vectors with the real
// Better Auth (stateless.mjs on the committed input) and runs oauthcookie's
// vector tests on them: the committed files are what Better Auth mints.
func TestStatelessMintVectors(t *testing.T) {
	node := needNode(t)
	goBin := testenv.LookPath(t, "go", "install Go")
	root := filepath.Join(dir(), "..")
	in, err := os.ReadFile(filepath.Join(root, "oauthcookie", "testdata", "better-auth-1.7.25.input.json"))
	if err != nil {
		t.Fatal(err)
	}
	var input, output json.RawMessage = in, nil
	nodetest.Run(t, node, dir(), "stateless.mjs", input, &output)
	out := filepath.Join(t.TempDir(), "output.json")
	if err := os.WriteFile(out, output, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "test", "-count=1", "-v", "-run", "TestStateVectors|TestAccountVectors", "./oauthcookie")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "SESSIONKIT_OAUTHCOOKIE_VECTORS="+out)
	got, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("oauthcookie's vector tests on regenerated vectors: %v\n%s", err, got)
	}
	for _, name := range []string{"TestStateVectors", "TestAccountVectors"} {
		if !strings.Contains(string(got), "--- PASS: "+name) {
			t.Errorf("%s did not pass on the regenerated vectors:\n%s", name, got)
		}
	}
}
