package multisession_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/multisession"
)

// TestMultiCookieWire: a sign-in sets Better Auth's multi cookie: the
// session cookie's name + "_multi-" + the token in lower case, the token
// signed as the session cookie, the session cookie's attributes and
// Max-Age ExpiresIn (even with remember-me off); __Secure- under https.
func TestMultiCookieWire(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		base, name string
		secure     bool
	}{
		{"http://localhost:3000", "better-auth.session_token_multi-", false},
		{"https://app.example.com", "__Secure-better-auth.session_token_multi-", true},
	} {
		t.Run(tc.base, func(t *testing.T) {
			e := newEnv(t, envOpts{cfg: sessionkit.Config{BaseURL: tc.base}})
			email := e.user("Ada")
			b := newBrowser()
			res := e.do(b, "POST", "/sign-in/email", map[string]any{"email": email, "password": password, "rememberMe": false})
			var out struct{ Token string }
			res.decode(t, &out)
			var line, tokenLine string
			for _, l := range res.setCookie {
				if strings.HasPrefix(l, tc.name) {
					line = l
				}
				if strings.HasPrefix(l, strings.TrimSuffix(tc.name, "_multi-")+"=") {
					tokenLine = l
				}
			}
			if line == "" {
				t.Fatalf("no multi cookie in %q", res.setCookie)
			}
			c, err := http.ParseSetCookie(line)
			if err != nil {
				t.Fatal(err)
			}
			tok, _ := http.ParseSetCookie(tokenLine)
			if c.Name != tc.name+strings.ToLower(out.Token) || c.Value != tok.Value {
				t.Fatalf("multi cookie %s=%s, want %s%s = the session cookie's value %s", c.Name, c.Value, tc.name, strings.ToLower(out.Token), tok.Value)
			}
			if c.MaxAge != 7*24*3600 || c.Path != "/" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tc.secure {
				t.Fatalf("multi cookie attributes: %s", line)
			}
			if e.p.CookieName(out.Token) != c.Name {
				t.Fatalf("CookieName = %s, cookie %s", e.p.CookieName(out.Token), c.Name)
			}
		})
	}
}

// TestAccountsInOneBrowser: two users sign in in one browser; both are
// listed, in cookie order, one entry per user; a second sign-in of a user
// ends that user's earlier session of the browser and replaces its cookie.
func TestAccountsInOneBrowser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ada, bob := e.user("Ada"), e.user("Bob")
	b := newBrowser()
	t1 := e.signIn(b, ada)
	t2 := e.signIn(b, bob)
	if got := emails(e.list(b)); got != ada+","+bob {
		t.Fatalf("listed %q", got)
	}
	if e.active(b) != t2 {
		t.Fatal("the last sign-in is not the active session")
	}
	t3 := e.signIn(b, ada)
	if e.exists(t1) {
		t.Fatal("Ada's earlier session of this browser is still live")
	}
	if b.has(e.p.CookieName(t1)) || !b.has(e.p.CookieName(t3)) {
		t.Fatalf("multi cookies %q", b.multi())
	}
	list := e.list(b)
	if got := emails(list); got != bob+","+ada || list[1].Session.Token != t3 {
		t.Fatalf("listed %q", got)
	}
	// Without cookies, the list is empty, not null.
	if res := e.do(nil, "GET", multisession.PathList, nil); res.status != 200 || res.body != "[]" {
		t.Fatalf("list without cookies: %d %s", res.status, res.body)
	}
}

// TestMaximumSessions: past MaximumSessions a sign-in still signs in, but
// the session gets no multi cookie and is not listed.
func TestMaximumSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{ms: multisession.Config{MaximumSessions: 2}})
	b := newBrowser()
	e.signIn(b, e.user("Ada"))
	e.signIn(b, e.user("Bob"))
	third := e.signIn(b, e.user("Cy"))
	if e.active(b) != third {
		t.Fatal("the third sign-in is not active")
	}
	if n := len(b.multi()); n != 2 {
		t.Fatalf("%d multi cookies, want 2", n)
	}
	if got := emails(e.list(b)); got != "ada@example.com,bob@example.com" {
		t.Fatalf("listed %q", got)
	}
}

// TestSetActive switches the session cookie and the cookie cache to
// another session of the browser, and refuses what Better Auth refuses.
func TestSetActive(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{cfg: sessionkit.Config{CookieCache: sessionkit.CookieCache{Enabled: true, Strategy: "compact"}}})
	ada, bob := e.user("Ada"), e.user("Bob")
	b := newBrowser()
	t1 := e.signIn(b, ada)
	e.signIn(b, bob)

	res := e.do(b, "POST", multisession.PathSetActive, map[string]any{"sessionToken": t1})
	var out device
	res.decode(t, &out)
	if res.status != 200 || out.Session.Token != t1 || out.User.Email != ada {
		t.Fatalf("set-active: %d %s", res.status, res.body)
	}
	// The cache cookie now holds Ada: a lookup answered by it alone.
	l, err := e.m.LookupHeader(context.Background(), http.Header{"Cookie": {b.header()}}, sessionkit.LookupOptions{})
	if err != nil || l.Found.User.Email != ada || l.Found.Source != "compact" {
		t.Fatalf("after set-active: %v %+v", err, l.Found)
	}
	// Any case of the token names the same cookie, as in Better Auth.
	if res := e.do(b, "POST", multisession.PathSetActive, map[string]any{"sessionToken": strings.ToUpper(t1)}); res.status != 200 {
		t.Fatalf("upper-cased token: %d %s", res.status, res.body)
	}

	invalid := `{"message":"Invalid session token","code":"INVALID_SESSION_TOKEN"}`
	other := newBrowser()
	otherTok := e.signIn(other, e.user("Eve"))
	for name, body := range map[string]any{
		"a token not in the browser's multi cookies": map[string]any{"sessionToken": otherTok},
		"an unknown token":                           map[string]any{"sessionToken": "nosuchtoken"},
	} {
		res := e.do(b, "POST", multisession.PathSetActive, body)
		if res.status != 401 || res.body != invalid || len(res.setCookie) != 0 {
			t.Fatalf("%s: %d %s %q", name, res.status, res.body, res.setCookie)
		}
	}
	if e.active(b) != t1 {
		t.Fatal("a refused set-active changed the active session")
	}
	if res := e.do(b, "POST", multisession.PathSetActive, map[string]any{}); res.status != 400 ||
		res.body != `{"message":"[body.sessionToken] Invalid input: expected string, received undefined","code":"VALIDATION_ERROR"}` {
		t.Fatalf("no sessionToken: %d %s", res.status, res.body)
	}
}

// TestForgedMultiCookies: a multi cookie with a bad signature, or a
// validly signed token under another token's name, is never listed nor
// made active.
func TestForgedMultiCookies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	b := newBrowser()
	tok := e.signIn(b, e.user("Ada"))
	victim := newBrowser()
	vtok := e.signIn(victim, e.user("Vic"))

	forged := newBrowser()
	forged.apply(nil)
	good := b.vals[e.p.CookieName(tok)]
	badSig := vtok + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D"
	forged.names = []string{e.p.CookieName(vtok), e.p.CookieName("renamed" + strings.ToLower(tok[7:]))}
	forged.vals = map[string]string{e.p.CookieName(vtok): badSig, e.p.CookieName("renamed" + strings.ToLower(tok[7:])): good}
	if list := e.list(forged); len(list) != 0 {
		t.Fatalf("forged cookies listed %q", emails(list))
	}
	res := e.do(forged, "POST", multisession.PathSetActive, map[string]any{"sessionToken": vtok})
	if res.status != 401 || e.active(forged) != "" {
		t.Fatalf("set-active with a forged cookie: %d %s", res.status, res.body)
	}
}

// TestEndedSessionsRefused: a multi cookie of a session revoked (on this
// or any instance: the store is read), or expired, is not listed; making
// it active is refused and its cookie expired.
func TestEndedSessionsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ada, bob := e.user("Ada"), e.user("Bob")
	b := newBrowser()
	t1 := e.signIn(b, ada)
	e.signIn(b, bob)
	u, _ := e.m.Store().UserByEmail(context.Background(), ada)
	if err := e.m.RevokeSession(context.Background(), u.ID, t1); err != nil {
		t.Fatal(err)
	}
	if got := emails(e.list(b)); got != bob {
		t.Fatalf("listed %q after Ada's session was revoked", got)
	}
	res := e.do(b, "POST", multisession.PathSetActive, map[string]any{"sessionToken": t1})
	if res.status != 401 || !strings.Contains(res.body, "INVALID_SESSION_TOKEN") {
		t.Fatalf("set-active of a revoked session: %d %s", res.status, res.body)
	}
	if b.has(e.p.CookieName(t1)) {
		t.Fatal("the revoked session's multi cookie was not expired")
	}
}

// TestRevoke ends one session of the browser: another one stays active;
// the active one hands over to the next; the last one clears the cookies.
func TestRevoke(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ada, bob, cy := e.user("Ada"), e.user("Bob"), e.user("Cy")
	b := newBrowser()
	t1 := e.signIn(b, ada)
	t2 := e.signIn(b, bob)
	t3 := e.signIn(b, cy)

	res := e.do(b, "POST", multisession.PathRevoke, map[string]any{"sessionToken": t2})
	if res.status != 200 || res.body != `{"status":true}` || e.exists(t2) || b.has(e.p.CookieName(t2)) || e.active(b) != t3 {
		t.Fatalf("revoke another: %d %s", res.status, res.body)
	}
	res = e.do(b, "POST", multisession.PathRevoke, map[string]any{"sessionToken": t3})
	if res.status != 200 || e.exists(t3) || e.active(b) != t1 {
		t.Fatalf("revoke the active one: %d %s, active %q", res.status, res.body, e.active(b))
	}
	res = e.do(b, "POST", multisession.PathRevoke, map[string]any{"sessionToken": t1})
	if res.status != 200 || e.exists(t1) || len(b.vals) != 0 {
		t.Fatalf("revoke the last one: %d %s, cookies %q", res.status, res.body, b.header())
	}
	res = e.do(b, "POST", multisession.PathRevoke, map[string]any{"sessionToken": t1})
	if res.status != 401 || res.body != `{"message":"Unauthorized","code":"UNAUTHORIZED"}` {
		t.Fatalf("revoke without a session: %d %s", res.status, res.body)
	}
	// A token the browser holds no multi cookie of.
	c := newBrowser()
	e.signIn(c, ada)
	other := newBrowser()
	otherTok := e.signIn(other, bob)
	res = e.do(c, "POST", multisession.PathRevoke, map[string]any{"sessionToken": otherTok})
	if res.status != 401 || !strings.Contains(res.body, "INVALID_SESSION_TOKEN") || !e.exists(otherTok) {
		t.Fatalf("revoke of another browser's session: %d %s", res.status, res.body)
	}
}

// TestSignOutEndsAll: sign-out ends every session of the browser and
// expires every cookie.
func TestSignOutEndsAll(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	b := newBrowser()
	t1 := e.signIn(b, e.user("Ada"))
	t2 := e.signIn(b, e.user("Bob"))
	res := e.do(b, "POST", "/sign-out", nil)
	if res.status != 200 || e.exists(t1) || e.exists(t2) || len(b.vals) != 0 {
		t.Fatalf("sign-out: %d %s; cookies left %q", res.status, res.body, b.header())
	}
}

// TestFailClosed injects store failures into every path: each answers
// 503, sets no cookie, and the retry after the store is back finishes.
func TestFailClosed(t *testing.T) {
	t.Parallel()
	t.Run("sign-out", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		b := newBrowser()
		t1 := e.signIn(b, e.user("Ada"))
		t2 := e.signIn(b, e.user("Bob"))
		before := b.header()
		e.st.setFailRead(t1) // Ada's session cannot be read, so not ended
		res := e.do(b, "POST", "/sign-out", nil)
		if res.status != 503 || len(res.setCookie) != 0 || b.header() != before || !e.exists(t1) {
			t.Fatalf("sign-out with the store failing: %d %s %q", res.status, res.body, res.setCookie)
		}
		e.st.setFailRead()
		if res := e.do(b, "POST", "/sign-out", nil); res.status != 200 || e.exists(t1) || e.exists(t2) || len(b.vals) != 0 {
			t.Fatalf("retry: %d %s", res.status, res.body)
		}
	})
	t.Run("revoke", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		b := newBrowser()
		t1 := e.signIn(b, e.user("Ada"))
		t2 := e.signIn(b, e.user("Bob"))
		before := b.header()
		e.st.failDelete.Store(true)
		res := e.do(b, "POST", multisession.PathRevoke, map[string]any{"sessionToken": t2})
		if res.status != 503 || len(res.setCookie) != 0 || b.header() != before || !e.exists(t2) {
			t.Fatalf("revoke, delete failing: %d %s %q", res.status, res.body, res.setCookie)
		}
		e.st.failDelete.Store(false)
		e.st.setFailRead(t1) // the next session cannot be read
		res = e.do(b, "POST", multisession.PathRevoke, map[string]any{"sessionToken": t2})
		if res.status != 503 || len(res.setCookie) != 0 || b.header() != before {
			t.Fatalf("revoke, next session unreadable: %d %s %q", res.status, res.body, res.setCookie)
		}
		e.st.setFailRead()
		if res := e.do(b, "POST", multisession.PathRevoke, map[string]any{"sessionToken": t2}); res.status != 200 || e.active(b) != t1 {
			t.Fatalf("retry: %d %s", res.status, res.body)
		}
	})
	t.Run("set-active and list", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		b := newBrowser()
		t1 := e.signIn(b, e.user("Ada"))
		t2 := e.signIn(b, e.user("Bob"))
		e.st.setFailRead(t1)
		res := e.do(b, "POST", multisession.PathSetActive, map[string]any{"sessionToken": t1})
		if res.status != 503 || len(res.setCookie) != 0 || e.active(b) != t2 {
			t.Fatalf("set-active: %d %s %q", res.status, res.body, res.setCookie)
		}
		if res := e.do(b, "GET", multisession.PathList, nil); res.status != 503 {
			t.Fatalf("list: %d %s", res.status, res.body)
		}
	})
	t.Run("sign-in hook", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		ada := e.user("Ada")
		b := newBrowser()
		t1 := e.signIn(b, ada)
		before := b.header()
		e.st.setFailRead(t1) // is the browser's session Ada's? unknown
		res := e.do(b, "POST", "/sign-in/email", map[string]any{"email": ada, "password": password})
		if res.status != 503 || len(res.setCookie) != 0 || b.header() != before || strings.Contains(res.body, "token") {
			t.Fatalf("sign-in, hook failing: %d %s %q", res.status, res.body, res.setCookie)
		}
		u, _ := e.m.Store().UserByEmail(context.Background(), ada)
		list, _ := e.m.ListSessions(context.Background(), u.ID)
		if len(list) != 1 || list[0].Token != t1 {
			t.Fatalf("the failed sign-in left sessions %+v", list)
		}
		e.st.setFailRead()
		t2 := e.signIn(b, ada)
		if e.exists(t1) || e.active(b) != t2 {
			t.Fatal("retry")
		}
	})
}

// TestGoAPI: SignIn, List, SetActive, Revoke and SignOut for
// server-rendered apps, with their errors.
func TestGoAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	ada, _ := e.a.CreateUser(ctx, "Ada", "ada@example.com", password)
	bob, _ := e.a.CreateUser(ctx, "Bob", "bob@example.com", password)
	b := newBrowser()
	call := func(fn func(w http.ResponseWriter, r *http.Request)) {
		r, _ := http.NewRequest("POST", origin+"/", nil)
		r.Header.Set("Cookie", b.header())
		w := &headerRecorder{h: http.Header{}}
		fn(w, r)
		b.apply(w.h.Values("Set-Cookie"))
	}
	var s1, s2 *sessionkit.Session
	call(func(w http.ResponseWriter, r *http.Request) {
		var err error
		if s1, err = e.p.SignIn(w, r, ada.ID, sessionkit.SignInOptions{KeepPrevious: true}); err != nil {
			t.Fatal(err)
		}
	})
	call(func(w http.ResponseWriter, r *http.Request) {
		var err error
		if s2, err = e.p.SignIn(w, r, bob.ID, sessionkit.SignInOptions{KeepPrevious: true}); err != nil {
			t.Fatal(err)
		}
	})
	call(func(w http.ResponseWriter, r *http.Request) {
		list, err := e.p.List(r)
		if err != nil || len(list) != 2 || list[0].User.ID != ada.ID || list[1].User.ID != bob.ID {
			t.Fatalf("List: %v %+v", err, list)
		}
		if _, err := e.p.SetActive(w, r, "nosuchtoken"); !errors.Is(err, multisession.ErrInvalidToken) {
			t.Fatalf("SetActive of an unknown token: %v", err)
		}
	})
	call(func(w http.ResponseWriter, r *http.Request) {
		if _, err := e.p.SetActive(w, r, s1.Session.Token); err != nil {
			t.Fatal(err)
		}
	})
	if e.active(b) != s1.Session.Token {
		t.Fatal("SetActive did not switch")
	}
	e.st.failDelete.Store(true)
	before := b.header()
	call(func(w http.ResponseWriter, r *http.Request) {
		if err := e.p.SignOut(w, r); !errors.Is(err, errInjected) {
			t.Fatalf("SignOut with the store failing: %v", err)
		}
	})
	if b.header() != before {
		t.Fatal("a failed SignOut changed cookies")
	}
	e.st.failDelete.Store(false)
	call(func(w http.ResponseWriter, r *http.Request) {
		if err := e.p.SignOut(w, r); err != nil {
			t.Fatal(err)
		}
	})
	if e.exists(s1.Session.Token) || e.exists(s2.Session.Token) || len(b.vals) != 0 {
		t.Fatalf("after SignOut: cookies %q", b.header())
	}
	call(func(w http.ResponseWriter, r *http.Request) {
		if err := e.p.Revoke(w, r, s1.Session.Token); !errors.Is(err, sessionkit.ErrNoSession) {
			t.Fatalf("Revoke without a session: %v", err)
		}
	})
}

type headerRecorder struct{ h http.Header }

func (h *headerRecorder) Header() http.Header         { return h.h }
func (h *headerRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (h *headerRecorder) WriteHeader(int)             {}

// TestNew refuses a stateless Manager and a negative maximum.
func TestNew(t *testing.T) {
	t.Parallel()
	m, err := sessionkit.New(sessionkit.Config{Secret: testSecret, Stateless: true, DatabasePath: t.TempDir() + "/u.db"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := multisession.New(m, multisession.Config{}); !errors.Is(err, sessionkit.ErrConfig) {
		t.Fatalf("stateless: %v", err)
	}
	e := newEnv(t, envOpts{})
	if _, err := multisession.New(e.m, multisession.Config{MaximumSessions: -1}); !errors.Is(err, sessionkit.ErrConfig) {
		t.Fatalf("negative maximum: %v", err)
	}
}
