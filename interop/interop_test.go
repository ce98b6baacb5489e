// Package interop_test proves sessionkit wire-compatible with the real
// Better Auth (the exact version pinned in package.json), in both
// directions, on one SQLite file:
//
//   - Better Auth mints users, sessions and cookies; sessionkit reads them.
//   - sessionkit signs users up and in; Better Auth's get-session accepts the
//     cookies (from its cookie cache, without SQL, when a cache is on).
//   - Sign-out on either side is seen by the other; a password set on either
//     side signs in on the other.
//   - Better Auth's own client (createAuthClient) works against the example
//     app.
//
// The tests run Node scripts (ba.mjs, client.mjs). Locally they skip when
// node or interop/node_modules is missing; in CI (CI=true) they fail.
// Install with `npm ci` in this folder (.ci/interop.sh does).
package interop_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/internal/nodetest"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

const secret = "interop-test-secret-0123456789abcdefghijklmnop"

// dir is this folder, wherever the test runs from.
func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// needNode returns the node binary, or skips (fails in CI) when node or the
// pinned packages are missing.
func needNode(t *testing.T) string {
	t.Helper()
	return testenv.NeedNode(t, dir(), "better-auth", "better-sqlite3")
}

// baConfig configures ba.mjs: the Better Auth options that matter on the wire.
type baConfig struct {
	DB       string `json:"db"`
	Secret   string `json:"secret"`
	BaseURL  string `json:"baseURL"`
	Strategy string `json:"strategy"` // none, compact, jwt, jwe
	// RateLimit turns Better Auth's rate limiting on (it is on only in
	// production by default).
	RateLimit bool `json:"rateLimit,omitempty"`
	// DeleteUser turns user.deleteUser.enabled on.
	DeleteUser bool `json:"deleteUser,omitempty"`
	// UserFields and SessionFields are user.additionalFields and
	// session.additionalFields, as Better Auth declares them.
	// JSON text, so that the members keep their order (Better Auth's
	// field order is its declaration's).
	UserFields    json.RawMessage `json:"userFields,omitempty"`
	SessionFields json.RawMessage `json:"sessionFields,omitempty"`
	// Schema is Better Auth's modelName, fields and usePlural (baSchemaOf).
	Schema *baSchema `json:"schema,omitempty"`
	// Migrate is "run" (default: Better Auth's migrator creates what is
	// missing) or "check" (ba.mjs fails if the migrator would change the
	// schema).
	Migrate string `json:"migrate,omitempty"`
	// MultiSession turns the multiSession plugin on, with its options.
	MultiSession *multiConfig `json:"multiSession,omitempty"`
	// Bearer turns the bearer plugin on, with its options.
	Bearer *baBearer `json:"bearer,omitempty"`
	// Admin turns Better Auth's admin plugin on with these options
	// (an empty object for its defaults).
	Admin json.RawMessage `json:"admin,omitempty"`
}

// baBearer is the bearer plugin's options.
type baBearer struct {
	RequireSignature bool `json:"requireSignature,omitempty"`
}

// baOp is one HTTP exchange with Better Auth's handler.
type baOp struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Body   any    `json:"body,omitempty"`
	// RawBody is sent as it is, with ContentType (none if empty).
	RawBody     string `json:"rawBody,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	Cookie      string `json:"cookie,omitempty"`
	// Chain sends the Cookie header the previous op left (one browser).
	Chain   bool              `json:"chain,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	// NoOrigin leaves out the Origin header every op has by default, as a
	// client that is no browser (curl, a mobile app) does.
	NoOrigin bool `json:"noOrigin,omitempty"`
}

// baResult is Better Auth's answer to one baOp.
type baResult struct {
	Status    int             `json:"status"`
	Body      json.RawMessage `json:"body"`
	SetCookie []string        `json:"setCookie"`
	Cookie    string          `json:"cookie"` // the Cookie header a browser sends next
	SQL       []string        `json:"sql"`    // statements Better Auth ran for this op
	// RetryAfter is the X-Retry-After header, or nil.
	RetryAfter *string `json:"retryAfter"`
	// AuthToken and ExposeHeaders are the bearer plugin's set-auth-token
	// and Access-Control-Expose-Headers headers, or "".
	AuthToken     string `json:"authToken"`
	ExposeHeaders string `json:"exposeHeaders"`
}

// authBody is the part of a sign-up, sign-in or get-session body the
// tests compare.
type authBody struct {
	Token   string `json:"token"`
	Session struct {
		Token  string `json:"token"`
		UserID string `json:"userId"`
	} `json:"session"`
	User struct {
		ID    string `json:"id"`
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"user"`
}

func (r baResult) auth(t *testing.T) authBody {
	t.Helper()
	var b authBody
	if err := json.Unmarshal(r.Body, &b); err != nil {
		t.Fatalf("Better Auth body %s: %v", r.Body, err)
	}
	return b
}

// runBA runs the ops against a real Better Auth on cfg.DB, in one process.
func runBA(t *testing.T, node string, cfg baConfig, ops ...baOp) []baResult {
	t.Helper()
	var res []baResult
	nodetest.Run(t, node, dir(), "ba.mjs", struct {
		Config baConfig `json:"config"`
		Ops    []baOp   `json:"ops"`
	}{cfg, ops}, &res)
	if len(res) != len(ops) {
		t.Fatalf("ba.mjs answered %d ops of %d", len(res), len(ops))
	}
	return res
}

// countingStore counts session reads, to prove a lookup came from the
// cookie cache alone.
type countingStore struct {
	*sqlite.Store
	reads atomic.Int64
}

func (c *countingStore) SessionByToken(ctx context.Context, token string) (store.Session, store.User, error) {
	c.reads.Add(1)
	return c.Store.SessionByToken(ctx, token)
}

func newManager(t *testing.T, cfg baConfig, st store.Store) *sessionkit.Manager {
	t.Helper()
	c := sessionkit.Config{Secret: cfg.Secret, BaseURL: cfg.BaseURL, Store: st}
	if cfg.Strategy != "none" {
		c.CookieCache = sessionkit.CookieCache{Enabled: true, Strategy: cfg.Strategy}
	}
	m, err := sessionkit.New(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// newAccounts is m's accounts and JSON API, with the defaults.
func newAccounts(t *testing.T, m *sessionkit.Manager) *account.Accounts {
	t.Helper()
	a, err := account.New(m, account.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// getSession is LookupHeader's session alone.
func getSession(m *sessionkit.Manager, ctx context.Context, h http.Header) (*sessionkit.Session, error) {
	l, err := m.LookupHeader(ctx, h, sessionkit.LookupOptions{})
	if err != nil {
		return nil, err
	}
	return l.Found, nil
}

func openStore(t *testing.T, path string) *countingStore {
	t.Helper()
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &countingStore{Store: db}
}

// configs is every cache strategy Better Auth and sessionkit share, over
// http and over https (the __Secure- cookie names).
func configs(t *testing.T) []baConfig {
	var out []baConfig
	for _, strategy := range []string{"none", "compact", "jwt", "jwe"} {
		for _, base := range []string{"http://localhost:3000", "https://app.example.com"} {
			out = append(out, baConfig{
				DB:       filepath.Join(t.TempDir(), "auth.db"),
				Secret:   secret,
				BaseURL:  base,
				Strategy: strategy,
			})
		}
	}
	return out
}

func (c baConfig) name() string {
	scheme, _, _ := strings.Cut(c.BaseURL, ":")
	return c.Strategy + "/" + scheme
}

func cookieHeader(cookie string) http.Header { return http.Header{"Cookie": {cookie}} }

// withoutCache drops the session_data cookies (and chunks) from a Cookie
// header, leaving the signed token.
func withoutCache(cookie string) string {
	var keep []string
	for _, p := range strings.Split(cookie, "; ") {
		if !strings.Contains(strings.SplitN(p, "=", 2)[0], "session_data") {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, "; ")
}

// TestBetterAuthMintsSessionkitReads: Better Auth signs users up and in
// (remember me on and off); sessionkit finds the right user for every cookie
// set, from the cookie cache alone where there is one.
func TestBetterAuthMintsSessionkitReads(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	for _, cfg := range configs(t) {
		t.Run(cfg.name(), func(t *testing.T) {
			t.Parallel()
			const pw = "correct horse battery staple"
			res := runBA(t, node, cfg,
				baOp{Method: "POST", Path: "/sign-up/email", Body: map[string]any{"name": "Ada", "email": "ada@example.com", "password": pw}},
				baOp{Method: "POST", Path: "/sign-up/email", Body: map[string]any{"name": "Bob", "email": "bob@example.com", "password": pw, "rememberMe": false}},
				baOp{Method: "POST", Path: "/sign-in/email", Body: map[string]any{"email": "ada@example.com", "password": pw, "rememberMe": true}},
				baOp{Method: "POST", Path: "/sign-in/email", Body: map[string]any{"email": "ada@example.com", "password": pw, "rememberMe": false}},
				baOp{Method: "POST", Path: "/sign-in/email", Body: map[string]any{"email": "bob@example.com", "password": pw}},
			)
			st := openStore(t, cfg.DB)
			m := newManager(t, cfg, st)
			tokenName, dataName, _ := m.CookieNames()
			ctx := context.Background()
			for i, r := range res {
				if r.Status != 200 {
					t.Fatalf("Better Auth op %d: %d %s", i, r.Status, r.Body)
				}
				want := r.auth(t)
				if !strings.Contains(r.Cookie, tokenName+"=") {
					t.Fatalf("op %d: no %s in %q", i, tokenName, r.Cookie)
				}
				hasCache := strings.Contains(r.Cookie, dataName)
				if hasCache != (cfg.Strategy != "none") {
					t.Fatalf("op %d: cache cookie present %v with strategy %s", i, hasCache, cfg.Strategy)
				}
				before := st.reads.Load()
				l, err := m.LookupHeader(ctx, cookieHeader(r.Cookie), sessionkit.LookupOptions{DisableRefresh: true})
				if err != nil {
					t.Fatalf("op %d: sessionkit lookup: %v", i, err)
				}
				if l.Found.User.ID != want.User.ID || l.Found.User.Email != want.User.Email || l.Found.Session.Token != want.Token {
					t.Fatalf("op %d: sessionkit found %+v, Better Auth minted %+v", i, l.Found, want)
				}
				if reads := st.reads.Load() - before; hasCache && reads != 0 {
					t.Fatalf("op %d: %d store reads with a valid %s cache cookie", i, reads, cfg.Strategy)
				}
				// The token alone resolves through the shared database.
				s, err := getSession(m, ctx, cookieHeader(withoutCache(r.Cookie)))
				if err != nil || s.User.ID != want.User.ID {
					t.Fatalf("op %d: token-only lookup: %v %+v", i, err, s)
				}
			}
			// A password set by Better Auth signs in through sessionkit's API.
			accounts := newAccounts(t, m)
			srv := httptest.NewServer(accounts.Handler())
			defer srv.Close()
			code, body, _ := post(t, srv.URL+"/api/auth/sign-in/email", "", map[string]any{"email": "bob@example.com", "password": pw})
			if code != 200 || !strings.Contains(body, res[1].auth(t).User.ID) {
				t.Fatalf("sessionkit sign-in with a Better Auth password: %d %s", code, body)
			}
			if _, err := accounts.CheckPassword(ctx, "ada@example.com", "wrong password"); !errors.Is(err, account.ErrInvalidCredentials) {
				t.Fatalf("wrong password: %v", err)
			}
		})
	}
}

// post sends a JSON POST with an optional Cookie header and returns the
// status, body and Set-Cookie lines.
func post(t *testing.T, url, cookie string, body any) (int, string, []string) {
	t.Helper()
	return postFrom(t, "", url, cookie, body)
}

// postFrom is post with the Origin header of a page at origin, which a
// request with cookies needs (Better Auth's origin check).
func postFrom(t *testing.T, origin, url, cookie string, body any) (int, string, []string) {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest("POST", url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header.Values("Set-Cookie")
}

// applyCookies updates a Cookie header with Set-Cookie lines, as a browser
// does: nodetest.ApplyCookies.
func applyCookies(cookie string, setCookie []string) string {
	return nodetest.ApplyCookies(cookie, setCookie)
}

// TestSessionkitMintsBetterAuthReads: sessionkit's API signs users up and
// in; Better Auth's get-session accepts the cookies, from its cookie cache
// without SQL when a cache is on; sign-out on either side is seen by the
// other; a password set by sessionkit signs in on Better Auth.
func TestSessionkitMintsBetterAuthReads(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	for _, cfg := range configs(t) {
		t.Run(cfg.name(), func(t *testing.T) {
			t.Parallel()
			const pw = "correct horse battery staple"
			st := openStore(t, cfg.DB)
			m := newManager(t, cfg, st)
			srv := httptest.NewServer(newAccounts(t, m).Handler())
			defer srv.Close()
			api := srv.URL + "/api/auth"

			code, body, sc := post(t, api+"/sign-up/email", "", map[string]any{"name": "Ada", "email": "ada@example.com", "password": pw})
			if code != 200 {
				t.Fatalf("sign-up: %d %s", code, body)
			}
			laptop := applyCookies("", sc)
			var up authBody
			json.Unmarshal([]byte(body), &up)
			code, body, sc = post(t, api+"/sign-in/email", "", map[string]any{"email": "ada@example.com", "password": pw, "rememberMe": false})
			if code != 200 {
				t.Fatalf("sign-in: %d %s", code, body)
			}
			phone := applyCookies("", sc)
			var in authBody
			json.Unmarshal([]byte(body), &in)

			res := runBA(t, node, cfg,
				baOp{Method: "GET", Path: "/get-session", Cookie: laptop},
				baOp{Method: "GET", Path: "/get-session", Cookie: phone},
				baOp{Method: "GET", Path: "/get-session?disableCookieCache=true", Cookie: laptop},
				baOp{Method: "POST", Path: "/sign-in/email", Body: map[string]any{"email": "ada@example.com", "password": pw}},
				baOp{Method: "POST", Path: "/sign-out", Cookie: phone},
			)
			for i, want := range []string{up.Token, in.Token, up.Token} {
				r := res[i]
				got := r.auth(t)
				if r.Status != 200 || got.User.ID != up.User.ID || got.Session.Token != want {
					t.Fatalf("Better Auth get-session %d: %d %s", i, r.Status, r.Body)
				}
				if i == 2 || cfg.Strategy == "none" {
					if len(r.SQL) == 0 {
						t.Fatalf("get-session %d: Better Auth ran no SQL without a cache", i)
					}
					continue
				}
				if len(r.SQL) != 0 {
					t.Fatalf("get-session %d: Better Auth ran SQL despite sessionkit's %s cache cookie: %q", i, cfg.Strategy, r.SQL)
				}
				for _, line := range r.SetCookie {
					if strings.Contains(line, "Max-Age=0") {
						t.Fatalf("get-session %d: Better Auth rejected a cookie: %s", i, line)
					}
				}
			}
			if res[3].Status != 200 {
				t.Fatalf("Better Auth sign-in with a sessionkit password: %d %s", res[3].Status, res[3].Body)
			}
			if res[4].Status != 200 || string(res[4].Body) != `{"success":true}` {
				t.Fatalf("Better Auth sign-out: %d %s", res[4].Status, res[4].Body)
			}
			ctx := context.Background()
			// Better Auth's session is read by sessionkit ...
			s, err := getSession(m, ctx, cookieHeader(res[3].Cookie))
			if err != nil || s.Session.Token != res[3].auth(t).Token {
				t.Fatalf("sessionkit reading Better Auth's sign-in: %v", err)
			}
			// ... and its sign-out of the phone is seen by sessionkit.
			if _, err := m.LookupHeader(ctx, cookieHeader(phone), sessionkit.LookupOptions{DisableCookieCache: true}); !errors.Is(err, sessionkit.ErrNoSession) {
				t.Fatalf("phone after Better Auth's sign-out: %v", err)
			}

			// sessionkit signs the laptop out; Better Auth sees it.
			code, body, sc = postFrom(t, cfg.BaseURL, api+"/sign-out", laptop, nil)
			if code != 200 {
				t.Fatalf("sessionkit sign-out: %d %s", code, body)
			}
			if after := applyCookies(laptop, sc); strings.Contains(after, "session_token") {
				t.Fatalf("sign-out left cookies: %q", after)
			}
			res = runBA(t, node, cfg,
				baOp{Method: "GET", Path: "/get-session?disableCookieCache=true", Cookie: laptop},
				baOp{Method: "GET", Path: "/get-session", Cookie: withoutCache(laptop)},
			)
			for i, r := range res {
				if r.Status != 200 || string(r.Body) != "null" {
					t.Fatalf("Better Auth after sessionkit's sign-out (%d): %d %s", i, r.Status, r.Body)
				}
			}
		})
	}
}

// TestBetterAuthClientAgainstExample builds the example app, starts it on a
// free local port, and runs Better Auth's own client against it: sign up,
// sign in, get the session, list sessions, revoke the others, sign out.
func TestBetterAuthClientAgainstExample(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "example")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.Command("go", "build", "-o", bin, "./example")
	build.Dir = filepath.Join(dir(), "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./example: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	app := exec.CommandContext(ctx, bin, "-addr", addr, "-db", filepath.Join(tmp, "example.db"), "-secret", secret)
	var logs bytes.Buffer
	app.Stdout, app.Stderr = &logs, &logs
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- app.Wait() }()
	t.Cleanup(func() {
		cancel()
		<-exited
		if t.Failed() {
			t.Logf("example app log:\n%s", logs.String())
		}
	})
	base := "http://" + addr
	waitUp(t, base+"/api/auth/get-session", exited)

	runClient(t, node, "client.mjs", base, 10)
}

// runClient runs a client script (client.mjs, multi-client.mjs) against
// the server at base, logs its steps, and fails unless it ran at least
// steps of them and exited 0.
func runClient(t *testing.T, node, script, base string, steps int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir(), script), base)
	cmd.Dir = dir()
	out, err := cmd.CombinedOutput()
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		t.Log(sc.Text())
	}
	if err != nil {
		t.Fatalf("%s against %s: %v", script, base, err)
	}
	if n := strings.Count(string(out), "ok   "); n < steps {
		t.Fatalf("%s ran %d steps, want %d", script, n, steps)
	}
}

// waitUp polls url until the server answers, for at most 10 seconds, and
// gives up at once if the server exits.
func waitUp(t *testing.T, url string, exited chan error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			t.Fatalf("example app exited: %v", err)
		default:
		}
		res, err := http.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
			err = fmt.Errorf("status %d", res.StatusCode)
		}
		if time.Now().After(deadline) {
			t.Fatalf("example app did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
