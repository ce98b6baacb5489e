package main

import (
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/multisession"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

// newSwitcherServer runs the app as main.go configures it by default:
// with the account switcher.
func newSwitcherServer(t *testing.T) (*httptest.Server, *deleteFaultStore) {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "example.db"))
	if err != nil {
		t.Fatal(err)
	}
	st := &deleteFaultStore{Store: db}
	auth, err := sessionkit.New(sessionkit.Config{Secret: testSecret, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := multisession.New(auth, multisession.Config{})
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := account.New(auth, account.Config{Plugins: []account.Plugin{ms}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newFullApp(auth, accounts, appParts{multi: ms}))
	t.Cleanup(func() { srv.Close(); auth.Close(); db.Close() })
	return srv, st
}

// accountsOf returns the switcher's accounts on the dashboard, as
// "email" or "email*" for the active one.
func accountsOf(t *testing.T, c *client) string {
	t.Helper()
	code, _, body := c.do("GET", "/dashboard", nil)
	if code != 200 {
		t.Fatalf("dashboard: %d", code)
	}
	var out []string
	for _, m := range regexp.MustCompile(`data-active="(true|false)" data-email="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		if m[1] == "true" {
			m[2] += "*"
		}
		out = append(out, m[2])
	}
	return strings.Join(out, ",")
}

// sessionIDOf returns the session id of email's row in the switcher.
func sessionIDOf(t *testing.T, c *client, email string) string {
	t.Helper()
	_, _, body := c.do("GET", "/dashboard", nil)
	m := regexp.MustCompile(`data-email="` + regexp.QuoteMeta(email) + `">(?s:.*?)name="id" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no row of %s on the dashboard", email)
	}
	return m[1]
}

// TestAccountSwitcher: two accounts in one browser on the dashboard;
// switch, add, sign one out, sign every one out; a failing store keeps
// every cookie.
func TestAccountSwitcher(t *testing.T) {
	t.Parallel()
	srv, st := newSwitcherServer(t)
	c := newClient(t, srv)
	c.signUp("Ada", "ada@example.com")
	if got := accountsOf(t, c); got != "ada@example.com*" {
		t.Fatalf("after sign-up: %q", got)
	}
	// Adding an account: the sign-in page says so and keeps Ada.
	if code, _, body := c.do("GET", "/sign-in?add=1", nil); code != 200 || !strings.Contains(body, "Add an account") || !strings.Contains(body, `name="add" value="1"`) || strings.Contains(body, `value="ada@example.com"`) {
		t.Fatalf("add-account page: %d\n%s", code, body)
	}
	other := newClient(t, srv)
	other.signUp("Bob", "bob@example.com")
	if code, loc, _ := c.do("POST", "/sign-in", url.Values{"email": {"bob@example.com"}, "password": {"correct horse"}, "remember": {"on"}, "add": {"1"}}); code != 303 || loc != "/dashboard" {
		t.Fatalf("add Bob: %d %q", code, loc)
	}
	if got := accountsOf(t, c); got != "ada@example.com,bob@example.com*" {
		t.Fatalf("after adding Bob: %q", got)
	}
	// Switch to Ada.
	if code, loc, _ := c.do("POST", "/accounts/switch", url.Values{"id": {sessionIDOf(t, c, "ada@example.com")}}); code != 303 || loc != "/dashboard?done=switched" {
		t.Fatalf("switch: %d %q", code, loc)
	}
	if got := accountsOf(t, c); got != "ada@example.com*,bob@example.com" {
		t.Fatalf("after the switch: %q", got)
	}
	// A session id of another browser is not this browser's to switch to.
	if _, loc, _ := c.do("POST", "/accounts/switch", url.Values{"id": {sessionIDOf(t, other, "bob@example.com")}}); loc != "/dashboard?done=gone" {
		t.Fatalf("switch to another browser's session: %q", loc)
	}
	// Signing the active account out hands over to Bob.
	if code, loc, _ := c.do("POST", "/accounts/sign-out", url.Values{"id": {sessionIDOf(t, c, "ada@example.com")}}); code != 303 || loc != "/dashboard?done=signed-out" {
		t.Fatalf("sign Ada out: %d %q", code, loc)
	}
	if got := accountsOf(t, c); got != "bob@example.com*" {
		t.Fatalf("after signing Ada out: %q", got)
	}
	c.signIn("ada@example.com")
	if got := accountsOf(t, c); got != "bob@example.com,ada@example.com*" {
		t.Fatalf("after signing Ada in again: %q", got)
	}
	// Sign-out with the store failing: 503, every cookie kept.
	st.down.Store(true)
	res := c.res("POST", "/sign-out", url.Values{})
	if res.StatusCode != 503 || len(res.Header.Values("Set-Cookie")) != 0 {
		t.Fatalf("sign-out with the store failing: %d %q", res.StatusCode, res.Header.Values("Set-Cookie"))
	}
	st.down.Store(false)
	if got := accountsOf(t, c); got != "bob@example.com,ada@example.com*" {
		t.Fatalf("after the failed sign-out: %q", got)
	}
	// Sign-out signs both accounts out of this browser.
	if code, loc, _ := c.do("POST", "/sign-out", url.Values{}); code != 303 || loc != "/sign-in?signed-out=1" {
		t.Fatalf("sign-out: %d %q", code, loc)
	}
	u, _ := url.Parse(srv.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if strings.Contains(ck.Name, "session_token") {
			t.Fatalf("cookie %s left after sign-out", ck.Name)
		}
	}
	if code, _, _ := c.do("GET", "/dashboard", nil); code != 303 {
		t.Fatalf("dashboard after sign-out: %d", code)
	}
	// Bob's other browser is still signed in: only this browser's sessions ended.
	if got := accountsOf(t, other); got != "bob@example.com*" {
		t.Fatalf("the other browser: %q", got)
	}
}

// TestBrowserSwitcher drives the account switcher in headless Chromium:
// sign up, add a second account from the dashboard's link, switch back,
// sign the active account out (the other takes over). It fails on any
// console error, and saves a screenshot of the switcher.
func TestBrowserSwitcher(t *testing.T) {
	exe, artifacts := browserSetup(t)
	srv, _ := newSwitcherServer(t)
	newClient(t, srv).signUp("Bob", "bob@example.com")
	b := newBrowser(t, exe)
	tb := b.tab("switcher", b.root)
	tb.open(srv.URL + "/sign-up")
	tb.fill("#name", "Ada Lovelace")
	tb.fill("#email", "ada@example.com")
	tb.fill("#password", "correct horse battery")
	tb.submit("dashboard")
	if n := tb.count("#switcher li.session"); n != 1 {
		t.Fatalf("switcher lists %d accounts, want 1", n)
	}
	tb.click("#add-account", "sign-in")
	tb.wantText("h1", "Add an account")
	tb.fill("#email", "bob@example.com")
	tb.fill("#password", "correct horse")
	tb.submit("dashboard")
	tb.wantText("h1", "Hello, Bob")
	if n := tb.count("#switcher li.session"); n != 2 {
		t.Fatalf("switcher lists %d accounts, want 2", n)
	}
	tb.screenshot(filepath.Join(artifacts, "switcher.png"))
	tb.click(`#switcher li[data-email="ada@example.com"] button.switch`, "dashboard")
	tb.wantText("h1", "Hello, Ada Lovelace")
	tb.wantText(".notice", "Switched account")
	tb.click(`#switcher li[data-active="true"] button.sign-out-account`, "dashboard")
	tb.wantText("h1", "Hello, Bob")
	if n := tb.count("#switcher li.session"); n != 1 {
		t.Fatalf("switcher lists %d accounts after signing Ada out, want 1", n)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Fatalf("browser errors:\n%s", strings.Join(errs, "\n"))
	}
}

// TestSwitcherOff: with -multi-session=false there is no switcher: its
// forms are 404 and the dashboard shows none.
func TestSwitcherOff(t *testing.T) {
	t.Parallel()
	srv := newServer(t, newTestClock(), sessionkit.Config{})
	c := newClient(t, srv)
	c.signUp("Ada", "ada@example.com")
	for _, path := range []string{"/accounts/switch", "/accounts/sign-out"} {
		if code, _, _ := c.do("POST", path, url.Values{"id": {"x"}}); code != 404 {
			t.Fatalf("%s without the switcher: %d", path, code)
		}
	}
	if _, _, body := c.do("GET", "/dashboard", nil); strings.Contains(body, `id="switcher"`) {
		t.Fatal("a switcher on the dashboard with -multi-session=false")
	}
}
