package interop_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/multisession"
)

// multiConfig is Better Auth's multiSession plugin options (ba.mjs).
type multiConfig struct {
	MaximumSessions int `json:"maximumSessions,omitempty"`
}

// multiServer is sessionkit's JSON API with the multisession plugin, on
// m, as an httptest server; it returns the API's base URL.
func multiServer(t *testing.T, m *sessionkit.Manager) string {
	t.Helper()
	p, err := multisession.New(m, multisession.Config{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := account.New(m, account.Config{Plugins: []account.Plugin{p}, RateLimit: account.RateLimit{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return srv.URL + "/api/auth"
}

// goOp sends one request to sessionkit's API as ba.mjs sends one to
// Better Auth (the site's Origin, JSON body) and answers as it does.
func goOp(t *testing.T, api, site string, op baOp) baResult {
	t.Helper()
	var rd io.Reader = http.NoBody
	if op.Body != nil {
		b, _ := json.Marshal(op.Body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(op.Method, api+op.Path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if op.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Origin", site)
	if op.Cookie != "" {
		req.Header.Set("Cookie", op.Cookie)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	sc := res.Header.Values("Set-Cookie")
	return baResult{Status: res.StatusCode, Body: body, SetCookie: sc, Cookie: applyCookies(op.Cookie, sc)}
}

// multiNames returns the names of the multi cookies in a Cookie header.
func multiNames(cookie string) []string {
	var out []string
	for _, p := range strings.Split(cookie, "; ") {
		if name, _, _ := strings.Cut(p, "="); strings.Contains(name, "_multi-") {
			out = append(out, name)
		}
	}
	return out
}

// deviceEmails decodes a list-device-sessions body into its users' emails.
func deviceEmails(t *testing.T, body []byte) []string {
	t.Helper()
	var list []authBody
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("list-device-sessions body %s: %v", body, err)
	}
	out := []string{}
	for _, d := range list {
		out = append(out, d.User.Email)
	}
	return out
}

func sameJSON(t *testing.T, what string, a, b []byte) {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %s: %v", what, a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %s: %v", what, b, err)
	}
	if !reflect.DeepEqual(x, y) {
		t.Fatalf("%s differ:\nBetter Auth %s\nsessionkit  %s", what, a, b)
	}
}

// TestMultiSessionBothWays: Better Auth with its multiSession plugin and
// sessionkit with the multisession plugin, on one SQLite file, over http
// and https, without and with a cookie cache: multi cookies either side
// mints are listed, switched to, revoked and signed out by the other, with
// the same JSON; both answer the plugin's refusals alike.
func TestMultiSessionBothWays(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	for _, strategy := range []string{"none", "compact"} {
		for _, base := range []string{"http://localhost:3000", "https://app.example.com"} {
			cfg := baConfig{DB: filepath.Join(t.TempDir(), "auth.db"), Secret: secret, BaseURL: base, Strategy: strategy,
				MultiSession: &multiConfig{}}
			t.Run(cfg.name(), func(t *testing.T) {
				t.Parallel()
				multiBothWays(t, node, cfg)
			})
		}
	}
}

func multiBothWays(t *testing.T, node string, cfg baConfig) {
	const pw = "correct horse battery staple"
	ctx := context.Background()
	signUp := func(name string, chain bool) baOp {
		return baOp{Method: "POST", Path: "/sign-up/email", Chain: chain,
			Body: map[string]any{"name": name, "email": strings.ToLower(name) + "@example.com", "password": pw}}
	}
	list := baOp{Method: "GET", Path: "/multi-session/list-device-sessions", Chain: true}

	// Better Auth mints: two accounts in one browser.
	res := runBA(t, node, cfg, signUp("Ada", false), signUp("Bob", true), list)
	for i, r := range res {
		if r.Status != 200 {
			t.Fatalf("Better Auth op %d: %d %s", i, r.Status, r.Body)
		}
	}
	baCookie := res[1].Cookie
	ada, bob := res[0].auth(t), res[1].auth(t)
	if n := len(multiNames(baCookie)); n != 2 {
		t.Fatalf("Better Auth set %d multi cookies: %q", n, baCookie)
	}
	st := openStore(t, cfg.DB)
	m := newManager(t, cfg, st)
	api := multiServer(t, m)
	site := cfg.BaseURL

	// sessionkit lists them as Better Auth does, byte for byte in JSON.
	got := goOp(t, api, site, baOp{Method: "GET", Path: "/multi-session/list-device-sessions", Cookie: baCookie})
	if got.Status != 200 {
		t.Fatalf("sessionkit list: %d %s", got.Status, got.Body)
	}
	sameJSON(t, "list-device-sessions", res[2].Body, got.Body)
	if e := deviceEmails(t, got.Body); strings.Join(e, ",") != "ada@example.com,bob@example.com" {
		t.Fatalf("sessionkit lists %q", e)
	}
	// sessionkit switches to Ada; Better Auth reads the switch (from
	// sessionkit's cache cookie when there is one).
	got = goOp(t, api, site, baOp{Method: "POST", Path: "/multi-session/set-active", Cookie: baCookie, Body: map[string]any{"sessionToken": ada.Token}})
	if got.Status != 200 || !strings.Contains(string(got.Body), ada.User.ID) {
		t.Fatalf("sessionkit set-active: %d %s", got.Status, got.Body)
	}
	switched := got.Cookie
	// sessionkit revokes Bob's session from the browser.
	got = goOp(t, api, site, baOp{Method: "POST", Path: "/multi-session/revoke", Cookie: switched, Body: map[string]any{"sessionToken": bob.Token}})
	if got.Status != 200 || string(got.Body) != `{"status":true}` {
		t.Fatalf("sessionkit revoke: %d %s", got.Status, got.Body)
	}
	afterRevoke := got.Cookie
	res = runBA(t, node, cfg,
		baOp{Method: "GET", Path: "/get-session", Cookie: switched},
		baOp{Method: "GET", Path: "/multi-session/list-device-sessions", Cookie: afterRevoke})
	if s := res[0].auth(t); res[0].Status != 200 || s.Session.Token != ada.Token {
		t.Fatalf("Better Auth after sessionkit's set-active: %d %s", res[0].Status, res[0].Body)
	}
	if cfg.Strategy != "none" && len(res[0].SQL) != 0 {
		t.Fatalf("Better Auth ran SQL despite sessionkit's new cache cookie: %q", res[0].SQL)
	}
	if e := deviceEmails(t, res[1].Body); strings.Join(e, ",") != "ada@example.com" {
		t.Fatalf("Better Auth lists %q after sessionkit's revoke", e)
	}

	// sessionkit mints: two accounts in another browser.
	var goCookie string
	var carol authBody
	for _, name := range []string{"Carol", "Dave"} {
		r := goOp(t, api, site, baOp{Method: "POST", Path: "/sign-up/email", Cookie: goCookie,
			Body: map[string]any{"name": name, "email": strings.ToLower(name) + "@example.com", "password": pw}})
		if r.Status != 200 {
			t.Fatalf("sessionkit sign-up %s: %d %s", name, r.Status, r.Body)
		}
		if name == "Carol" {
			json.Unmarshal(r.Body, &carol)
		}
		goCookie = r.Cookie
	}
	if n := len(multiNames(goCookie)); n != 2 {
		t.Fatalf("sessionkit set %d multi cookies: %q", n, goCookie)
	}
	res = runBA(t, node, cfg,
		baOp{Method: "GET", Path: "/multi-session/list-device-sessions", Cookie: goCookie},
		baOp{Method: "POST", Path: "/multi-session/set-active", Cookie: goCookie, Body: map[string]any{"sessionToken": carol.Token}},
		baOp{Method: "POST", Path: "/sign-out", Chain: true})
	if e := deviceEmails(t, res[0].Body); strings.Join(e, ",") != "carol@example.com,dave@example.com" {
		t.Fatalf("Better Auth lists %q of sessionkit's cookies", e)
	}
	if s := res[1].auth(t); res[1].Status != 200 || s.Session.Token != carol.Token {
		t.Fatalf("Better Auth set-active with sessionkit's cookie: %d %s", res[1].Status, res[1].Body)
	}
	if res[2].Status != 200 || len(multiNames(res[2].Cookie)) != 0 {
		t.Fatalf("Better Auth sign-out: %d %s, cookies left %q", res[2].Status, res[2].Body, res[2].Cookie)
	}
	// Better Auth's sign-out ended both sessions; sessionkit sees it.
	got = goOp(t, api, site, baOp{Method: "GET", Path: "/multi-session/list-device-sessions", Cookie: goCookie})
	if got.Status != 200 || string(got.Body) != "[]" {
		t.Fatalf("sessionkit list after Better Auth's sign-out: %d %s", got.Status, got.Body)
	}
	if _, err := m.LookupHeader(ctx, cookieHeader(goCookie), sessionkit.LookupOptions{DisableCookieCache: true}); !errors.Is(err, sessionkit.ErrNoSession) {
		t.Fatalf("sessionkit session after Better Auth's sign-out: %v", err)
	}

	// sessionkit's sign-out ends every session of Better Auth's browser.
	res = runBA(t, node, cfg, signUp("Erin", false), signUp("Finn", true))
	got = goOp(t, api, site, baOp{Method: "POST", Path: "/sign-out", Cookie: res[1].Cookie})
	if got.Status != 200 || len(multiNames(got.Cookie)) != 0 || strings.Contains(got.Cookie, "session_token=") {
		t.Fatalf("sessionkit sign-out: %d %s, cookies left %q", got.Status, got.Body, got.Cookie)
	}
	res = runBA(t, node, cfg, baOp{Method: "GET", Path: "/multi-session/list-device-sessions", Cookie: res[1].Cookie})
	if string(res[0].Body) != "[]" {
		t.Fatalf("Better Auth lists %s after sessionkit's sign-out", res[0].Body)
	}

	// The refusals, alike on both sides.
	refusals := []baOp{
		{Method: "GET", Path: "/multi-session/list-device-sessions"},
		{Method: "POST", Path: "/multi-session/set-active", Cookie: afterRevoke, Body: map[string]any{"sessionToken": "nosuchtoken"}},
		{Method: "POST", Path: "/multi-session/set-active", Cookie: afterRevoke, Body: map[string]any{"sessionToken": bob.Token}},
		{Method: "POST", Path: "/multi-session/set-active", Cookie: afterRevoke, Body: map[string]any{}},
		{Method: "POST", Path: "/multi-session/revoke", Body: map[string]any{"sessionToken": ada.Token}},
		{Method: "POST", Path: "/multi-session/revoke", Cookie: afterRevoke, Body: map[string]any{"sessionToken": "nosuchtoken"}},
	}
	res = runBA(t, node, cfg, refusals...)
	for i, op := range refusals {
		g := goOp(t, api, site, op)
		if g.Status != res[i].Status {
			t.Fatalf("%s %s: Better Auth %d %s, sessionkit %d %s", op.Method, op.Path, res[i].Status, res[i].Body, g.Status, g.Body)
		}
		sameJSON(t, op.Path, res[i].Body, g.Body)
	}
}

// TestMultiSessionClient runs Better Auth's own client with
// multiSessionClient (multi-client.mjs) against sessionkit's API with the
// multisession plugin: two accounts in one browser, list, switch, revoke,
// sign out.
func TestMultiSessionClient(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	cfg := baConfig{DB: filepath.Join(t.TempDir(), "auth.db"), Secret: secret, BaseURL: "http://localhost:3000", Strategy: "compact"}
	m := newManager(t, baConfig{Secret: secret, Strategy: "compact"}, openStore(t, cfg.DB))
	api := multiServer(t, m)
	runClient(t, node, "multi-client.mjs", strings.TrimSuffix(api, "/api/auth"), 8)
}
