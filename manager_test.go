package sessionkit_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/internal/vectors"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

func TestNewConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  sessionkit.Config
		want string
	}{
		{"no secret", sessionkit.Config{}, "Secret is required"},
		{"short secret", sessionkit.Config{Secret: "short"}, "at least 32"},
		{"short old secret", sessionkit.Config{Secret: testSecret, OldSecrets: []string{"x"}}, "OldSecrets[0]"},
		{"bad base URL", sessionkit.Config{Secret: testSecret, BaseURL: "example.com"}, "BaseURL"},
		{"bad prefix", sessionkit.Config{Secret: testSecret, CookiePrefix: "a;b"}, "CookiePrefix"},
		// Names net/http refuses to write: every Set-Cookie would be dropped.
		{"prefix with slash", sessionkit.Config{Secret: testSecret, CookiePrefix: "my/app"}, "CookiePrefix"},
		{"prefix with parens", sessionkit.Config{Secret: testSecret, CookiePrefix: "app(1)"}, "CookiePrefix"},
		{"prefix with non-ASCII", sessionkit.Config{Secret: testSecret, CookiePrefix: "über"}, "CookiePrefix"},
		{"prefix with control", sessionkit.Config{Secret: testSecret, CookiePrefix: "a\x01b"}, "CookiePrefix"},
		// Domains net/http drops from every cookie, making them host-only.
		{"domain with space", sessionkit.Config{Secret: testSecret, CookieDomain: "example .com"}, "CookieDomain"},
		{"domain with semicolon", sessionkit.Config{Secret: testSecret, CookieDomain: "example.com;x=y"}, "CookieDomain"},
		{"domain is a URL", sessionkit.Config{Secret: testSecret, CookieDomain: "https://example.com"}, "CookieDomain"},
		{"tiny expiry", sessionkit.Config{Secret: testSecret, ExpiresIn: time.Millisecond}, "ExpiresIn"},
		{"negative update age", sessionkit.Config{Secret: testSecret, UpdateAge: -time.Hour}, "UpdateAge"},
		{"update age beyond expiry", sessionkit.Config{Secret: testSecret, ExpiresIn: time.Hour, UpdateAge: 2 * time.Hour}, "UpdateAge"},
		{"cache strategy without Enabled", sessionkit.Config{Secret: testSecret, CookieCache: sessionkit.CookieCache{Strategy: "jwe"}}, "CookieCache.Enabled"},
		{"cache max age without Enabled", sessionkit.Config{Secret: testSecret, CookieCache: sessionkit.CookieCache{MaxAge: time.Minute}}, "CookieCache.Enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := sessionkit.New(tt.cfg)
			if err == nil {
				m.Close()
				t.Fatal("New accepted a bad config")
			}
			if !errors.Is(err, sessionkit.ErrConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v; want ErrConfig mentioning %q", err, tt.want)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Fatal("the error names the secret")
			}
		})
	}
}

// TestZeroConfigUsesSQLite: a Config with only a secret opens a SQLite file.
func TestZeroConfigUsesSQLite(t *testing.T) {
	t.Chdir(t.TempDir())
	m, err := sessionkit.New(sessionkit.Config{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Store().(*sqlite.Store); !ok {
		t.Fatalf("store is %T, want *sqlite.Store", m.Store())
	}
	if _, err := createUser(context.Background(), m, "A", "a@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := filepath.Glob(sessionkit.DefaultDatabasePath); err != nil {
		t.Fatal(err)
	}
	m2, err := sessionkit.New(sessionkit.Config{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	if _, err := m2.Store().UserByEmail(context.Background(), "a@example.com"); err != nil {
		t.Fatalf("user not kept in %s: %v", sessionkit.DefaultDatabasePath, err)
	}
}

func TestCookieAttributes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		baseURL, name string
		secure        bool
	}{
		{"", "better-auth.session_token", false},
		{"http://localhost:8080", "better-auth.session_token", false},
		{"https://app.example.com", "__Secure-better-auth.session_token", true},
	} {
		h := newHarness(t, sessionkit.Config{BaseURL: tt.baseURL})
		u := h.user("a@example.com")
		rec := httptest.NewRecorder()
		if _, err := h.m.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{}); err != nil {
			t.Fatal(err)
		}
		c := findCookie(rec, tt.name)
		if c == nil {
			t.Fatalf("%q: no cookie %s in %v", tt.baseURL, tt.name, rec.Header()["Set-Cookie"])
		}
		if c.Secure != tt.secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != 604800 {
			t.Errorf("%q: cookie attributes %+v", tt.baseURL, c)
		}
	}
}

func TestSignInRememberMe(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sessionkit.Config{})
	u := h.user("a@example.com")
	ctx := context.Background()
	now := h.clock.Now()

	rec := httptest.NewRecorder()
	s1, err := h.m.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := s1.Session.ExpiresAt.Sub(now); got != sessionkit.DefaultExpiresIn {
		t.Errorf("remembered session lives %v, want %v", got, sessionkit.DefaultExpiresIn)
	}
	if c := findCookie(rec, "better-auth.dont_remember"); c != nil {
		t.Error("remember-me sign-in set dont_remember")
	}

	rec = httptest.NewRecorder()
	s2, err := h.m.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{DontRemember: true})
	if err != nil {
		t.Fatal(err)
	}
	if s2.Session.Token == s1.Session.Token || s2.Session.ID == s1.Session.ID {
		t.Error("two sign-ins share a token or id")
	}
	if len(s2.Session.Token) != 32 {
		t.Errorf("token %q is not 32 characters", s2.Session.Token)
	}
	if got := s2.Session.ExpiresAt.Sub(now); got != 24*time.Hour {
		t.Errorf("don't-remember session lives %v, want 24h", got)
	}
	tok := findCookie(rec, "better-auth.session_token")
	dr := findCookie(rec, "better-auth.dont_remember")
	if tok == nil || tok.MaxAge != 0 || strings.Contains(rec.Header().Get("Set-Cookie"), "Max-Age") {
		t.Errorf("don't-remember token cookie should be a browser-session cookie: %v", rec.Header()["Set-Cookie"])
	}
	if dr == nil || !strings.HasPrefix(dr.Value, "true.") {
		t.Fatalf("dont_remember cookie = %+v", dr)
	}

	// A don't-remember session never slides.
	cookie := cookieHeader(rec.Result().Cookies())
	h.clock.Advance(23 * time.Hour)
	l, err := h.m.LookupHeader(ctx, http.Header{"Cookie": {cookie}}, sessionkit.LookupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !l.Found.Session.ExpiresAt.Equal(s2.Session.ExpiresAt) || len(l.Cookies) != 0 {
		t.Errorf("don't-remember session slid: %v, cookies %v", l.Found.Session.ExpiresAt, l.Cookies)
	}
	h.clock.Advance(2 * time.Hour)
	if _, err := getSession(h.m, ctx, http.Header{"Cookie": {cookie}}); !errors.Is(err, sessionkit.ErrNoSession) {
		t.Errorf("after a day: err = %v, want ErrNoSession", err)
	}
}

func TestSlidingRefresh(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sessionkit.Config{ExpiresIn: 10 * time.Hour, UpdateAge: time.Hour})
	u := h.user("a@example.com")
	cookie, s := h.signIn(u.ID, sessionkit.SignInOptions{})
	ctx := context.Background()
	hdr := http.Header{"Cookie": {cookie}}

	h.clock.Advance(59 * time.Minute)
	l, err := h.m.LookupHeader(ctx, hdr, sessionkit.LookupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !l.Found.Session.ExpiresAt.Equal(s.Session.ExpiresAt) || h.store.slides.Load() != 0 || len(l.Cookies) != 0 {
		t.Fatalf("slid before UpdateAge: %v %v", l.Found.Session.ExpiresAt, l.Cookies)
	}
	h.clock.Advance(time.Minute)
	if _, err = h.m.LookupHeader(ctx, hdr, sessionkit.LookupOptions{DisableRefresh: true}); err != nil || h.store.slides.Load() != 0 {
		t.Fatalf("DisableRefresh slid: %v", err)
	}
	l, err = h.m.LookupHeader(ctx, hdr, sessionkit.LookupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := h.clock.Now().Add(10 * time.Hour)
	if !l.Found.Session.ExpiresAt.Equal(want) || h.store.slides.Load() != 1 {
		t.Fatalf("expiresAt = %v, want %v (slides %d)", l.Found.Session.ExpiresAt, want, h.store.slides.Load())
	}
	if len(l.Cookies) != 1 || l.Cookies[0].Name != "better-auth.session_token" || l.Cookies[0].MaxAge != 36000 {
		t.Fatalf("refresh cookies = %v", l.Cookies)
	}
	stored, _, _ := h.store.SessionByToken(ctx, s.Session.Token)
	if !stored.ExpiresAt.Equal(want) || stored.Token != s.Session.Token {
		t.Fatalf("store has %v / %q", stored.ExpiresAt, stored.Token)
	}
	// Past the slid expiry the session is gone, and its cookies are cleared.
	h.clock.Advance(10 * time.Hour)
	l, err = h.m.LookupHeader(ctx, hdr, sessionkit.LookupOptions{})
	if !errors.Is(err, sessionkit.ErrNoSession) || l.Found != nil {
		t.Fatalf("expired session: %v %v", l.Found, err)
	}
	if len(l.Cookies) == 0 || l.Cookies[0].MaxAge >= 0 {
		t.Fatalf("expired session cookies not cleared: %v", l.Cookies)
	}
	if _, _, err := h.store.SessionByToken(ctx, s.Session.Token); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired row not deleted: %v", err)
	}
}

func TestDisableRefreshConfig(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sessionkit.Config{DisableRefresh: true})
	u := h.user("a@example.com")
	cookie, _ := h.signIn(u.ID, sessionkit.SignInOptions{})
	h.clock.Advance(3 * 24 * time.Hour)
	if _, err := getSession(h.m, context.Background(), http.Header{"Cookie": {cookie}}); err != nil {
		t.Fatal(err)
	}
	if n := h.store.slides.Load(); n != 0 {
		t.Fatalf("DisableRefresh: %d slides", n)
	}
}

func TestUpdateAgeDisabledSlidesEveryRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sessionkit.Config{UpdateAge: sessionkit.Disabled})
	u := h.user("a@example.com")
	cookie, _ := h.signIn(u.ID, sessionkit.SignInOptions{})
	for i := 1; i <= 3; i++ {
		h.clock.Advance(time.Second)
		if _, err := getSession(h.m, context.Background(), http.Header{"Cookie": {cookie}}); err != nil {
			t.Fatal(err)
		}
		if n := h.store.slides.Load(); n != int64(i) {
			t.Fatalf("request %d: %d slides", i, n)
		}
	}
}

func TestSecretRotation(t *testing.T) {
	t.Parallel()
	st := newHarness(t, sessionkit.Config{})
	u := st.user("a@example.com")
	cookie, _ := st.signIn(u.ID, sessionkit.SignInOptions{})

	rotated := st.sibling(sessionkit.Config{Secret: testSecretOther, OldSecrets: []string{testSecret}})
	if _, err := getSession(rotated, context.Background(), http.Header{"Cookie": {cookie}}); err != nil {
		t.Fatalf("a cookie signed with the old secret is refused after rotation: %v", err)
	}
	rec := httptest.NewRecorder()
	if _, err := rotated.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	fresh := cookieHeader(rec.Result().Cookies())
	if _, err := getSession(st.m, context.Background(), http.Header{"Cookie": {fresh}}); !errors.Is(err, sessionkit.ErrNoSession) {
		t.Fatalf("new cookies must be signed with the new secret only; old manager: %v", err)
	}
}

func TestSignOutListRevoke(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sessionkit.Config{})
	ctx := context.Background()
	u := h.user("a@example.com")
	other := h.user("b@example.com")
	c1, s1 := h.signIn(u.ID, sessionkit.SignInOptions{})
	h.clock.Advance(time.Second)
	c2, s2 := h.signIn(u.ID, sessionkit.SignInOptions{})
	h.clock.Advance(time.Second)
	c3, s3 := h.signIn(u.ID, sessionkit.SignInOptions{})
	_, so := h.signIn(other.ID, sessionkit.SignInOptions{})

	list, err := h.m.ListSessions(ctx, u.ID)
	if err != nil || len(list) != 3 || list[0].Token != s1.Session.Token || list[2].Token != s3.Session.Token {
		t.Fatalf("ListSessions = %v, %v", list, err)
	}
	// Another user's token is left alone.
	if err := h.m.RevokeSession(ctx, u.ID, so.Session.Token); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.store.SessionByToken(ctx, so.Session.Token); err != nil {
		t.Fatalf("revoking another user's session deleted it: %v", err)
	}
	if err := h.m.RevokeSession(ctx, u.ID, s2.Session.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := getSession(h.m, ctx, http.Header{"Cookie": {c2}}); !errors.Is(err, sessionkit.ErrNoSession) {
		t.Fatalf("revoked session still valid: %v", err)
	}
	cur, err := getSession(h.m, ctx, http.Header{"Cookie": {c3}})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.m.RevokeOtherSessions(ctx, cur); err != nil {
		t.Fatal(err)
	}
	if _, err := getSession(h.m, ctx, http.Header{"Cookie": {c1}}); !errors.Is(err, sessionkit.ErrNoSession) {
		t.Fatal("other session survived RevokeOtherSessions")
	}
	if _, err := getSession(h.m, ctx, http.Header{"Cookie": {c3}}); err != nil {
		t.Fatalf("current session revoked by RevokeOtherSessions: %v", err)
	}

	// Sign out clears cookies and deletes the row.
	req := httptest.NewRequest("POST", "/sign-out", nil)
	req.Header.Set("Cookie", c3)
	rec := httptest.NewRecorder()
	if err := h.m.SignOut(rec, req); err != nil {
		t.Fatal(err)
	}
	if c := findCookie(rec, "better-auth.session_token"); c == nil || c.MaxAge >= 0 {
		t.Fatalf("sign-out did not expire the token cookie: %v", rec.Header()["Set-Cookie"])
	}
	if _, _, err := h.store.SessionByToken(ctx, s3.Session.Token); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("sign-out kept the row: %v", err)
	}

	// Revoke all.
	h.signIn(u.ID, sessionkit.SignInOptions{})
	if err := h.m.RevokeAllSessions(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := h.m.ListSessions(ctx, u.ID); len(list) != 0 {
		t.Fatalf("%d sessions after RevokeAllSessions", len(list))
	}
	if list, _ := h.m.ListSessions(ctx, other.ID); len(list) != 1 {
		t.Fatalf("RevokeAllSessions touched another user: %d left", len(list))
	}
}

// TestVectorDatabases: sessionkit opens each SQLite file Better Auth wrote
// and finds the session of each of its cookies.
func TestVectorDatabases(t *testing.T) {
	t.Parallel()
	for _, set := range vectors.All(t) {
		t.Run(set.Name, func(t *testing.T) {
			t.Parallel()
			st, err := sqlite.OpenWith(set.CopyDB(t), sqlite.Options{SweepInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			m, err := sessionkit.New(sessionkit.Config{Secret: set.Config.Secret, BaseURL: set.Config.BaseURL, Store: st, Now: set.Now})
			if err != nil {
				t.Fatal(err)
			}
			for _, ex := range []vectors.Exchange{set.SignIn.RememberMe, set.SignIn.NoRememberMe} {
				// The token cookie alone: the store answers.
				var tokenOnly string
				for _, part := range strings.Split(ex.CookieHeader, "; ") {
					if strings.HasPrefix(part, set.Meta.CookieNames.SessionToken+"=") {
						tokenOnly = part
					}
				}
				s, err := getSession(m, context.Background(), http.Header{"Cookie": {tokenOnly}})
				if err != nil {
					t.Fatalf("cookie %q: %v", tokenOnly, err)
				}
				if s.Session.Token != ex.Body.Token || s.User.Email != set.Credentials.Email || s.User.Name != set.Credentials.Name {
					t.Fatalf("got %+v", s)
				}
			}
			// And the password Better Auth hashed checks here.
			accounts, err := account.New(m, account.Config{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := accounts.CheckPassword(context.Background(), set.Credentials.Email, set.Credentials.Password); err != nil {
				t.Fatalf("Better Auth's password does not check: %v", err)
			}
			// The https vector's cookies are __Secure- only.
			if strings.HasPrefix(set.Config.BaseURL, "https") {
				tok, _, _ := m.CookieNames()
				if tok != "__Secure-better-auth.session_token" {
					t.Fatalf("cookie name %q", tok)
				}
			}
		})
	}
}
