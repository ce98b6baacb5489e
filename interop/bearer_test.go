package interop_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
)

// signedToken is the shape of a set-auth-token: the session token, a dot,
// the standard-base64 HMAC-SHA256.
var signedToken = regexp.MustCompile(`^[A-Za-z0-9]{32}\.[A-Za-z0-9+/]{43}=$`)

// bearerServer is sessionkit's JSON API with bearer tokens on, on cfg's
// database, as its own HTTP server; unsigned tokens are accepted when
// Better Auth's side does not require signatures.
func bearerServer(t *testing.T, cfg baConfig) (*sessionkit.Manager, *httptest.Server) {
	t.Helper()
	st := openStore(t, cfg.DB)
	c := sessionkit.Config{Secret: cfg.Secret, BaseURL: cfg.BaseURL, Store: st,
		Bearer: sessionkit.Bearer{Enabled: true, AllowUnsignedTokens: cfg.Bearer != nil && !cfg.Bearer.RequireSignature}}
	if cfg.Strategy != "none" {
		c.CookieCache = sessionkit.CookieCache{Enabled: true, Strategy: cfg.Strategy}
	}
	m, err := sessionkit.New(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	a, err := account.New(m, account.Config{RateLimit: account.RateLimit{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return m, srv
}

// goResult is sessionkit's answer, in the terms of a baResult.
type goResult struct {
	Status        int
	Body          string
	AuthToken     string
	ExposeHeaders string
}

// goDo sends one request to sessionkit's API with exactly hdr (no Origin
// unless hdr has one).
func goDo(t *testing.T, srv *httptest.Server, method, path string, hdr map[string]string, body any) goResult {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, srv.URL+"/api/auth"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return goResult{res.StatusCode, strings.TrimSpace(string(b)), res.Header.Get("Set-Auth-Token"), res.Header.Get("Access-Control-Expose-Headers")}
}

// sessionToken is the session token of a get-session body, or "null".
func sessionToken(t *testing.T, body string) string {
	t.Helper()
	if body == "null" {
		return "null"
	}
	var b authBody
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatalf("get-session body %q: %v", body, err)
	}
	return b.Session.Token
}

// tamper changes one character of the signature.
func tamper(cred string) string {
	b := []byte(cred)
	i := len(b) - 5
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// TestBearerBothWays: with the bearer plugin on (requireSignature off,
// its default, and on), a set-auth-token Better Auth issued works on
// sessionkit and sessionkit's works on Better Auth; every form of the
// Authorization header gets the same answer from both; a sign-out through
// a bearer token on either side is seen by the other.
func TestBearerBothWays(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	for _, requireSig := range []bool{false, true} {
		t.Run(fmt.Sprintf("requireSignature=%v", requireSig), func(t *testing.T) {
			t.Parallel()
			const pw = "correct horse battery staple"
			cfg := baConfig{DB: filepath.Join(t.TempDir(), "auth.db"), Secret: secret,
				BaseURL: "http://localhost:3000", Strategy: "none", Bearer: &baBearer{RequireSignature: requireSig}}
			res := runBA(t, node, cfg,
				baOp{Method: "POST", Path: "/sign-up/email", NoOrigin: true, Body: map[string]any{"name": "Ada", "email": "ada@example.com", "password": pw}})
			ba := res[0]
			if ba.Status != 200 || !signedToken.MatchString(ba.AuthToken) || ba.ExposeHeaders != "set-auth-token" {
				t.Fatalf("Better Auth sign-up: %d %q %q %s", ba.Status, ba.AuthToken, ba.ExposeHeaders, ba.Body)
			}
			_, srv := bearerServer(t, cfg)
			gs := goDo(t, srv, "POST", "/sign-in/email", nil, map[string]any{"email": "ada@example.com", "password": pw})
			if gs.Status != 200 || !signedToken.MatchString(gs.AuthToken) || gs.ExposeHeaders != ba.ExposeHeaders {
				t.Fatalf("sessionkit sign-in: %d %q %q %s", gs.Status, gs.AuthToken, gs.ExposeHeaders, gs.Body)
			}
			var goIn authBody
			json.Unmarshal([]byte(gs.Body), &goIn)
			if !strings.HasPrefix(gs.AuthToken, goIn.Token+".") || !strings.HasPrefix(ba.AuthToken, ba.auth(t).Token+".") {
				t.Fatalf("set-auth-token is not the signed body token: sessionkit %q/%q, Better Auth %q/%q", gs.AuthToken, goIn.Token, ba.AuthToken, ba.auth(t).Token)
			}

			// Every form of each side's credential, on both sides.
			type variant struct {
				name, header string
				found        bool // the session is found
			}
			var vs []variant
			for _, side := range []struct{ name, cred, bare string }{
				{"better-auth's", ba.AuthToken, ba.auth(t).Token},
				{"sessionkit's", gs.AuthToken, goIn.Token},
			} {
				vs = append(vs,
					variant{side.name + " signed", "Bearer " + side.cred, true},
					variant{side.name + " percent-encoded", "Bearer " + url.QueryEscape(side.cred), true},
					variant{side.name + " lower-case scheme", "bearer " + side.cred, true},
					variant{side.name + " blanks", "Bearer   " + side.cred + "  ", true},
					variant{side.name + " bare token", "Bearer " + side.bare, !requireSig},
					variant{side.name + " tampered", "Bearer " + tamper(side.cred), false},
					variant{side.name + " url-safe base64", "Bearer " + urlSafe(side.cred), !strings.ContainsAny(side.cred, "+/")},
					variant{side.name + " token alone with a dot", "Bearer " + side.bare + ".", false},
					variant{side.name + " basic scheme", "Basic " + side.cred, false},
				)
			}
			var ops []baOp
			for _, v := range vs {
				ops = append(ops, baOp{Method: "GET", Path: "/get-session", NoOrigin: true, Headers: map[string]string{"authorization": v.header}})
			}
			res = runBA(t, node, cfg, ops...)
			for i, v := range vs {
				baTok := sessionToken(t, string(res[i].Body))
				goTok := sessionToken(t, goDo(t, srv, "GET", "/get-session", map[string]string{"Authorization": v.header}, nil).Body)
				if baTok != goTok || (baTok != "null") != v.found {
					t.Errorf("%s: Better Auth %s, sessionkit %s, want found %v", v.name, baTok, goTok, v.found)
				}
			}

			// Sign-outs through bearer tokens, seen by the other side.
			res = runBA(t, node, cfg,
				baOp{Method: "POST", Path: "/sign-out", NoOrigin: true, Headers: map[string]string{"authorization": "Bearer " + gs.AuthToken}})
			if res[0].Status != 200 {
				t.Fatalf("Better Auth sign-out with sessionkit's token: %d %s", res[0].Status, res[0].Body)
			}
			if r := goDo(t, srv, "GET", "/get-session", map[string]string{"Authorization": "Bearer " + gs.AuthToken}, nil); r.Body != "null" {
				t.Fatalf("sessionkit after Better Auth's bearer sign-out: %s", r.Body)
			}
			if r := goDo(t, srv, "POST", "/sign-out", map[string]string{"Authorization": "Bearer " + ba.AuthToken}, nil); r.Status != 200 {
				t.Fatalf("sessionkit sign-out with Better Auth's token: %d %s", r.Status, r.Body)
			}
			res = runBA(t, node, cfg,
				baOp{Method: "GET", Path: "/get-session", NoOrigin: true, Headers: map[string]string{"authorization": "Bearer " + ba.AuthToken}})
			if string(res[0].Body) != "null" {
				t.Fatalf("Better Auth after sessionkit's bearer sign-out: %s", res[0].Body)
			}
		})
	}
}

// TestBearerWithCookies: a bearer token and a cookie in one request, on
// both sides: a valid bearer token names the session, an invalid one
// leaves the cookie's; a state change that carries a cookie needs an
// Origin whatever its Authorization header, and one without cookies does
// not.
func TestBearerWithCookies(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	const pw = "correct horse battery staple"
	cfg := baConfig{DB: filepath.Join(t.TempDir(), "auth.db"), Secret: secret,
		BaseURL: "http://localhost:3000", Strategy: "none", Bearer: &baBearer{}}
	res := runBA(t, node, cfg,
		baOp{Method: "POST", Path: "/sign-up/email", Body: map[string]any{"name": "Ada", "email": "ada@example.com", "password": pw}},
		baOp{Method: "POST", Path: "/sign-up/email", Body: map[string]any{"name": "Bob", "email": "bob@example.com", "password": pw}})
	ada, bob := res[0], res[1]
	_, srv := bearerServer(t, cfg)
	foreign := "https://evil.example"

	type op struct {
		name, method, path string
		hdr                map[string]string
	}
	ops := []op{
		{"ada's cookie, bob's bearer", "GET", "/get-session", map[string]string{"cookie": ada.Cookie, "authorization": "Bearer " + bob.AuthToken}},
		{"ada's cookie, bad bearer", "GET", "/get-session", map[string]string{"cookie": ada.Cookie, "authorization": "Bearer " + tamper(bob.AuthToken)}},
		{"bearer alone, no Origin", "POST", "/update-user", map[string]string{"authorization": "Bearer " + bob.AuthToken}},
		{"bearer and its cookie, no Origin", "POST", "/update-user", map[string]string{"cookie": bob.Cookie, "authorization": "Bearer " + bob.AuthToken}},
		{"bearer and another cookie, no Origin", "POST", "/update-user", map[string]string{"cookie": "theme=dark", "authorization": "Bearer " + bob.AuthToken}},
		{"bearer and a cookie, foreign Origin", "POST", "/update-user", map[string]string{"cookie": "theme=dark", "origin": foreign, "authorization": "Bearer " + bob.AuthToken}},
		{"bearer and a cookie, own Origin", "POST", "/update-user", map[string]string{"cookie": "theme=dark", "origin": cfg.BaseURL, "authorization": "Bearer " + bob.AuthToken}},
	}
	var baOps []baOp
	for _, o := range ops {
		b := baOp{Method: o.method, Path: o.path, NoOrigin: true, Headers: o.hdr}
		if o.method == "POST" {
			b.Body = map[string]any{"name": "Robert"}
		}
		baOps = append(baOps, b)
	}
	res = runBA(t, node, cfg, baOps...)
	for i, o := range ops {
		var body any
		if o.method == "POST" {
			body = map[string]any{"name": "Robert"}
		}
		// Both have BaseURL http://localhost:3000: its origin is their own.
		g := goDo(t, srv, o.method, o.path, o.hdr, body)
		b := res[i]
		if o.method == "GET" {
			baTok, goTok := sessionToken(t, string(b.Body)), sessionToken(t, g.Body)
			if baTok != goTok || baTok == "null" {
				t.Errorf("%s: Better Auth %s, sessionkit %s", o.name, baTok, goTok)
			}
			continue
		}
		if b.Status != g.Status || b.Status != 200 && !sameCode(string(b.Body), g.Body) {
			t.Errorf("%s: Better Auth %d %s, sessionkit %d %s", o.name, b.Status, b.Body, g.Status, g.Body)
		}
	}
	if got := sessionToken(t, string(res[0].Body)); got != bob.auth(t).Token {
		t.Errorf("a valid bearer token with a cookie: session %s, want the bearer's", got)
	}
	if got := sessionToken(t, string(res[1].Body)); got != ada.auth(t).Token {
		t.Errorf("an invalid bearer token with a cookie: session %s, want the cookie's", got)
	}
	if res[2].Status != 200 || res[3].Status != 403 || res[5].Status != 403 {
		t.Errorf("origin checks: %d %d %d, want 200 403 403", res[2].Status, res[3].Status, res[5].Status)
	}
}

// urlSafe writes the signature in base64url, which Better Auth's plugin
// decodes but its cookie check (atob) refuses.
func urlSafe(cred string) string {
	return strings.NewReplacer("+", "-", "/", "_").Replace(cred)
}

// sameCode reports whether two error bodies carry the same code.
func sameCode(a, b string) bool {
	var x, y struct{ Code string }
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && x.Code != "" && x.Code == y.Code
}

// TestBetterAuthClientBearer runs Better Auth's own client, configured for
// bearer tokens (fetchOptions.auth, the token from set-auth-token), with
// no cookies at all, against sessionkit's API.
func TestBetterAuthClientBearer(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	// No BaseURL: the server's own origin (the test server's) is trusted.
	cfg := baConfig{DB: filepath.Join(t.TempDir(), "auth.db"), Secret: secret, Strategy: "none"}
	_, srv := bearerServer(t, cfg)
	runClient(t, node, "bearer-client.mjs", srv.URL, 8)
}
