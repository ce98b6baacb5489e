package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/internal/testenv"
)

// TestMain runs the command itself when the test binary is started with
// SESSIONKIT_EXAMPLE_MAIN=1, so TestHelp can check its exit status.
func TestMain(m *testing.M) {
	if os.Getenv("SESSIONKIT_EXAMPLE_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	code := m.Run()
	testenv.Report(os.Stdout) // which tests a missing service skipped
	os.Exit(code)
}

const testSecret = "example-test-secret-0123456789abcdefghijkl"

// client is a browser stand-in: a cookie jar, no automatic redirects, and
// the Origin header a browser sends with form posts.
type client struct {
	t    *testing.T
	srv  *httptest.Server
	http *http.Client
}

func newClient(t *testing.T, srv *httptest.Server) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, srv: srv, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (c *client) do(method, path string, form url.Values) (int, string, string) {
	c.t.Helper()
	res := c.res(method, path, form)
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(b)
}

func (c *client) res(method, path string, form url.Values) *http.Response {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.srv.URL+path, body)
	req.Header.Set("Accept", "text/html")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", c.srv.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { res.Body.Close() })
	return res
}

// signUp registers a user and leaves c signed in.
func (c *client) signUp(name, email string) {
	c.t.Helper()
	if code, loc, body := c.do("POST", "/sign-up", url.Values{"name": {name}, "email": {email}, "password": {"correct horse"}}); code != 303 || loc != "/dashboard" {
		c.t.Fatalf("sign up %s: %d %q\n%s", email, code, loc, body)
	}
}

func (c *client) signIn(email string) {
	c.t.Helper()
	if code, loc, body := c.do("POST", "/sign-in", url.Values{"email": {email}, "password": {"correct horse"}, "remember": {"on"}}); code != 303 || loc != "/dashboard" {
		c.t.Fatalf("sign in %s: %d %q\n%s", email, code, loc, body)
	}
}

// testClock is a settable clock, safe to move while the server reads it.
type testClock struct{ ns atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.ns.Store(time.Now().UnixNano())
	return c
}

func (c *testClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *testClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// testApp is the app of auth with its accounts, without the account
// switcher (-multi-session=false; switcher_test.go tests it).
func testApp(t testing.TB, auth *sessionkit.Manager) http.Handler {
	t.Helper()
	accounts, err := account.New(auth, account.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return newApp(auth, accounts)
}

// newServer runs the app over loopback with a fresh SQLite file. cfg may
// set anything but the secret, database and clock.
func newServer(t testing.TB, clock *testClock, cfg sessionkit.Config) *httptest.Server {
	cfg.Secret = testSecret
	cfg.DatabasePath = filepath.Join(t.TempDir(), "example.db")
	cfg.Now = clock.Now
	auth, err := sessionkit.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(testApp(t, auth))
	t.Cleanup(func() { srv.Close(); auth.Close() })
	return srv
}

func TestExampleFlow(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	srv := newServer(t, clock, sessionkit.Config{})
	c := newClient(t, srv)

	if code, loc, _ := c.do("GET", "/dashboard", nil); code != 303 || loc != "/sign-in?returnTo=%2Fdashboard" {
		t.Fatalf("signed-out dashboard: %d %q", code, loc)
	}
	if code, _, body := c.do("POST", "/sign-up", url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"short"}}); code != 400 || !strings.Contains(body, "at least 8") {
		t.Fatalf("short password: %d", code)
	}
	if code, _, body := c.do("POST", "/sign-up", url.Values{"name": {"Ada"}, "email": {"not an email"}, "password": {"correct horse"}}); code != 400 || !strings.Contains(body, "valid email") {
		t.Fatalf("bad email: %d", code)
	}
	// The library takes an empty name (as Better Auth does); the app's form does not.
	if code, _, body := c.do("POST", "/sign-up", url.Values{"name": {"  "}, "email": {"blank@example.com"}, "password": {"correct horse"}}); code != 400 || !strings.Contains(body, "Enter your name") {
		t.Fatalf("blank name: %d %s", code, body)
	}
	c.signUp("Ada <b>", "ada@example.com")
	code, _, body := c.do("GET", "/dashboard", nil)
	for _, want := range []string{"Hello, Ada &lt;b&gt;", "ada@example.com", ">fresh<", `data-source="store"`, "Yes: the expiry slides"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Fatalf("dashboard: %d, no %q in\n%s", code, want, body)
		}
	}
	if code, _, body := c.do("GET", "/settings", nil); code != 200 || !strings.Contains(body, "Account settings") {
		t.Fatalf("settings while fresh: %d", code)
	}
	// Errors are shown on the page, not as JSON.
	other := newClient(t, srv)
	if code, _, body := other.do("POST", "/sign-up", url.Values{"name": {"Eve"}, "email": {"ADA@example.com"}, "password": {"12345678"}}); code != 409 || !strings.Contains(body, "already registered") {
		t.Fatalf("taken email: %d", code)
	}
	if code, _, body := other.do("POST", "/sign-in", url.Values{"email": {"ada@example.com"}, "password": {"wrong password"}}); code != 401 || !strings.Contains(body, "Wrong email or password") || !strings.Contains(body, `value="ada@example.com"`) {
		t.Fatalf("wrong password: %d\n%s", code, body)
	}

	// Two days on, settings sends the stale session to sign in again and
	// brings it back.
	clock.Advance(48 * time.Hour)
	code, loc, _ := c.do("GET", "/settings", nil)
	if code != 303 || loc != "/sign-in?reauth=1&returnTo=%2Fsettings" {
		t.Fatalf("stale settings: %d %q", code, loc)
	}
	if code, _, body := c.do("GET", loc, nil); code != 200 || !strings.Contains(body, "Confirm it") || !strings.Contains(body, `value="/settings"`) || !strings.Contains(body, `value="ada@example.com"`) {
		t.Fatalf("re-auth page: %d\n%s", code, body)
	}
	if _, _, body := c.do("GET", "/dashboard", nil); !strings.Contains(body, "not fresh") {
		t.Fatalf("dashboard of a stale session does not say so:\n%s", body)
	}
	code, loc, _ = c.do("POST", "/sign-in", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}, "remember": {"on"}, "returnTo": {"/settings"}})
	if code != 303 || loc != "/settings" {
		t.Fatalf("re-auth sign in: %d %q", code, loc)
	}
	if code, _, _ := c.do("GET", "/settings", nil); code != 200 {
		t.Fatalf("settings after re-auth: %d", code)
	}
	// An open redirect is refused.
	if _, loc, _ := c.do("POST", "/sign-in", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}, "returnTo": {"//evil.example"}}); loc != "/dashboard" {
		t.Fatalf("returnTo //evil.example redirected to %q", loc)
	}
	// A signed-in visit to the sign-in page goes to the dashboard.
	if code, loc, _ := c.do("GET", "/sign-in", nil); code != 303 || loc != "/dashboard" {
		t.Fatalf("sign-in page while signed in: %d %q", code, loc)
	}

	// Sign out: the sign-in page says so and tells the other tabs.
	if code, loc, _ := c.do("POST", "/sign-out", url.Values{}); code != 303 || loc != "/sign-in?signed-out=1" {
		t.Fatalf("sign out: %d %q", code, loc)
	}
	if _, _, body := c.do("GET", "/sign-in?signed-out=1", nil); !strings.Contains(body, "You are signed out") || !strings.Contains(body, `data-broadcast="signout"`) {
		t.Fatalf("signed-out page:\n%s", body)
	}
	if code, _, _ := c.do("GET", "/dashboard", nil); code != 303 {
		t.Fatalf("dashboard after sign-out: %d", code)
	}
}

func TestRememberMeOff(t *testing.T) {
	t.Parallel()
	srv := newServer(t, newTestClock(), sessionkit.Config{})
	c := newClient(t, srv)
	c.signUp("Ada", "ada@example.com")
	c.do("POST", "/sign-out", url.Values{})
	if code, _, _ := c.do("POST", "/sign-in", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}}); code != 303 {
		t.Fatalf("sign in: %d", code)
	}
	if _, _, body := c.do("GET", "/dashboard", nil); !strings.Contains(body, "No: ends with the browser") {
		t.Fatalf("dashboard of a remember-me-off session:\n%s", body)
	}
}

var sessionRow = regexp.MustCompile(`data-current="(true|false)" data-id="([^"]+)"`)

// sessionRows returns the ids on the sessions page: this device's, others.
func sessionRows(t *testing.T, c *client) (current string, others []string) {
	t.Helper()
	code, _, body := c.do("GET", "/sessions", nil)
	if code != 200 {
		t.Fatalf("sessions page: %d", code)
	}
	for _, m := range sessionRow.FindAllStringSubmatch(body, -1) {
		if m[1] == "true" {
			current = m[2]
		} else {
			others = append(others, m[2])
		}
	}
	return current, others
}

func TestSessionsPage(t *testing.T) {
	t.Parallel()
	srv := newServer(t, newTestClock(), sessionkit.Config{})
	laptop, phone, tablet, eve := newClient(t, srv), newClient(t, srv), newClient(t, srv), newClient(t, srv)
	laptop.signUp("Ada", "ada@example.com")
	phone.signIn("ada@example.com")
	eve.signUp("Eve", "eve@example.com")

	current, others := sessionRows(t, laptop)
	if current == "" || len(others) != 1 {
		t.Fatalf("laptop sees this device %q and others %q, want 1 and 1", current, others)
	}
	_, _, body := laptop.do("GET", "/sessions", nil)
	if !strings.Contains(body, "Go program") || !strings.Contains(body, "this device") || !strings.Contains(body, "Sign out everywhere else") {
		t.Fatalf("sessions page:\n%s", body)
	}

	// Revoking the phone signs it out at its next request, with a notice.
	if code, loc, _ := laptop.do("POST", "/sessions/revoke", url.Values{"id": {others[0]}}); code != 303 || loc != "/sessions?done=revoked" {
		t.Fatalf("revoke: %d %q", code, loc)
	}
	if _, _, body := laptop.do("GET", "/sessions?done=revoked", nil); !strings.Contains(body, "That device is signed out") {
		t.Fatalf("no notice after revoke:\n%s", body)
	}
	code, loc, _ := phone.do("GET", "/dashboard", nil)
	if code != 303 || loc != "/sign-in?expired=1&returnTo=%2Fdashboard" {
		t.Fatalf("revoked phone: %d %q", code, loc)
	}
	if _, _, body := phone.do("GET", loc, nil); !strings.Contains(body, "Your session has ended") {
		t.Fatalf("revoked phone's sign-in page:\n%s", body)
	}

	// Another user's session id, or an unknown one, is left alone.
	eveCurrent, _ := sessionRows(t, eve)
	for _, id := range []string{eveCurrent, "no-such-session"} {
		if code, loc, _ := laptop.do("POST", "/sessions/revoke", url.Values{"id": {id}}); code != 303 || loc != "/sessions?done=gone" {
			t.Fatalf("revoke %q: %d %q", id, code, loc)
		}
	}
	if code, _, _ := eve.do("GET", "/dashboard", nil); code != 200 {
		t.Fatalf("eve signed out by ada's revoke: %d", code)
	}

	// Sign out everywhere else.
	phone.signIn("ada@example.com")
	tablet.signIn("ada@example.com")
	if _, others := sessionRows(t, laptop); len(others) != 2 {
		t.Fatalf("others = %q, want 2", others)
	}
	if code, loc, _ := laptop.do("POST", "/sessions/revoke-others", url.Values{}); code != 303 || loc != "/sessions?done=others" {
		t.Fatalf("revoke others: %d %q", code, loc)
	}
	for _, c := range []*client{phone, tablet} {
		if code, _, _ := c.do("GET", "/dashboard", nil); code != 303 {
			t.Fatalf("device still signed in after sign out everywhere else: %d", code)
		}
	}
	if cur, others := sessionRows(t, laptop); cur != current || len(others) != 0 {
		t.Fatalf("after revoke-others: current %q (was %q), others %q", cur, current, others)
	}

	// Revoking this device is a sign-out.
	if code, loc, _ := laptop.do("POST", "/sessions/revoke", url.Values{"id": {current}}); code != 303 || loc != "/sign-in?signed-out=1" {
		t.Fatalf("revoke own session: %d %q", code, loc)
	}
	if code, _, _ := laptop.do("GET", "/dashboard", nil); code != 303 {
		t.Fatalf("dashboard after revoking own session: %d", code)
	}
	// A form post with no session goes to sign in, not to a JSON error.
	if code, loc, _ := laptop.do("POST", "/sessions/revoke-others", url.Values{}); code != 303 || loc != "/sign-in?expired=1" {
		t.Fatalf("revoke-others signed out: %d %q", code, loc)
	}
}

func TestSignOutEverywhere(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	srv := newServer(t, clock, sessionkit.Config{})
	laptop, phone := newClient(t, srv), newClient(t, srv)
	laptop.signUp("Ada", "ada@example.com")
	phone.signIn("ada@example.com")

	clock.Advance(25 * time.Hour) // stale: the action asks for the password
	if code, loc, _ := laptop.do("POST", "/settings/sign-out-everywhere", url.Values{}); code != 303 || loc != "/sign-in?reauth=1&returnTo=%2Fsettings" {
		t.Fatalf("stale sign out everywhere: %d %q", code, loc)
	}
	laptop.signIn("ada@example.com")
	if code, loc, _ := laptop.do("POST", "/settings/sign-out-everywhere", url.Values{}); code != 303 || loc != "/sign-in?signed-out=1" {
		t.Fatalf("sign out everywhere: %d %q", code, loc)
	}
	for name, c := range map[string]*client{"laptop": laptop, "phone": phone} {
		if code, _, _ := c.do("GET", "/dashboard", nil); code != 303 {
			t.Errorf("%s still signed in: %d", name, code)
		}
	}
}

// TestCacheStrategies runs the app with every -cache value and -stateless,
// and checks the dashboard says what answered.
func TestCacheStrategies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args       []string
		wantSource string
	}{
		{nil, "store"},
		{[]string{"-cache", "compact"}, "compact"},
		{[]string{"-cache", "jwt"}, "jwt"},
		{[]string{"-cache", "jwe", "-cache-max-age", "1m"}, "jwe"},
		{[]string{"-cache", "securecookie"}, "securecookie"},
		{[]string{"-stateless"}, "jwe"},
		{[]string{"-stateless", "-cache", "compact"}, "compact"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			o, err := parseFlags(tc.args, func(string) string { return "" })
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := o.config()
			if err != nil {
				t.Fatal(err)
			}
			c := newClient(t, newServer(t, newTestClock(), cfg))
			c.signUp("Ada", "ada@example.com")
			for range 2 {
				code, _, body := c.do("GET", "/dashboard", nil)
				if code != 200 || !strings.Contains(body, `data-source="`+tc.wantSource+`"`) {
					t.Fatalf("dashboard: %d, want source %q\n%s", code, tc.wantSource, body)
				}
			}
			if code, _, _ := c.do("GET", "/sessions", nil); code != 200 {
				t.Fatalf("sessions page: %d", code)
			}
		})
	}
}

func TestSecureCookiesUnderHTTPS(t *testing.T) {
	t.Parallel()
	o, err := parseFlags([]string{"-base-url", "https://app.example.com", "-cookie-prefix", "demo"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := o.config()
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, newTestClock(), cfg)
	res := newClient(t, srv).res("POST", "/sign-up", url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"correct horse"}})
	set := strings.Join(res.Header.Values("Set-Cookie"), "\n")
	if !strings.Contains(set, "__Secure-demo.session_token=") || !strings.Contains(set, "Secure") {
		t.Fatalf("Set-Cookie under an https base URL:\n%s", set)
	}
}

// TestGetSessionForScript checks the contract static/session.js relies
// on: JSON null signed out, {session, user} signed in.
func TestGetSessionForScript(t *testing.T) {
	t.Parallel()
	srv := newServer(t, newTestClock(), sessionkit.Config{})
	c := newClient(t, srv)
	get := func() map[string]map[string]any {
		t.Helper()
		res := c.res("GET", "/api/auth/get-session", nil)
		var out map[string]map[string]any
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
			t.Fatalf("get-session: %v", err)
		}
		return out
	}
	if got := get(); got != nil {
		t.Fatalf("signed out: %v, want null", got)
	}
	c.signUp("Ada", "ada@example.com")
	got := get()
	if got["user"]["email"] != "ada@example.com" || got["session"]["expiresAt"] == nil {
		t.Fatalf("signed in: %v", got)
	}
}

func TestStaticAndHeaders(t *testing.T) {
	t.Parallel()
	srv := newServer(t, newTestClock(), sessionkit.Config{})
	c := newClient(t, srv)
	for _, tc := range []struct {
		path, wantType string
		wantCode       int
	}{
		{"/static/app.css", "text/css", 200},
		{"/static/session.js", "javascript", 200},
		{"/static/favicon.svg", "image/svg+xml", 200},
		{"/static/", "", 404},
		{"/static/nope.js", "", 404},
		{"/sign-in", "text/html", 200},
		{"/no-such-page", "text/html", 404},
	} {
		res := c.res("GET", tc.path, nil)
		if res.StatusCode != tc.wantCode || !strings.Contains(res.Header.Get("Content-Type"), tc.wantType) {
			t.Errorf("GET %s: %d %q, want %d %q", tc.path, res.StatusCode, res.Header.Get("Content-Type"), tc.wantCode, tc.wantType)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q", tc.path, csp)
		}
	}
	if _, _, body := c.do("GET", "/no-such-page", nil); !strings.Contains(body, "Page not found") {
		t.Errorf("404 page:\n%s", body)
	}
}

func TestCrossSiteSignOutRefused(t *testing.T) {
	t.Parallel()
	srv := newServer(t, newTestClock(), sessionkit.Config{})
	req, _ := http.NewRequest("POST", srv.URL+"/sign-out", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST: %d, want 403", res.StatusCode)
	}
}

// TestFlags is not parallel: it silences os.Stderr, where a bad flag's
// usage text goes.
func TestFlags(t *testing.T) {
	if null, err := os.Open(os.DevNull); err == nil {
		stderr := os.Stderr
		os.Stderr = null
		t.Cleanup(func() { os.Stderr = stderr; null.Close() })
	}
	defaults := options{addr: "localhost:8080", db: "example.db", cookiePrefix: "better-auth", cache: "off", rateLimit: true, multiSession: true}
	with := func(f func(*options)) options { o := defaults; f(&o); return o }
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		want    options
		wantErr string
	}{
		{name: "defaults", want: defaults},
		{
			name: "env over defaults",
			env: map[string]string{
				"ADDR": "127.0.0.1:9999", "DATABASE_PATH": "x.db", "BASE_URL": "https://x.example",
				"AUTH_SECRET": "s1,s2", "COOKIE_PREFIX": "myapp", "COOKIE_CACHE": "jwt",
				"COOKIE_CACHE_MAX_AGE": "10m", "STATELESS": "true", "FRESH_AGE": "1m",
				"DATABASE_URL": "postgres://localhost/db", "REDIS_ADDR": "localhost:6379",
				"TRUSTED_IP_HEADER": "X-Forwarded-For", "RATE_LIMIT": "false", "MULTI_SESSION": "false",
			},
			want: options{
				addr: "127.0.0.1:9999", db: "x.db", baseURL: "https://x.example", secret: "s1,s2",
				cookiePrefix: "myapp", cache: "jwt", cacheMaxAge: 10 * time.Minute, stateless: true,
				freshAge: time.Minute, postgres: "postgres://localhost/db", redis: "localhost:6379",
				trustedIPHeader: "X-Forwarded-For", rateLimit: false, multiSession: false,
			},
		},
		{
			name: "flags over env",
			args: []string{"-db", "y.db", "-cache", "compact", "-stateless=false", "-cache-max-age", "30s", "-secret", "flag-secret"},
			env:  map[string]string{"DATABASE_PATH": "x.db", "COOKIE_CACHE": "jwt", "STATELESS": "1", "COOKIE_CACHE_MAX_AGE": "10m", "AUTH_SECRET": "env-secret"},
			want: with(func(o *options) {
				o.db, o.cache, o.cacheMaxAge, o.secret = "y.db", "compact", 30*time.Second, "flag-secret"
			}),
		},
		{name: "empty env is unset", env: map[string]string{"ADDR": ""}, want: defaults},
		{name: "bad env duration", env: map[string]string{"COOKIE_CACHE_MAX_AGE": "soon"}, wantErr: "COOKIE_CACHE_MAX_AGE"},
		{name: "bad env bool", env: map[string]string{"STATELESS": "maybe"}, wantErr: "STATELESS"},
		{name: "bad flag", args: []string{"-fresh-age", "x"}, wantErr: "fresh-age"},
		{name: "unknown flag", args: []string{"-nope"}, wantErr: "nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseFlags(tc.args, func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o != tc.want {
				t.Fatalf("options\n got %+v\nwant %+v", o, tc.want)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	type want struct {
		Secret     string
		OldSecrets []string
		Cache      sessionkit.CookieCache
		Stateless  bool
		FreshAge   time.Duration
	}
	for _, tc := range []struct {
		name    string
		o       options
		want    want
		wantErr string
	}{
		{name: "no secret", o: options{cache: "off"}, want: want{}},
		{name: "one secret", o: options{secret: " s1 "}, want: want{Secret: "s1"}},
		{name: "rotation", o: options{secret: "new, old1,,old2"}, want: want{Secret: "new", OldSecrets: []string{"old1", "old2"}}},
		{name: "compact", o: options{cache: "compact", cacheMaxAge: time.Minute}, want: want{Cache: sessionkit.CookieCache{Enabled: true, Strategy: "compact", MaxAge: time.Minute}}},
		{name: "JWE in capitals", o: options{cache: "JWE"}, want: want{Cache: sessionkit.CookieCache{Enabled: true, Strategy: "jwe"}}},
		{name: "stateless", o: options{cache: "off", stateless: true, freshAge: time.Hour}, want: want{Stateless: true, FreshAge: time.Hour}},
		{name: "unknown cache", o: options{cache: "redis"}, wantErr: `-cache "redis"`},
		{name: "negative max age", o: options{cacheMaxAge: -time.Second}, wantErr: "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := tc.o.config()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := want{cfg.Secret, cfg.OldSecrets, cfg.CookieCache, cfg.Stateless, cfg.FreshAge}
			if len(got.OldSecrets) == 0 {
				got.OldSecrets = nil
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("config\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestHelp runs the command with -h: it exits 0, lists every flag with its
// environment variable, and does not echo values from the environment.
func TestHelp(t *testing.T) {
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-h")
	cmd.Env = append(os.Environ(), "SESSIONKIT_EXAMPLE_MAIN=1",
		"AUTH_SECRET=do-not-print-this-secret-0123456789abcdef",
		"DATABASE_URL=postgres://user:do-not-print-this-password@localhost/db")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("example -h: %v\n%s", err, out)
	}
	help := string(out)
	for flag, env := range map[string]string{
		"addr": "ADDR", "db": "DATABASE_PATH", "base-url": "BASE_URL", "secret": "AUTH_SECRET",
		"cookie-prefix": "COOKIE_PREFIX", "cache": "COOKIE_CACHE", "cache-max-age": "COOKIE_CACHE_MAX_AGE",
		"stateless": "STATELESS", "fresh-age": "FRESH_AGE", "postgres": "DATABASE_URL", "redis": "REDIS_ADDR",
	} {
		if !regexp.MustCompile(`(?m)^  -`+regexp.QuoteMeta(flag)+`( |$)`).MatchString(help) || !strings.Contains(help, "(env "+env+")") {
			t.Errorf("-h does not list -%s with env %s", flag, env)
		}
	}
	// Every flag, including ones added later, names its variable.
	lines := strings.Split(help, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "  -") && (i+1 >= len(lines) || !envInUsage.MatchString(lines[i+1])) {
			t.Errorf("flag %q has no (env NAME) in its usage", strings.TrimSpace(l))
		}
	}
	if strings.Contains(help, "do-not-print-this") {
		t.Errorf("-h printed a value from the environment:\n%s", help)
	}
}

func TestDeviceName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ ua, want string }{
		{"", "Unknown device"},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36", "Headless Chrome on Linux"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0", "Edge on Windows"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15", "Safari on macOS"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0 Mobile/15E148 Safari/604.1", "Chrome on iPhone"},
		{"Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0", "Firefox on Android"},
		{"Go-http-client/1.1", "Go program"},
		{"curl/8.5.0", "curl"},
		{"SomeBot/1.0 (+https://bot.example)", "SomeBot/1.0"},
		// A long name is cut at a character, not inside one.
		{strings.Repeat("a", 39) + "é/1.0", strings.Repeat("a", 39) + "…"},
	} {
		if got := deviceName(tc.ua); got != tc.want {
			t.Errorf("deviceName(%q) = %q, want %q", tc.ua, got, tc.want)
		}
	}
}

// TestSignInReplacesSession checks that signing in again in a browser (the
// re-authentication settings asks for) ends the session the browser held:
// otherwise it stays live, unreachable, and shows on the sessions page as a
// second device.
func TestSignInReplacesSession(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	srv := newServer(t, clock, sessionkit.Config{})
	laptop, phone := newClient(t, srv), newClient(t, srv)
	laptop.signUp("Ada", "ada@example.com")
	phone.signIn("ada@example.com")
	old, _ := sessionRows(t, laptop)

	clock.Advance(48 * time.Hour)
	form := url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}, "remember": {"on"}, "reauth": {"1"}, "returnTo": {"/settings"}}
	if code, loc, _ := laptop.do("POST", "/sign-in", form); code != 303 || loc != "/settings" {
		t.Fatalf("re-auth: %d %q", code, loc)
	}
	current, others := sessionRows(t, laptop)
	if current == "" || current == old || len(others) != 1 || others[0] == old {
		t.Fatalf("after re-auth: this device %q (was %q), others %q; want a new session and only the phone's", current, old, others)
	}
}

// TestStoreLabel checks the store the startup log names: the one in use,
// never a connection string (which may hold a password).
func TestStoreLabel(t *testing.T) {
	t.Parallel()
	const dsn = "postgres://app:hunter2@db.internal/app"
	for _, tc := range []struct {
		o    options
		want string
	}{
		{options{db: "example.db"}, "sqlite example.db"},
		{options{db: "example.db", postgres: dsn}, "postgres"},
		{options{db: "example.db", redis: "localhost:6379"}, "redis + sqlite example.db"},
		{options{db: "example.db", postgres: dsn, redis: "redis://:pw@cache:6379"}, "redis + postgres"},
	} {
		if got := tc.o.storeLabel(); got != tc.want {
			t.Errorf("storeLabel(%+v) = %q, want %q", tc.o, got, tc.want)
		}
	}
}

// TestFormsRateLimited: the sign-in and sign-up forms count against the
// client's address as the JSON API's endpoints do (3 per 10 seconds), and
// the sign-in form against the account too: the 4th attempt gets 429 with
// Retry-After, not another scrypt.
func TestFormsRateLimited(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		path string
		form func(i int) url.Values
	}{
		{"/sign-in", func(int) url.Values {
			return url.Values{"email": {"ada@example.com"}, "password": {"wrong password"}}
		}},
		{"/sign-up", func(i int) url.Values {
			return url.Values{"name": {"Ada"}, "email": {fmt.Sprintf("ada%d@example.com", i)}, "password": {"correct horse"}}
		}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, newTestClock(), sessionkit.Config{})
			for i := range 4 {
				res := newClient(t, srv).res("POST", tc.path, tc.form(i))
				res.Body.Close()
				if want := i == 3; (res.StatusCode == http.StatusTooManyRequests) != want || want && res.Header.Get("Retry-After") == "" {
					t.Fatalf("attempt %d: %d, Retry-After %q", i+1, res.StatusCode, res.Header.Get("Retry-After"))
				}
			}
		})
	}
}

// TestTrustedIPHeaderFlag: -trusted-ip-header reaches the Manager's config,
// so behind a proxy sessions and rate limits see the client's address.
func TestTrustedIPHeaderFlag(t *testing.T) {
	cfg, err := options{cache: "off", trustedIPHeader: "X-Forwarded-For"}.config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TrustedIPHeader != "X-Forwarded-For" {
		t.Fatalf("TrustedIPHeader = %q, want X-Forwarded-For", cfg.TrustedIPHeader)
	}
}
