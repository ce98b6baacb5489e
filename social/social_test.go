package social_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/social"
	"github.com/sessionkit/sessionkit/social/oidctest"
	"github.com/sessionkit/sessionkit/store"
)

func TestSignInCreatesUserAndAccount(t *testing.T) {
	t.Parallel()
	hs := newHarness(t)
	b := hs.browser()
	_, final := b.signIn(hs, startBody())
	if final != "/welcome" {
		t.Fatalf("a new user is sent to %q, want /welcome (newUserCallbackURL)", final)
	}
	uid := b.session(hs)
	if uid == "" {
		t.Fatal("no session after sign-in")
	}
	u, err := hs.store.UserByID(context.Background(), uid)
	if err != nil || u.Email != "ada@example.com" || !u.EmailVerified || u.Name != "Ada" {
		t.Fatalf("user = %+v, %v", u, err)
	}
	a, err := hs.store.AccountByProvider(context.Background(), "test", "user-1")
	if err != nil {
		t.Fatal(err)
	}
	if a.UserID != uid || a.AccessToken == "" || a.RefreshToken == "" || a.IDToken == "" || a.Scope != "openid,email,profile" {
		t.Errorf("account = %+v", a)
	}
	if d := time.Until(a.AccessTokenExpiresAt); d < 59*time.Minute || d > 61*time.Minute {
		t.Errorf("accessTokenExpiresAt in %v, want an hour (expires_in)", d)
	}

	// Again, from another browser: the same user, the same account row
	// with fresh tokens, and the plain callbackURL.
	b2 := hs.browser()
	_, final = b2.signIn(hs, startBody())
	if final != "/dashboard" {
		t.Fatalf("a returning user is sent to %q, want /dashboard", final)
	}
	if got := b2.session(hs); got != uid {
		t.Fatalf("second sign-in is user %q, want %q", got, uid)
	}
	a2, err := hs.store.AccountByProvider(context.Background(), "test", "user-1")
	if err != nil {
		t.Fatal(err)
	}
	if a2.ID != a.ID || a2.AccessToken == a.AccessToken || a2.Scope != a.Scope {
		t.Errorf("account after second sign-in = %+v, want the same row with a new access token", a2)
	}
}

func TestSignInStartResponse(t *testing.T) {
	t.Parallel()
	hs := newHarness(t)
	b := hs.browser()
	body := startBody()
	body["disableRedirect"] = true
	resp, out := b.start(hs, body)
	if resp.StatusCode != http.StatusOK || out["redirect"] != false || resp.Header.Get("Location") != "" {
		t.Fatalf("disableRedirect: %d %v Location=%q", resp.StatusCode, out, resp.Header.Get("Location"))
	}
	u, err := url.Parse(out["url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for _, k := range []string{"state", "code_challenge", "nonce", "redirect_uri", "client_id"} {
		if q.Get(k) == "" {
			t.Errorf("authorization URL lacks %s: %s", k, u)
		}
	}
	if q.Get("code_challenge_method") != "S256" || q.Get("redirect_uri") != hs.app.URL+"/api/auth/callback/test" {
		t.Errorf("authorization URL = %s", u)
	}
	if !strings.Contains(q.Get("scope"), "openid") {
		t.Errorf("scope = %q", q.Get("scope"))
	}
	// The state row is Better Auth's.
	v, err := hs.store.TakeVerification(context.Background(), social.StateIdentifier(q.Get("state")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"callbackURL":"/dashboard"`, `"errorURL":"/oops"`, `"newUserURL":"/welcome"`, `"oauthState":"` + q.Get("state") + `"`, `"codeVerifier":"`, `"idTokenNonce":"` + q.Get("nonce") + `"`} {
		if !strings.Contains(v.Value, want) {
			t.Errorf("state value %s lacks %s", v.Value, want)
		}
	}

	resp, out = b.start(hs, startBody())
	if resp.StatusCode != http.StatusOK || out["redirect"] != true || resp.Header.Get("Location") != out["url"] {
		t.Errorf("redirect: %d %v Location=%q", resp.StatusCode, out, resp.Header.Get("Location"))
	}
}

func TestSignInRefusals(t *testing.T) {
	t.Parallel()
	hs := newHarness(t)
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"unknown provider", map[string]any{"provider": "nope"}, 404, "PROVIDER_NOT_FOUND"},
		{"foreign callbackURL", map[string]any{"provider": "test", "callbackURL": "https://evil.example/"}, 403, "INVALID_CALLBACK_URL"},
		{"foreign errorCallbackURL", map[string]any{"provider": "test", "errorCallbackURL": "//evil.example/"}, 403, "INVALID_CALLBACK_URL"},
		{"idToken", map[string]any{"provider": "test", "idToken": map[string]any{"token": "x"}}, 404, "ID_TOKEN_NOT_SUPPORTED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, out := hs.browser().start(hs, tc.body)
			if resp.StatusCode != tc.status || out["code"] != tc.code {
				t.Errorf("got %d %v, want %d %s", resp.StatusCode, out, tc.status, tc.code)
			}
		})
	}
}

func TestSignInCrossOrigin(t *testing.T) {
	t.Parallel()
	hs := newHarness(t)
	b := hs.browser()
	b.start(hs, startBody()) // now the browser has a cookie of the app
	resp, out := b.startFrom(hs, "https://evil.example", startBody())
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Location") != "" {
		t.Errorf("cross-origin POST with cookies: %d %v", resp.StatusCode, out)
	}
}

func TestCallbackFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		arrange  func(hs *harness)
		wantPath string
		wantCode string
	}{
		{"denied consent", func(hs *harness) { hs.idp.DenyNext() }, "/oops", "access_denied"},
		{"wrong nonce", func(hs *harness) { hs.idp.NonceNext("not-the-nonce") }, "/oops", social.ErrorUserInfo},
		{"expired ID token", func(hs *harness) { hs.idp.SetIDTokenTTL(-time.Minute) }, "/oops", social.ErrorUserInfo},
		{"no e-mail", func(hs *harness) { hs.idp.SetUser(oidctest.User{Subject: "s", Name: "No Mail"}) }, "/oops", social.ErrorEmailNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hs := newHarness(t)
			tc.arrange(hs)
			b := hs.browser()
			_, final := b.signIn(hs, startBody())
			if p, code := errorOf(t, final); p != tc.wantPath || code != tc.wantCode {
				t.Errorf("redirected to %q, want %s?error=%s", final, tc.wantPath, tc.wantCode)
			}
			if b.session(hs) != "" {
				t.Error("a failed callback signed the browser in")
			}
			if _, err := hs.store.UserByEmail(context.Background(), "ada@example.com"); err == nil {
				t.Error("a failed callback created a user")
			}
		})
	}
}

func TestForgedAndReplayedState(t *testing.T) {
	t.Parallel()
	hs := newHarness(t)
	b := hs.browser()

	// A state nobody issued.
	_, loc := b.get(hs.app.URL + "/api/auth/callback/test?code=abc&state=forged")
	if p, code := errorOf(t, loc); p != "/api/auth/error" || code != social.ErrorStateMismatch {
		t.Errorf("forged state: redirected to %q", loc)
	}
	// No state at all.
	_, loc = b.get(hs.app.URL + "/api/auth/callback/test?code=abc")
	if _, code := errorOf(t, loc); code != social.ErrorStateNotFound {
		t.Errorf("no state: redirected to %q", loc)
	}

	// A real state, brought back by another browser (login CSRF): refused,
	// and the state is not used up for the browser that started it.
	_, out := b.start(hs, startBody())
	_, callback := b.get(out["url"].(string))
	attacker := hs.browser()
	_, loc = attacker.get(callback)
	if _, code := errorOf(t, loc); code != social.ErrorStateMismatch || attacker.session(hs) != "" {
		t.Errorf("state from another browser: redirected to %q", loc)
	}
	_, loc = b.get(callback)
	if loc != "/welcome" || b.session(hs) == "" {
		t.Fatalf("the starting browser's callback: redirected to %q", loc)
	}

	// Replayed: the same callback again, cookies and all.
	sessions, _ := hs.store.ListSessions(context.Background(), b.session(hs), time.Now())
	_, loc = b.get(callback)
	if _, code := errorOf(t, loc); code != social.ErrorStateMismatch {
		t.Errorf("replayed callback: redirected to %q", loc)
	}
	after, _ := hs.store.ListSessions(context.Background(), b.session(hs), time.Now())
	if b.session(hs) != "" && len(after) > len(sessions) {
		t.Errorf("replay made a session: %d -> %d", len(sessions), len(after))
	}
}

func TestExpiredState(t *testing.T) {
	t.Parallel()
	now := time.Now()
	clock := func() time.Time { return now }
	hs := newHarness(t, func(c *sessionkit.Config, _ *social.Config) { c.Now = func() time.Time { return clock() } })
	b := hs.browser()
	_, out := b.start(hs, startBody())
	_, callback := b.get(out["url"].(string))
	clock = func() time.Time { return now.Add(social.StateLifetime + time.Second) }
	_, loc := b.get(callback)
	if p, code := errorOf(t, loc); p != "/oops" || code != social.ErrorStateMismatch || b.session(hs) != "" {
		t.Errorf("expired state: redirected to %q", loc)
	}
}

func TestStoreFailuresFailClosed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		op       string
		wantPath string
		wantCode string
	}{
		{"TakeVerification", "/api/auth/error", social.ErrorInternal},
		{"AccountByProvider", "/api/auth/error", social.ErrorInternal},
		{"UserByEmail", "/api/auth/error", social.ErrorInternal},
		{"CreateUserWithAccount", "/oops", social.ErrorUnableToCreateUser},
		{"CreateSession", "/oops", social.ErrorSession},
	} {
		t.Run(tc.op, func(t *testing.T) {
			t.Parallel()
			hs := newHarness(t)
			b := hs.browser()
			_, out := b.start(hs, startBody())
			_, callback := b.get(out["url"].(string))
			hs.store.Fail(tc.op)
			_, loc := b.get(callback)
			if p, code := errorOf(t, loc); p != tc.wantPath || code != tc.wantCode {
				t.Errorf("redirected to %q, want %s?error=%s", loc, tc.wantPath, tc.wantCode)
			}
			if b.session(hs) != "" {
				t.Error("signed in despite a store failure")
			}
		})
	}
	t.Run("CreateVerification", func(t *testing.T) {
		t.Parallel()
		hs := newHarness(t)
		hs.store.Fail("CreateVerification")
		resp, out := hs.browser().start(hs, startBody())
		if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("Location") != "" || out["url"] != nil {
			t.Errorf("got %d %v Location=%q, want 500 and no way to the provider", resp.StatusCode, out, resp.Header.Get("Location"))
		}
	})
	t.Run("UpdateAccountTokens", func(t *testing.T) {
		t.Parallel()
		hs := newHarness(t)
		hs.browser().signIn(hs, startBody())
		hs.store.Fail("UpdateAccountTokens")
		b := hs.browser()
		_, final := b.signIn(hs, startBody())
		if _, code := errorOf(t, final); code != "unable_to_update_account" || b.session(hs) != "" {
			t.Errorf("redirected to %q", final)
		}
	})
}

func TestLinkingRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		localVerified bool
		idpVerified   bool
		trusted       bool
		allowUnverif  bool
		disable       bool
		wantLinked    bool
	}{
		{"both verified", true, true, false, false, false, true},
		{"local unverified", false, true, false, false, false, false},
		{"local unverified, allowed", false, true, false, true, false, true},
		{"provider unverified", true, false, false, false, false, false},
		{"provider unverified but trusted", true, false, true, false, false, true},
		{"linking disabled", true, true, false, false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hs := newHarness(t, func(_ *sessionkit.Config, c *social.Config) {
				if tc.trusted {
					c.TrustedProviders = []string{"test"}
				}
				c.AllowUnverifiedLocalEmail = tc.allowUnverif
				c.DisableLinking = tc.disable
			})
			ctx := context.Background()
			local := store.User{ID: store.NewID(), Email: "ada@example.com", EmailVerified: tc.localVerified, CreatedAt: time.Now(), UpdatedAt: time.Now()}
			if err := hs.store.CreateUser(ctx, local); err != nil {
				t.Fatal(err)
			}
			hs.idp.SetUser(oidctest.User{Subject: "sub-ada", Email: "Ada@Example.com", EmailVerified: tc.idpVerified, Name: "Ada"})
			b := hs.browser()
			_, final := b.signIn(hs, startBody())
			_, err := hs.store.AccountByProvider(ctx, "test", "sub-ada")
			if tc.wantLinked {
				if final != "/dashboard" || b.session(hs) != local.ID || err != nil {
					t.Errorf("want linked to the local user: redirected to %q, session %q, account err %v", final, b.session(hs), err)
				}
				return
			}
			if _, code := errorOf(t, final); code != social.ErrorAccountNotLinked || b.session(hs) != "" || err == nil {
				t.Errorf("want account_not_linked: redirected to %q, account err %v", final, err)
			}
		})
	}
}

func TestSignUpDisabled(t *testing.T) {
	t.Parallel()
	hs := newHarness(t, func(_ *sessionkit.Config, c *social.Config) { c.Providers[0].DisableSignUp = true })
	b := hs.browser()
	_, final := b.signIn(hs, startBody())
	if _, code := errorOf(t, final); code != social.ErrorSignUpDisabled || b.session(hs) != "" {
		t.Errorf("redirected to %q", final)
	}
	body := startBody()
	body["requestSignUp"] = true
	if _, final = b.signIn(hs, body); final != "/welcome" {
		t.Errorf("requestSignUp: redirected to %q", final)
	}
}

func TestCallbackFormPost(t *testing.T) {
	t.Parallel()
	hs := newHarness(t)
	b := hs.browser()
	resp, err := b.c.PostForm(hs.app.URL+"/api/auth/callback/test", url.Values{"code": {"c"}, "state": {"s"}, "junk": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != hs.app.URL+"/api/auth/callback/test?code=c&state=s" {
		t.Errorf("form post: %d Location %q", resp.StatusCode, loc)
	}
	// A body over 64 KiB is not read.
	resp, err = b.c.PostForm(hs.app.URL+"/api/auth/callback/test", url.Values{"code": {strings.Repeat("c", 70<<10)}, "state": {"s"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, code := errorOf(t, resp.Header.Get("Location")); code != social.ErrorInvalidCallback {
		t.Errorf("oversized form post: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	hs := newHarness(t)
	hs.browser().signIn(hs, startBody())
	ctx := context.Background()
	a, err := hs.store.AccountByProvider(ctx, "test", "user-1")
	if err != nil {
		t.Fatal(err)
	}
	hs.idp.SetAccessTokenTTL(2 * time.Hour)
	got, err := hs.h.Refresh(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessToken == a.AccessToken || got.RefreshToken == a.RefreshToken || got.ID != a.ID {
		t.Errorf("refreshed account = %+v, want new tokens on the same row", got)
	}
	if d := time.Until(got.AccessTokenExpiresAt); d < 119*time.Minute {
		t.Errorf("new access token expires in %v, want 2h", d)
	}
	if _, n := hs.idp.Calls(); n != 1 {
		t.Errorf("refresh grants = %d, want 1", n)
	}
	// The old refresh token was rotated away: using it again fails.
	if _, err := hs.h.Refresh(ctx, a); err == nil {
		t.Error("a used refresh token refreshed again")
	}
}

func TestAbandonedStatesAreCleanedUp(t *testing.T) {
	t.Parallel()
	now := time.Now()
	clock := func() time.Time { return now }
	hs := newHarness(t, func(c *sessionkit.Config, _ *social.Config) { c.Now = func() time.Time { return clock() } })
	b := hs.browser()
	for range 10 { // abandoned at the provider
		b.start(hs, startBody())
	}
	clock = func() time.Time { return now.Add(social.StateLifetime + time.Minute) }
	for range 3 {
		b.start(hs, startBody())
	}
	n, err := hs.store.DeleteExpiredVerifications(context.Background(), clock(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d expired states left after 3 new sign-ins, want 0 (each clears up to 4)", n)
	}
}
