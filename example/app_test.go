package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

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
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(b)
}

func newServer(t *testing.T, now func() time.Time) *httptest.Server {
	auth, err := sessionkit.New(sessionkit.Config{
		Secret:       "example-test-secret-0123456789abcdefghijkl",
		DatabasePath: filepath.Join(t.TempDir(), "example.db"),
		Now:          now,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newApp(auth))
	t.Cleanup(func() { srv.Close(); auth.Close() })
	return srv
}

func TestExampleFlow(t *testing.T) {
	clock := time.Now()
	srv := newServer(t, func() time.Time { return clock })
	c := newClient(t, srv)

	if code, loc, _ := c.do("GET", "/dashboard", nil); code != 303 || !strings.HasPrefix(loc, "/sign-in?returnTo=%2Fdashboard") {
		t.Fatalf("signed-out dashboard: %d %q", code, loc)
	}
	if code, _, body := c.do("POST", "/sign-up", url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"short"}}); code != 400 || !strings.Contains(body, "at least 8") {
		t.Fatalf("short password: %d", code)
	}
	if code, loc, _ := c.do("POST", "/sign-up", url.Values{"name": {"Ada <b>"}, "email": {"ada@example.com"}, "password": {"correct horse"}}); code != 303 || loc != "/dashboard" {
		t.Fatalf("sign up: %d %q", code, loc)
	}
	code, _, body := c.do("GET", "/dashboard", nil)
	if code != 200 || !strings.Contains(body, "Hello, Ada &lt;b&gt;") || !strings.Contains(body, "ada@example.com") || !strings.Contains(body, ">fresh<") {
		t.Fatalf("dashboard: %d\n%s", code, body)
	}
	if code, _, body := c.do("GET", "/settings", nil); code != 200 || !strings.Contains(body, "Account settings") {
		t.Fatalf("settings while fresh: %d", code)
	}
	// Taken email is shown on the page.
	other := newClient(t, srv)
	if code, _, body := other.do("POST", "/sign-up", url.Values{"name": {"Eve"}, "email": {"ADA@example.com"}, "password": {"12345678"}}); code != 409 || !strings.Contains(body, "already registered") {
		t.Fatalf("taken email: %d", code)
	}
	if code, _, body := other.do("POST", "/sign-in", url.Values{"email": {"ada@example.com"}, "password": {"wrong password"}}); code != 401 || !strings.Contains(body, "Wrong email or password") {
		t.Fatalf("wrong password: %d", code)
	}

	// Two days on, settings sends the stale session to sign in again and
	// brings it back.
	clock = clock.Add(48 * time.Hour)
	code, loc, _ := c.do("GET", "/settings", nil)
	if code != 303 || loc != "/sign-in?reauth=1&returnTo=%2Fsettings" {
		t.Fatalf("stale settings: %d %q", code, loc)
	}
	if code, _, body := c.do("GET", loc, nil); code != 200 || !strings.Contains(body, "Confirm it") || !strings.Contains(body, `value="/settings"`) {
		t.Fatalf("re-auth page: %d\n%s", code, body)
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

	// Sign out.
	if code, loc, _ := c.do("POST", "/sign-out", url.Values{}); code != 303 || loc != "/sign-in" {
		t.Fatalf("sign out: %d %q", code, loc)
	}
	if code, _, _ := c.do("GET", "/dashboard", nil); code != 303 {
		t.Fatalf("dashboard after sign-out: %d", code)
	}
}

func TestCrossSiteSignOutRefused(t *testing.T) {
	srv := newServer(t, time.Now)
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

func TestFlags(t *testing.T) {
	env := map[string]string{"ADDR": "127.0.0.1:9999", "DATABASE_PATH": "x.db"}
	o, err := parseFlags([]string{"-db", "y.db"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if o.addr != "127.0.0.1:9999" || o.db != "y.db" {
		t.Fatalf("options %+v: flags must win over env, env over defaults", o)
	}
}
