package sessionkit_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/oauthcookie"
	"github.com/sessionkit/sessionkit/store"
)

// browser is a cookie jar that applies Set-Cookie lines as a browser does
// (Max-Age=0 deletes) and sends the Cookie header back.
type browser map[string]string

func (b browser) apply(h http.Header) {
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			panic(err)
		}
		if c.MaxAge < 0 {
			delete(b, c.Name)
		} else {
			b[c.Name] = c.Value
		}
	}
}

func (b browser) header() string {
	var parts []string
	for _, k := range slices.Sorted(mapKeys(b)) {
		parts = append(parts, k+"="+b[k])
	}
	return strings.Join(parts, "; ")
}

func mapKeys(m browser) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (b browser) request() *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	if h := b.header(); h != "" {
		r.Header.Set("Cookie", h)
	}
	return r
}

// accountNames lists the account_data cookies the browser holds.
func (b browser) accountNames() []string {
	var out []string
	for k := range b {
		if strings.HasPrefix(k, "better-auth.account_data") {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func testAccount(userID string, idTokenLen int) *oauthcookie.Account {
	return &oauthcookie.Account{Account: store.Account{
		ID: "acc-" + userID, AccountID: "sub-" + userID, ProviderID: "oidc", UserID: userID,
		AccessToken: "access-" + userID, RefreshToken: "refresh-" + userID,
		IDToken: strings.Repeat("i", idTokenLen), Scope: "openid,email",
	}}
}

// TestAccountCookieRoundTrip writes account_data (one cookie, then chunks)
// and reads it back; a smaller value expires the chunks it no longer uses.
func TestAccountCookieRoundTrip(t *testing.T) {
	h := newHarness(t, sessionkit.Config{Stateless: true})
	b := browser{}
	if _, err := h.m.AccountCookie(b.request()); !errors.Is(err, sessionkit.ErrNoCookie) {
		t.Fatalf("no cookie: %v", err)
	}
	chunks := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, "better-auth.account_data."+strconv.Itoa(i))
		}
		return out
	}
	for _, tt := range []struct {
		idToken int
		want    []string
	}{
		{10, []string{"better-auth.account_data"}},
		{9000, chunks(4)},
		{5000, chunks(2)},
		{10, []string{"better-auth.account_data"}},
	} {
		rec := httptest.NewRecorder()
		a := testAccount("u1", tt.idToken)
		if err := h.m.SetAccountCookie(rec, b.request(), a); err != nil {
			t.Fatal(err)
		}
		for _, c := range rec.Result().Cookies() {
			if c.MaxAge > 0 && c.MaxAge != int((7*24*time.Hour)/time.Second) {
				t.Errorf("%s Max-Age %d, want the stateless cache's (ExpiresIn)", c.Name, c.MaxAge)
			}
		}
		b.apply(rec.Header())
		if got := b.accountNames(); !slices.Equal(got, tt.want) {
			t.Fatalf("id token of %d: cookies %v, want %v", tt.idToken, got, tt.want)
		}
		got, err := h.m.AccountCookie(b.request())
		if err != nil || got.IDToken != a.IDToken || got.AccessToken != a.AccessToken || got.UserID != "u1" {
			t.Fatalf("read back %+v, %v", got, err)
		}
	}
	// Expired: a minute past the cache's MaxAge.
	h.clock.Advance(7*24*time.Hour + time.Minute)
	if _, err := h.m.AccountCookie(b.request()); !errors.Is(err, oauthcookie.ErrExpired) {
		t.Errorf("after MaxAge: %v, want ErrExpired", err)
	}
	// Too large for 100 chunks: an error, and nothing written.
	rec := httptest.NewRecorder()
	if err := h.m.SetAccountCookie(rec, b.request(), testAccount("u1", 500_000)); !errors.Is(err, cache.ErrTooManyChunks) {
		t.Errorf("oversized account: %v", err)
	}
	if n := len(rec.Header().Values("Set-Cookie")); n != 0 {
		t.Errorf("oversized account wrote %d cookies", n)
	}
}

// TestAccountCookieTampered refuses an account_data cookie changed by the
// browser, or minted with another secret.
func TestAccountCookieTampered(t *testing.T) {
	h := newHarness(t, sessionkit.Config{Stateless: true})
	b := browser{}
	rec := httptest.NewRecorder()
	if err := h.m.SetAccountCookie(rec, b.request(), testAccount("u1", 10)); err != nil {
		t.Fatal(err)
	}
	b.apply(rec.Header())
	v := b["better-auth.account_data"]
	other := h.sibling(sessionkit.Config{Secret: testSecretOther, Stateless: true})
	defer other.Close()
	if _, err := other.AccountCookie(b.request()); !errors.Is(err, oauthcookie.ErrInvalid) {
		t.Errorf("other secret: %v", err)
	}
	b["better-auth.account_data"] = v[:len(v)-2] + "AA"
	if _, err := h.m.AccountCookie(b.request()); !errors.Is(err, oauthcookie.ErrInvalid) {
		t.Errorf("tampered: %v", err)
	}
}

// TestSignOutClearsOAuthCookies: sign-out expires account_data (every
// chunk) and oauth_state with the session's cookies, as Better Auth's
// deleteSessionCookie does.
func TestSignOutClearsOAuthCookies(t *testing.T) {
	h := newHarness(t, sessionkit.Config{Stateless: true})
	u := h.user("ada@example.com")
	b := browser{}
	rec := httptest.NewRecorder()
	if _, err := h.m.SetOAuthState(rec, &oauthcookie.State{CallbackURL: "/", CodeVerifier: "v"}); err != nil {
		t.Fatal(err)
	}
	b.apply(rec.Header())
	rec = httptest.NewRecorder()
	if err := h.m.SetAccountCookie(rec, b.request(), testAccount(u.ID, 9000)); err != nil {
		t.Fatal(err)
	}
	b.apply(rec.Header())
	rec = httptest.NewRecorder()
	if _, err := h.m.SignIn(rec, b.request(), u.ID, sessionkit.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	b.apply(rec.Header())
	if len(b.accountNames()) != 4 || b["better-auth.oauth_state"] == "" {
		t.Fatalf("before sign-out: %v", slices.Sorted(mapKeys(b)))
	}
	rec = httptest.NewRecorder()
	if err := h.m.SignOut(rec, b.request()); err != nil {
		t.Fatal(err)
	}
	b.apply(rec.Header())
	if len(b) != 0 {
		t.Errorf("after sign-out the browser still holds %v", slices.Sorted(mapKeys(b)))
	}
}

// TestAccountCookieFollowsSession: in stateless mode the account cookie is
// re-minted with each new cache cookie, for the session's user only; a
// sign-in that sets a new account cookie keeps it.
func TestAccountCookieFollowsSession(t *testing.T) {
	h := newHarness(t, sessionkit.Config{Stateless: true, ExpiresIn: 10 * time.Hour})
	ada, bob := h.user("ada@example.com"), h.user("bob@example.com")
	b := browser{}

	// Sign-in response: the handler sets the account, then SignIn.
	rec := httptest.NewRecorder()
	r := b.request()
	if err := h.m.SetAccountCookie(rec, r, testAccount(ada.ID, 10)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.m.SignIn(rec, r, ada.ID, sessionkit.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.Join(rec.Header().Values("Set-Cookie"), "\n"), "better-auth.account_data="); n != 1 {
		t.Fatalf("sign-in response sets account_data %d times, want once", n)
	}
	b.apply(rec.Header())
	first := b["better-auth.account_data"]

	// 9 hours on (past 80% of the cache's life): the session cache is
	// re-minted, and the account cookie with it, for another full MaxAge.
	h.clock.Advance(9 * time.Hour)
	l, err := h.m.LookupHeader(context.Background(), http.Header{"Cookie": {b.header()}}, sessionkit.LookupOptions{})
	if err != nil || l.Found == nil {
		t.Fatalf("lookup: %v", err)
	}
	hdr := http.Header{}
	l.WriteCookies(hdr)
	b.apply(hdr)
	if b["better-auth.account_data"] == first {
		t.Fatal("account cookie not re-minted with the cache cookie")
	}
	h.clock.Advance(2 * time.Hour) // past the first account cookie's exp
	if a, err := h.m.AccountCookie(b.request()); err != nil || a.UserID != ada.ID {
		t.Fatalf("re-minted account: %+v, %v", a, err)
	}

	// Bob signs in on the same browser with his own account cookie: the
	// handler's new cookie stays, Ada's is not re-minted over it.
	rec = httptest.NewRecorder()
	r = b.request()
	if err := h.m.SetAccountCookie(rec, r, testAccount(bob.ID, 10)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.m.SignIn(rec, r, bob.ID, sessionkit.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	b.apply(rec.Header())
	if a, err := h.m.AccountCookie(b.request()); err != nil || a.UserID != bob.ID {
		t.Fatalf("after Bob's sign-in: %+v, %v; want Bob's account", a, err)
	}

	// Ada signs in again without a new account cookie: Bob's account
	// must not follow her.
	rec = httptest.NewRecorder()
	if _, err := h.m.SignIn(rec, b.request(), ada.ID, sessionkit.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	b.apply(rec.Header())
	if names := b.accountNames(); len(names) != 0 {
		t.Errorf("another user's account cookie survived a sign-in: %v", names)
	}
}

// TestTakeOAuthState: the callback's state must match; the cookie is used
// once; an expired, forged or missing cookie is refused.
func TestTakeOAuthState(t *testing.T) {
	h := newHarness(t, sessionkit.Config{Stateless: true})
	start := func() (browser, string) {
		b := browser{}
		rec := httptest.NewRecorder()
		state, err := h.m.SetOAuthState(rec, &oauthcookie.State{CallbackURL: "/done", CodeVerifier: "verifier"})
		if err != nil {
			t.Fatal(err)
		}
		c := rec.Result().Cookies()[0]
		if c.Name != "better-auth.oauth_state" || c.MaxAge != 600 || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
			t.Fatalf("state cookie %+v", c)
		}
		b.apply(rec.Header())
		return b, state
	}
	take := func(b browser, state string) (*oauthcookie.State, error) {
		rec := httptest.NewRecorder()
		st, err := h.m.TakeOAuthState(rec, b.request(), state)
		b.apply(rec.Header())
		return st, err
	}

	b, state := start()
	if _, err := take(b, state+"x"); !errors.Is(err, oauthcookie.ErrStateMismatch) {
		t.Fatalf("wrong state: %v", err)
	}
	if b["better-auth.oauth_state"] == "" {
		t.Fatal("a forged callback ended the sign-in in flight")
	}
	st, err := take(b, state)
	if err != nil || st.CodeVerifier != "verifier" || st.CallbackURL != "/done" {
		t.Fatalf("take: %+v, %v", st, err)
	}
	if _, ok := b["better-auth.oauth_state"]; ok {
		t.Fatal("state cookie not expired after use")
	}
	if _, err := take(b, state); !errors.Is(err, sessionkit.ErrNoCookie) {
		t.Fatalf("second take: %v", err)
	}

	b, state = start()
	h.clock.Advance(10*time.Minute + time.Millisecond)
	if _, err := take(b, state); !errors.Is(err, oauthcookie.ErrExpired) {
		t.Fatalf("expired: %v", err)
	}
	if _, ok := b["better-auth.oauth_state"]; ok {
		t.Fatal("expired state cookie kept")
	}

	b, state = start()
	b["better-auth.oauth_state"] = "00" + b["better-auth.oauth_state"][2:]
	if _, err := take(b, state); !errors.Is(err, oauthcookie.ErrInvalid) {
		t.Fatalf("tampered: %v", err)
	}
}
