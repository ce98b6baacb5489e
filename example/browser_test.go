package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/testenv"
)

// TestBrowser drives the app in a real, headless Chromium over loopback:
// sign up, sign out, sign in, the dashboard, a second device revoked from
// "your sessions", the fresh-gated settings page and its form asking for
// the password again, a sign-out followed by another tab, and sign out. It fails on any
// console error or uncaught exception, and saves screenshots to
// $SESSIONKIT_ARTIFACTS (or a temporary folder), logging where.
func TestBrowser(t *testing.T) {
	exe, artifacts := browserSetup(t)
	clock := newTestClock()
	srv := newServer(t, clock, sessionkit.Config{})
	b := newBrowser(t, exe)

	laptop := b.tab("laptop", b.root)
	laptop.signUp(srv.URL)

	laptop.click("#sign-out", "sign-in")
	laptop.wantText(".notice", "You are signed out")

	laptop.fill("#email", "ada@example.com")
	laptop.fill("#password", "correct horse battery")
	laptop.submit("dashboard")
	laptop.wantText("h1", "Hello, Ada Lovelace")
	laptop.wantText("#freshness", "fresh")
	laptop.wantText("#source", "session store")
	// session.js has asked get-session and found the session.
	laptop.do(chromedp.WaitVisible(chromedp.CSS(`#session-badge[data-state="active"][data-checked]`)))
	laptop.screenshot(filepath.Join(artifacts, "dashboard.png"))

	// A second device signs in as the same user.
	phone := b.tab("phone", laptop.ctx, chromedp.WithNewBrowserContext())
	phone.open(srv.URL + "/sign-in")
	phone.fill("#email", "ada@example.com")
	phone.fill("#password", "correct horse battery")
	phone.submit("dashboard")

	// The laptop revokes it on "your sessions".
	laptop.open(srv.URL + "/sessions")
	if n := laptop.count("li.session"); n != 2 {
		t.Fatalf("sessions page lists %d sessions, want 2", n)
	}
	laptop.screenshot(filepath.Join(artifacts, "sessions.png"))
	laptop.click(`li.session[data-current="false"] button.revoke`, "sessions")
	laptop.wantText(".notice", "That device is signed out")
	if n := laptop.count("li.session"); n != 1 {
		t.Fatalf("sessions page lists %d sessions after revoke, want 1", n)
	}

	// The phone is signed out at its next request.
	phone.open(srv.URL + "/dashboard")
	phone.waitPage("sign-in")
	phone.wantText(".notice", "Your session has ended")

	// Two days on, settings asks for the password and comes back.
	clock.Advance(48 * time.Hour)
	laptop.open(srv.URL + "/settings")
	laptop.waitPage("sign-in")
	laptop.wantText("h1", "Confirm it")
	if u := laptop.url(); u.Query().Get("returnTo") != "/settings" {
		t.Fatalf("re-auth page at %s, want returnTo=/settings", u)
	}
	laptop.fill("#password", "correct horse battery")
	laptop.submit("settings")
	laptop.wantText("h1", "Account settings")

	// Two more days: the settings form, posted from a stale session, gets
	// the re-authentication page (not a JSON error) and comes back to the
	// settings page; each sign-in ended the session it replaced.
	clock.Advance(48 * time.Hour)
	laptop.click("#sign-out-everywhere", "sign-in")
	laptop.wantText("h1", "Confirm it")
	if u := laptop.url(); u.Query().Get("returnTo") != "/settings" {
		t.Fatalf("re-auth page after a stale form post at %s, want returnTo=/settings", u)
	}
	laptop.fill("#password", "correct horse battery")
	laptop.submit("settings")
	laptop.wantText("h1", "Account settings")
	laptop.open(srv.URL + "/sessions")
	if n := laptop.count("li.session"); n != 1 {
		t.Fatalf("sessions page lists %d sessions after two re-authentications, want 1", n)
	}

	// A sign-out in one tab signs the other tabs out too (localStorage
	// "better-auth.message" and the storage event).
	other := b.tab("laptop, second tab", laptop.ctx)
	other.open(srv.URL + "/dashboard")
	other.waitPage("dashboard")
	other.do(chromedp.WaitVisible(chromedp.CSS(`#session-badge[data-state="active"][data-checked]`)))
	laptop.click("#sign-out", "sign-in")
	other.waitPath("/sign-in", 10*time.Second)

	laptop.open(srv.URL + "/dashboard")
	laptop.waitPage("sign-in")
	laptop.screenshot(filepath.Join(artifacts, "sign-in.png"))
	t.Logf("screenshots in %s (dashboard.png, sessions.png, sign-in.png)", artifacts)

	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Fatalf("the pages logged errors:\n%s", strings.Join(errs, "\n"))
	}
}

// browser is one headless Chromium for a test, and the console errors of
// all its tabs.
type browser struct {
	t    *testing.T
	root context.Context // the allocator, with the test's deadline

	mu   sync.Mutex
	errs []string
}

// browserSetup skips in -short mode or without Chromium (fails in CI),
// and returns Chromium's path and the folder for screenshots:
// $SESSIONKIT_ARTIFACTS, or a temporary one.
func browserSetup(t *testing.T) (exe, artifacts string) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	exe = testenv.LookPath(t, "chromium", "install chromium (apt-get install chromium)")
	artifacts = os.Getenv("SESSIONKIT_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	} else if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	return exe, artifacts
}

func newBrowser(t *testing.T, exe string) *browser {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 820),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	return &browser{t: t, root: ctx}
}

func (b *browser) record(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errs = append(b.errs, fmt.Sprintf(format, args...))
}

func (b *browser) consoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errs...)
}

// tab opens a tab: in a new browser, from the allocator; in the parent's
// browser context, from a tab; in a new browser context (another device)
// with chromedp.WithNewBrowserContext.
func (b *browser) tab(name string, parent context.Context, opts ...chromedp.ContextOption) *tab {
	opts = append(opts, chromedp.WithListener(func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var args []string
				for _, a := range ev.Args {
					args = append(args, cmpOr(string(a.Value), a.Description))
				}
				b.record("%s: console.error(%s)", name, strings.Join(args, ", "))
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			b.record("%s: uncaught exception at %s:%d: %s", name, d.URL, d.LineNumber, msg)
		case *log.EventEntryAdded:
			// The browser's own errors: a failed load, a CSP violation.
			if ev.Entry.Level == log.EntryLevelError {
				b.record("%s: %s error: %s %s", name, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
			}
		}
	}))
	ctx, cancel := chromedp.NewContext(parent, opts...)
	b.t.Cleanup(cancel)
	tb := &tab{t: b.t, name: name, ctx: ctx}
	tb.do() // start the tab now, so its listener sees every event
	return tb
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// tab is one browser tab; its methods fail the test on error.
type tab struct {
	t    *testing.T
	name string
	ctx  context.Context
}

func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v", tb.name, err)
	}
}

func (tb *tab) open(u string) { tb.t.Helper(); tb.do(chromedp.Navigate(u)) }

func (tb *tab) fill(sel, text string) {
	tb.t.Helper()
	tb.do(chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text))
}

// signUp signs Ada Lovelace up on the app at base and waits for the
// dashboard.
func (tb *tab) signUp(base string) {
	tb.t.Helper()
	tb.open(base + "/sign-up")
	tb.fill("#name", "Ada Lovelace")
	tb.fill("#email", "ada@example.com")
	tb.fill("#password", "correct horse battery")
	tb.submit("dashboard")
}

// submit clicks the page's main form button and waits for the next page.
func (tb *tab) submit(page string) {
	tb.t.Helper()
	tb.click(`main form button[type="submit"]`, page)
}

// click clicks sel and waits for the page template named page.
func (tb *tab) click(sel, page string) {
	tb.t.Helper()
	// Mark the document, so the wait below cannot match the old page.
	tb.do(chromedp.Evaluate[chromedp.Void](`document.body.dataset.stale = "1"`))
	tb.do(chromedp.Click(chromedp.CSS(sel)))
	tb.waitPage(page)
}

func (tb *tab) waitPage(page string) {
	tb.t.Helper()
	tb.do(chromedp.WaitVisible(chromedp.CSS(`body[data-page="` + page + `"]:not([data-stale])`)))
}

func (tb *tab) wantText(sel, want string) {
	tb.t.Helper()
	got, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("%s: text of %s: %v", tb.name, sel, err)
	}
	if !strings.Contains(got, want) {
		tb.t.Fatalf("%s: %s says %q, want %q", tb.name, sel, got, want)
	}
}

func (tb *tab) count(sel string) int {
	tb.t.Helper()
	n, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		tb.t.Fatalf("%s: count %s: %v", tb.name, sel, err)
	}
	return n
}

func (tb *tab) url() *url.URL {
	tb.t.Helper()
	loc, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		tb.t.Fatalf("%s: location: %v", tb.name, err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		tb.t.Fatal(err)
	}
	return u
}

// waitPath waits for the tab to arrive at path by itself (a script's
// navigation), polling its location.
func (tb *tab) waitPath(path string, timeout time.Duration) {
	tb.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		u := tb.url()
		if u.Path == path {
			return
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("%s: still at %s after %v, want %s", tb.name, u, timeout, path)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (tb *tab) screenshot(file string) {
	tb.t.Helper()
	png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatalf("%s: screenshot: %v", tb.name, err)
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("%s: screenshot %s", tb.name, file)
}

// TestBrowserAPIToken: with -bearer, the dashboard's API token panel in a
// real Chromium: its copy button puts the token on the clipboard, and the
// token, sent by a script as the curl line sends it, reads the session
// (no cookie: credentials "omit"). No console error, no CSP violation.
func TestBrowserAPIToken(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	exe := testenv.LookPath(t, "chromium", "install chromium (apt-get install chromium)")
	srv := newServer(t, newTestClock(), sessionkit.Config{Bearer: sessionkit.Bearer{Enabled: true}})
	b := newBrowser(t, exe)
	tb := b.tab("laptop", b.root)
	tb.signUp(srv.URL)
	tb.wantText("#api-curl", "curl -H 'Authorization: Bearer ")
	tb.wantText("#api-curl", srv.URL+"/api/auth/get-session")

	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(tb.ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: name}, Setting: cdpbrowser.PermissionSettingGranted, Origin: srv.URL,
		}); err != nil {
			t.Fatalf("grant %s: %v", name, err)
		}
	}
	tb.do(chromedp.Click(chromedp.CSS(`button[data-copy="api-token-value"]`)))
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		label, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(`button[data-copy="api-token-value"]`)))
		if err == nil && label == "Copied" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the copy button says %q (%v), want Copied", label, err)
		}
	}
	copied, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAsValue, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("clipboard: %v", err)
	}
	token, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.getElementById("api-token-value").value`))
	if err != nil || copied != token || token == "" {
		t.Fatalf("copied %q, token field %q (%v)", copied, token, err)
	}
	email, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`fetch("/api/auth/get-session", {credentials: "omit", headers: {Authorization: "Bearer " + %q}}).then(r => r.json()).then(s => s ? s.user.email : "null")`, token),
		chromedp.EvalAwaitPromise))
	if err != nil || email != "ada@example.com" {
		t.Fatalf("get-session with the copied token from the page: %q, %v", email, err)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Fatalf("the pages logged errors:\n%s", strings.Join(errs, "\n"))
	}
}
