package sessionkit_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/logcapture"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

// bearerHarness is a harness with bearer tokens on (signed ones only,
// unless cfg says otherwise).
func bearerHarness(t *testing.T, cfg sessionkit.Config) *harness {
	t.Helper()
	cfg.Bearer.Enabled = true
	return newHarness(t, cfg)
}

// signInBearer signs the user in and returns the Set-Auth-Token header,
// the Cookie header a browser would send back, and the session.
func (h *harness) signInBearer(userID string) (string, string, *sessionkit.Session) {
	h.t.Helper()
	rec := httptest.NewRecorder()
	s, err := h.m.SignIn(rec, httptest.NewRequest("POST", "/sign-in", nil), userID, sessionkit.SignInOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	return rec.Header().Get("Set-Auth-Token"), cookieHeader(rec.Result().Cookies()), s
}

func bearerHeader(v string) http.Header { return http.Header{"Authorization": {v}} }

// TestBearerOffByDefault: without Config.Bearer the Authorization header
// is never read and SignIn sends no token header.
func TestBearerOffByDefault(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sessionkit.Config{})
	u := h.user("off@example.com")
	rec := httptest.NewRecorder()
	s, err := h.m.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v := rec.Header().Get("Set-Auth-Token"); v != "" {
		t.Fatalf("Set-Auth-Token %q with bearer off", v)
	}
	if v := rec.Header().Get("Access-Control-Expose-Headers"); v != "" {
		t.Fatalf("Access-Control-Expose-Headers %q with bearer off", v)
	}
	if _, ok := h.m.BearerToken(s.Session.Token); ok {
		t.Fatal("BearerToken reports a credential with bearer off")
	}
	// The credential of that very session, as a bearer on would take it.
	on := h.sibling(sessionkit.Config{Bearer: sessionkit.Bearer{Enabled: true}})
	defer on.Close()
	cred, _ := on.BearerToken(s.Session.Token)
	if _, err := getSession(h.m, context.Background(), bearerHeader("Bearer "+cred)); !errors.Is(err, sessionkit.ErrNoSession) {
		t.Fatalf("bearer off, lookup with a valid bearer token: %v, want ErrNoSession", err)
	}
	if got, err := getSession(on, context.Background(), bearerHeader("Bearer "+cred)); err != nil || got.Session.ID != s.Session.ID {
		t.Fatalf("bearer on, the same token: %v %v", got, err)
	}
}

// TestBearerSetAuthToken: SignIn sends the signed token, as the cookie
// carries it but not percent-encoded, and adds its name to the
// Access-Control-Expose-Headers already set (a CORS middleware's), once.
func TestBearerSetAuthToken(t *testing.T) {
	t.Parallel()
	h := bearerHarness(t, sessionkit.Config{})
	u := h.user("ada@example.com")
	for _, tc := range []struct {
		name   string
		before []string
		want   string
	}{
		{"none", nil, "set-auth-token"},
		{"others kept", []string{"X-Request-Id, ETag", "Content-Length"}, "X-Request-Id, ETag, Content-Length, set-auth-token"},
		{"already listed", []string{"Set-Auth-Token"}, "Set-Auth-Token"},
		{"blanks and repeats", []string{" ,X-A,, x-a ,"}, "X-A, set-auth-token"},
		{"wildcard kept", []string{"*"}, "*, set-auth-token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			for _, v := range tc.before {
				rec.Header().Add("Access-Control-Expose-Headers", v)
			}
			s, err := h.m.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := rec.Header().Values("Access-Control-Expose-Headers"); len(got) != 1 || got[0] != tc.want {
				t.Fatalf("Access-Control-Expose-Headers = %q, want %q", got, tc.want)
			}
			tokenName, _, _ := h.m.CookieNames()
			c := findCookie(rec, tokenName)
			raw, err := url.PathUnescape(c.Value)
			if err != nil {
				t.Fatal(err)
			}
			got := rec.Header().Get("Set-Auth-Token")
			if got != raw || !strings.HasPrefix(got, s.Session.Token+".") {
				t.Fatalf("Set-Auth-Token %q, want the cookie's value %q", got, raw)
			}
			if cred, ok := h.m.BearerToken(s.Session.Token); !ok || cred != got {
				t.Fatalf("BearerToken = %q, %v; want %q", cred, ok, got)
			}
		})
	}
}

// TestBearerLookup: what the Authorization header may look like, as Better
// Auth's bearer plugin reads it, and what is refused.
func TestBearerLookup(t *testing.T) {
	t.Parallel()
	h := bearerHarness(t, sessionkit.Config{OldSecrets: []string{testSecretOther}})
	u := h.user("ada@example.com")
	cred, _, s := h.signInBearer(u.ID)
	tok := s.Session.Token
	sig := cred[len(tok)+1:]
	// A Manager whose Secret was the old one signs what h still accepts.
	old := h.sibling(sessionkit.Config{Secret: testSecretOther, Bearer: sessionkit.Bearer{Enabled: true}})
	defer old.Close()
	oldCred, _ := old.BearerToken(tok)
	other := h.sibling(sessionkit.Config{Secret: strings.Repeat("z", 40), Bearer: sessionkit.Bearer{Enabled: true}})
	defer other.Close()
	foreign, _ := other.BearerToken(tok)

	for _, tc := range []struct {
		name string
		hdr  http.Header
		ok   bool
	}{
		{"signed", bearerHeader("Bearer " + cred), true},
		{"percent-encoded", bearerHeader("Bearer " + url.QueryEscape(cred)), true},
		{"lower-case scheme", bearerHeader("bearer " + cred), true},
		{"upper-case scheme", bearerHeader("BEARER " + cred), true},
		{"blanks", bearerHeader("Bearer    " + cred + " \t"), true},
		{"old secret", bearerHeader("Bearer " + oldCred), true},
		{"unsigned (requireSignature)", bearerHeader("Bearer " + tok), false},
		{"another secret", bearerHeader("Bearer " + foreign), false},
		{"tampered signature", bearerHeader("Bearer " + tok + "." + strings.ToLower(sig)), false},
		{"tampered token", bearerHeader("Bearer x" + cred[1:]), false},
		{"no signature", bearerHeader("Bearer " + tok + "."), false},
		{"dot in the token", bearerHeader("Bearer a." + cred), false},
		{"dot encoded", bearerHeader("Bearer " + strings.ReplaceAll(url.QueryEscape(cred), ".", "%2E")), false},
		{"basic scheme", bearerHeader("Basic " + cred), false},
		{"no space", bearerHeader("Bearer" + cred), false},
		{"scheme alone", bearerHeader("Bearer"), false},
		{"two headers", http.Header{"Authorization": {"Bearer " + cred, "Bearer " + cred}}, false},
		{"too long", bearerHeader("Bearer " + cred + strings.Repeat(" ", 8000)), false},
		{"empty", bearerHeader(""), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := getSession(h.m, context.Background(), tc.hdr)
			if tc.ok {
				if err != nil || got.Session.ID != s.Session.ID || got.User.ID != u.ID {
					t.Fatalf("lookup: %v, %v; want the session", got, err)
				}
				return
			}
			if !errors.Is(err, sessionkit.ErrNoSession) {
				t.Fatalf("lookup: %v, %v; want ErrNoSession", got, err)
			}
		})
	}
}

// TestBearerNeverFromQuery: a token in the URL (as an access_token
// parameter, say) is never read, whatever the name.
func TestBearerNeverFromQuery(t *testing.T) {
	t.Parallel()
	h := bearerHarness(t, sessionkit.Config{})
	u := h.user("ada@example.com")
	cred, _, _ := h.signInBearer(u.ID)
	handler := h.loadHandler()
	for _, name := range []string{"access_token", "token", "authorization", "Authorization", "bearer"} {
		q := url.Values{name: {cred}}
		rec := do(handler, "GET", "/?"+q.Encode(), "")
		if body := rec.Body.String(); body != "none" {
			t.Fatalf("?%s=<token>: %q, want no session", name, body)
		}
	}
	rec := do(handler, "GET", "/", "", "Authorization", "Bearer "+cred)
	if body := rec.Body.String(); body != u.ID {
		t.Fatalf("the same token in the header: %q", body)
	}
}

// loadHandler answers the user id of the request's session, or "none",
// behind LookupHeader as middleware.Load calls it.
func (h *harness) loadHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l, err := h.m.LookupHeader(r.Context(), r.Header, sessionkit.LookupOptions{})
		if err != nil {
			w.Write([]byte("none"))
			return
		}
		w.Write([]byte(l.Found.User.ID))
	})
}

// TestBearerUnsigned: AllowUnsignedTokens (Better Auth's requireSignature:
// false, its default) takes the bare token too; anything that cannot be a
// token is refused before the store.
func TestBearerUnsigned(t *testing.T) {
	t.Parallel()
	h := bearerHarness(t, sessionkit.Config{Bearer: sessionkit.Bearer{AllowUnsignedTokens: true}})
	u := h.user("ada@example.com")
	cred, _, s := h.signInBearer(u.ID)
	ctx := context.Background()
	for _, v := range []string{cred, s.Session.Token} {
		if got, err := getSession(h.m, ctx, bearerHeader("Bearer "+v)); err != nil || got.Session.ID != s.Session.ID {
			t.Fatalf("Bearer %s: %v %v", v, got, err)
		}
	}
	before := h.store.reads.Load()
	for _, v := range []string{"a%20b", "a+b", "a/b", "tok en", strings.Repeat("a", 256), "\u00e9t\u00e9"} {
		if _, err := getSession(h.m, ctx, bearerHeader("Bearer "+v)); !errors.Is(err, sessionkit.ErrNoSession) {
			t.Fatalf("Bearer %q: %v, want ErrNoSession", v, err)
		}
	}
	if n := h.store.reads.Load() - before; n != 0 {
		t.Fatalf("%d store reads for credentials that cannot be tokens", n)
	}
	// An unknown token of the right shape is one store read, as Better
	// Auth's: the cost AllowUnsignedTokens documents.
	if _, err := getSession(h.m, ctx, bearerHeader("Bearer "+store.NewID())); !errors.Is(err, sessionkit.ErrNoSession) {
		t.Fatal(err)
	}
	if n := h.store.reads.Load() - before; n != 1 {
		t.Fatalf("%d store reads for an unknown bare token, want 1", n)
	}
}

// TestBearerSignedCostsNoStoreRead: with signatures required, a forged or
// bare token never reaches the store.
func TestBearerSignedCostsNoStoreRead(t *testing.T) {
	t.Parallel()
	h := bearerHarness(t, sessionkit.Config{})
	for _, v := range []string{store.NewID(), store.NewID() + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="} {
		if _, err := getSession(h.m, context.Background(), bearerHeader("Bearer "+v)); !errors.Is(err, sessionkit.ErrNoSession) {
			t.Fatal(err)
		}
	}
	if n := h.store.reads.Load(); n != 0 {
		t.Fatalf("%d store reads for unsigned or forged bearer tokens", n)
	}
}

// TestBearerBadTokenLogged: a bearer token signed by no secret is the
// bad-cookie event, named Authorization, never with its value.
func TestBearerBadTokenLogged(t *testing.T) {
	t.Parallel()
	logs, logger := logcapture.New()
	h := bearerHarness(t, sessionkit.Config{Logger: logger})
	forged := store.NewID() + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	getSession(h.m, context.Background(), bearerHeader("Bearer "+forged))
	recs := logs.Records(sessionkit.EventBadCookie)
	if len(recs) != 1 || recs[0].Attrs["cookie"] != "Authorization" {
		t.Fatalf("bad-cookie records %v: want one with cookie=Authorization", recs)
	}
	if line := logs.Contains(forged[:20]); line != "" {
		t.Fatalf("the log holds the token: %q", line)
	}
}

// TestBearerAndCookie: as in Better Auth, a valid bearer token names the
// session even when a session cookie is present; an invalid one leaves
// the cookie's session.
func TestBearerAndCookie(t *testing.T) {
	t.Parallel()
	h := bearerHarness(t, sessionkit.Config{CookieCache: sessionkit.CookieCache{Enabled: true}})
	ada, bob := h.user("ada@example.com"), h.user("bob@example.com")
	_, adaCookie, adaSess := h.signInBearer(ada.ID)
	bobCred, _, bobSess := h.signInBearer(bob.ID)
	ctx := context.Background()

	hd := http.Header{"Cookie": {adaCookie}, "Authorization": {"Bearer " + bobCred}}
	l, err := h.m.LookupHeader(ctx, hd, sessionkit.LookupOptions{})
	if err != nil || l.Found.Session.ID != bobSess.Session.ID {
		t.Fatalf("bearer and cookie: %v %v, want the bearer's session", l.Found, err)
	}
	if l.Found.Source != sessionkit.SourceStore {
		t.Fatalf("answered by %s: Ada's cache cookie must not answer for Bob's token", l.Found.Source)
	}
	hd.Set("Authorization", "Bearer "+bobCred[:len(bobCred)-3]+"AA=")
	if got, err := getSession(h.m, ctx, hd); err != nil || got.Session.ID != adaSess.Session.ID {
		t.Fatalf("bad bearer and a cookie: %v %v, want the cookie's session", got, err)
	}
}

// TestBearerRevoked: a revoked session's bearer token is refused at once,
// and, with the cookie cache on, a cache cookie sent along does not
// answer for it once the revocation feed names it.
func TestBearerRevoked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("store", func(t *testing.T) {
		h := bearerHarness(t, sessionkit.Config{})
		u := h.user("ada@example.com")
		cred, _, s := h.signInBearer(u.ID)
		if err := h.m.RevokeSession(ctx, u.ID, s.Session.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := getSession(h.m, ctx, bearerHeader("Bearer "+cred)); !errors.Is(err, sessionkit.ErrNoSession) {
			t.Fatalf("revoked bearer token: %v", err)
		}
	})
	t.Run("cache and feed", func(t *testing.T) {
		fs := &feedStore{Store: memory.New()}
		m, err := sessionkit.New(sessionkit.Config{Secret: testSecret, Store: fs,
			CookieCache: sessionkit.CookieCache{Enabled: true}, Bearer: sessionkit.Bearer{Enabled: true}})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		u, _ := createUser(ctx, m, "U", "u@example.com")
		rec := newResponseRecorder()
		s, _ := m.SignIn(rec, newRequest("POST", "/"), u.ID, sessionkit.SignInOptions{})
		cred := rec.Header().Get("Set-Auth-Token")
		_, dataName, _ := m.CookieNames()
		// A client with a cookie jar keeps the cache cookie and sends it
		// with its bearer token.
		hd := http.Header{"Authorization": {"Bearer " + cred}, "Cookie": {dataName + "=" + findCookie(rec.ResponseRecorder, dataName).Value}}
		fs.each(func(k store.RevocationSink) { k.CaughtUp(time.Now()) })
		if got, err := getSession(m, ctx, hd); err != nil || got.Source == sessionkit.SourceStore {
			t.Fatalf("bearer with its cache cookie: %v %v, want a cache hit", got, err)
		}
		// Revoked elsewhere: the row is gone and the feed names it.
		if err := fs.Store.DeleteSession(ctx, s.Session.Token); err != nil {
			t.Fatal(err)
		}
		fs.each(func(k store.RevocationSink) { k.Revoked(store.Revocation{SessionID: s.Session.ID}) })
		if got, err := getSession(m, ctx, hd); !errors.Is(err, sessionkit.ErrNoSession) {
			t.Fatalf("revoked, named by the feed: %v %v, want ErrNoSession", got, err)
		}
	})
}

// TestBearerSignOut: SignOut with a bearer token ends its session; a
// request with a cookie of another session too ends both; when the store
// fails nothing is cleared and the retry finishes.
func TestBearerSignOut(t *testing.T) {
	t.Parallel()
	st := &deleteFaultStore{Store: memory.New()}
	h := bearerHarness(t, sessionkit.Config{Store: st})
	u := h.user("ada@example.com")
	phoneCred, _, _ := h.signInBearer(u.ID)
	_, laptopCookie, _ := h.signInBearer(u.ID)
	phone := bearerHeader("Bearer " + phoneCred)

	req := httptest.NewRequest("POST", "/sign-out", nil)
	req.Header.Set("Authorization", "Bearer "+phoneCred)
	req.Header.Set("Cookie", laptopCookie)
	st.down.Store(true)
	rec := httptest.NewRecorder()
	if err := h.m.SignOut(rec, req); !errors.Is(err, errStoreDown) {
		t.Fatalf("SignOut with the store down = %v", err)
	}
	if sc := rec.Header().Values("Set-Cookie"); len(sc) != 0 {
		t.Fatalf("failed sign-out wrote cookies: %q", sc)
	}
	if _, err := getSession(h.m, context.Background(), phone); err != nil {
		t.Fatalf("the bearer session is gone although the delete failed: %v", err)
	}
	st.down.Store(false)
	rec = httptest.NewRecorder()
	if err := h.m.SignOut(rec, req); err != nil {
		t.Fatal(err)
	}
	if _, err := getSession(h.m, context.Background(), phone); !errors.Is(err, sessionkit.ErrNoSession) {
		t.Fatalf("bearer session after sign-out: %v", err)
	}
	if h.live(laptopCookie) {
		t.Fatal("the cookie's session outlived a sign-out that carried it")
	}
}

// TestBearerSignInEndsPrevious: SignIn ends the session of the request's
// bearer token unless KeepPrevious, as it does the cookie's.
func TestBearerSignInEndsPrevious(t *testing.T) {
	t.Parallel()
	h := bearerHarness(t, sessionkit.Config{})
	u := h.user("ada@example.com")
	ctx := context.Background()
	for _, keep := range []bool{true, false} {
		cred, _, _ := h.signInBearer(u.ID)
		req := httptest.NewRequest("POST", "/sign-in", nil)
		req.Header.Set("Authorization", "Bearer "+cred)
		rec := httptest.NewRecorder()
		if _, err := h.m.SignIn(rec, req, u.ID, sessionkit.SignInOptions{KeepPrevious: keep}); err != nil {
			t.Fatal(err)
		}
		_, err := getSession(h.m, ctx, bearerHeader("Bearer "+cred))
		if keep != (err == nil) {
			t.Fatalf("KeepPrevious %v: previous bearer session lookup: %v", keep, err)
		}
		if next := rec.Header().Get("Set-Auth-Token"); next == "" || next == cred {
			t.Fatalf("KeepPrevious %v: Set-Auth-Token %q", keep, next)
		}
	}
}

// TestBearerConfig: settings that cannot mean what they say are refused.
func TestBearerConfig(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]sessionkit.Config{
		"unsigned without enabled": {Bearer: sessionkit.Bearer{AllowUnsignedTokens: true}},
		"stateless":                {Stateless: true, Bearer: sessionkit.Bearer{Enabled: true}},
	} {
		cfg.Secret = testSecret
		cfg.Store = memory.New()
		if m, err := sessionkit.New(cfg); !errors.Is(err, sessionkit.ErrConfig) {
			if m != nil {
				m.Close()
			}
			t.Errorf("%s: New = %v, want ErrConfig", name, err)
		}
	}
}

// BenchmarkBearerLookup: a store lookup named by a bearer token against
// the same lookup named by the cookie, on a memory store: the same
// allocations (2, 320 B on Go 1.26), the same path after the header.
func BenchmarkBearerLookup(b *testing.B) {
	m, err := sessionkit.New(sessionkit.Config{Secret: testSecret, Store: memory.New(), Bearer: sessionkit.Bearer{Enabled: true}})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	ctx := context.Background()
	u, _ := createUser(ctx, m, "Bench", "bench@example.com")
	rec := httptest.NewRecorder()
	if _, err := m.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{}); err != nil {
		b.Fatal(err)
	}
	tokenName, _, _ := m.CookieNames()
	for name, h := range map[string]http.Header{
		"cookie": {"Cookie": {tokenName + "=" + findCookie(rec, tokenName).Value}},
		"bearer": {"Authorization": {"Bearer " + rec.Header().Get("Set-Auth-Token")}},
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.LookupHeader(ctx, h, sessionkit.LookupOptions{DisableRefresh: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
