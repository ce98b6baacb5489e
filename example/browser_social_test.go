package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/internal/testenv"
)

// socialServer runs the app with the demo provider (-demo-oidc) over
// loopback, BaseURL set to its own address.
func socialServer(t *testing.T) *httptest.Server {
	t.Helper()
	var app http.Handler = http.NotFoundHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { app.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	auth, err := sessionkit.New(sessionkit.Config{Secret: testSecret, BaseURL: srv.URL,
		DatabasePath: filepath.Join(t.TempDir(), "example.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auth.Close() })
	accounts, err := account.New(auth, account.Config{})
	if err != nil {
		t.Fatal(err)
	}
	soc, closeSocial, err := newSocial(socialOptions{demoOIDC: true}, auth, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeSocial)
	app = newFullApp(auth, accounts, appParts{social: soc})
	return srv
}

// TestBrowserSocial signs in with the demo OpenID Connect provider in a
// real, headless Chromium: the button, the provider's page, the dashboard;
// then a sign-in refused at the provider comes back to the sign-in page
// with its message, signed out.
func TestBrowserSocial(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	exe := testenv.LookPath(t, "chromium", "install chromium (apt-get install chromium)")
	srv := socialServer(t)
	b := newBrowser(t, exe)

	tb := b.tab("laptop", b.root)
	tb.open(srv.URL + "/sign-in")
	tb.waitPage("sign-in")
	tb.wantText("#sign-in-oidc", "Sign in with the demo provider")
	tb.toProvider("#oidctest-allow")
	tb.fill("#oidctest-email", "grace@example.com")
	tb.fill("#oidctest-name", "Grace Hopper")
	tb.click("#oidctest-allow", "dashboard")
	tb.wantText("h1", "Hello, Grace Hopper")
	tb.do(chromedp.WaitVisible(chromedp.CSS(`#session-badge[data-state="active"][data-checked]`)))

	tb.click("#sign-out", "sign-in")
	tb.toProvider("#oidctest-deny")
	tb.click("#oidctest-deny", "sign-in")
	tb.wantText(".error", "You cancelled the sign-in")
	if u := tb.url(); u.Query().Get("error") != "access_denied" {
		t.Errorf("after a refusal the browser is at %s, want ?error=access_denied", u)
	}
	tb.open(srv.URL + "/dashboard")
	tb.waitPage("sign-in")

	// Signing in again finds the same user (the account row links it).
	tb.toProvider("#oidctest-allow")
	tb.fill("#oidctest-email", "grace@example.com")
	tb.click("#oidctest-allow", "dashboard")
	tb.wantText("h1", "Hello, Grace Hopper")

	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Fatalf("the pages logged errors:\n%s", strings.Join(errs, "\n"))
	}
}

// toProvider clicks the "Sign in with the demo provider" button and waits
// for the provider's page to show sel.
func (tb *tab) toProvider(sel string) {
	tb.t.Helper()
	tb.do(chromedp.Evaluate[chromedp.Void](`document.body.dataset.stale = "1"`))
	tb.do(chromedp.Click(chromedp.CSS("#sign-in-oidc")))
	tb.do(chromedp.WaitVisible(chromedp.CSS(sel)))
}
