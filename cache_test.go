package sessionkit_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/internal/vectors"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

var strategies = []string{"compact", "jwt", "jwe", "securecookie"}

// TestCacheReadsBetterAuthCookies: every session_data cookie Better Auth
// minted answers the request with zero store calls.
func TestCacheReadsBetterAuthCookies(t *testing.T) {
	t.Parallel()
	for _, set := range vectors.All(t) {
		if set.Config.Strategy == "none" {
			continue
		}
		t.Run(set.Name, func(t *testing.T) {
			t.Parallel()
			st, err := sqlite.OpenWith(set.CopyDB(t), sqlite.Options{SweepInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			counting := &countingStore{Store: st}
			m, err := sessionkit.New(sessionkit.Config{
				Secret: set.Config.Secret, BaseURL: set.Config.BaseURL, Store: counting, Now: set.Now,
				CookieCache: sessionkit.CookieCache{Enabled: true, Strategy: set.Config.Strategy},
			})
			if err != nil {
				t.Fatal(err)
			}
			for name, ex := range map[string]vectors.Exchange{"rememberMe": set.SignIn.RememberMe, "noRememberMe": set.SignIn.NoRememberMe} {
				l, err := m.LookupHeader(context.Background(), http.Header{"Cookie": {ex.CookieHeader}}, sessionkit.LookupOptions{})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if l.Found.Session.Token != ex.Body.Token || l.Found.User.Email != set.Credentials.Email || l.Found.User.Name != set.Credentials.Name {
					t.Fatalf("%s: session %+v", name, l.Found)
				}
				if len(l.Cookies) != 0 {
					t.Fatalf("%s: a cache hit set cookies: %v", name, l.Cookies)
				}
			}
			if n := counting.reads.Load(); n != 0 {
				t.Fatalf("%d store reads; a cache hit must make none", n)
			}
			// Chunks in reverse order still answer from the cache.
			if set.Name == "compact-chunked" {
				parts := strings.Split(set.SignIn.RememberMe.CookieHeader, "; ")
				for i, k := 0, len(parts)-1; i < k; i, k = i+1, k-1 {
					parts[i], parts[k] = parts[k], parts[i]
				}
				if _, err := getSession(m, context.Background(), http.Header{"Cookie": {strings.Join(parts, "; ")}}); err != nil || counting.reads.Load() != 0 {
					t.Fatalf("reversed chunks: %v, %d reads", err, counting.reads.Load())
				}
			}
		})
	}
}

// cacheHarness is a harness with the cookie cache on.
func cacheHarness(t *testing.T, strategy string, cfg sessionkit.Config) *harness {
	cfg.CookieCache.Enabled = true
	cfg.CookieCache.Strategy = strategy
	return newHarness(t, cfg)
}

func lookup(t *testing.T, h *harness, cookie string) *sessionkit.Lookup {
	t.Helper()
	l, err := h.m.LookupHeader(context.Background(), http.Header{"Cookie": {cookie}}, sessionkit.LookupOptions{})
	if err != nil && !errors.Is(err, sessionkit.ErrNoSession) {
		t.Fatal(err)
	}
	return l
}

// merge applies Set-Cookie lines to a Cookie header, as a browser would.
func merge(cookie string, set []*http.Cookie) string {
	jar := map[string]string{}
	var order []string
	for _, part := range strings.Split(cookie, "; ") {
		if k, v, ok := strings.Cut(part, "="); ok {
			if _, seen := jar[k]; !seen {
				order = append(order, k)
			}
			jar[k] = v
		}
	}
	for _, c := range set {
		if c.MaxAge < 0 {
			delete(jar, c.Name)
			continue
		}
		if _, seen := jar[c.Name]; !seen {
			order = append(order, c.Name)
		}
		jar[c.Name] = c.Value
	}
	var parts []string
	for _, k := range order {
		if v, ok := jar[k]; ok {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, "; ")
}

func TestCacheHitSkipsStore(t *testing.T) {
	t.Parallel()
	for _, strategy := range strategies {
		t.Run(strategy, func(t *testing.T) {
			t.Parallel()
			h := cacheHarness(t, strategy, sessionkit.Config{})
			u := h.user("ada@example.com")
			cookie, s := h.signIn(u.ID, sessionkit.SignInOptions{})
			if !strings.Contains(cookie, "better-auth.session_data=") {
				t.Fatalf("sign-in set no cache cookie: %s", cookie)
			}
			for range 3 {
				l := lookup(t, h, cookie)
				if l.Found == nil || l.Found.Session.Token != s.Session.Token || l.Found.User.Email != "ada@example.com" || l.Found.Source != strategy {
					t.Fatalf("cache lookup = %+v", l.Found)
				}
			}
			if n := h.store.reads.Load(); n != 0 {
				t.Fatalf("%d store reads with a valid cache cookie", n)
			}
			// From MaxAge on the store answers again and a new cache
			// cookie is set.
			h.clock.Advance(sessionkit.DefaultCacheMaxAge)
			l := lookup(t, h, cookie)
			if l.Found == nil || h.store.reads.Load() != 1 || l.Found.Source != sessionkit.SourceStore {
				t.Fatalf("expired cache: session %v, %d reads", l.Found, h.store.reads.Load())
			}
			var fresh *http.Cookie
			for _, c := range l.Cookies {
				if c.Name == "better-auth.session_data" {
					fresh = c
				}
			}
			if fresh == nil || fresh.MaxAge != 300 || fresh.Value == "" {
				t.Fatalf("no fresh cache cookie: %v", l.Cookies)
			}
			cookie = merge(cookie, l.Cookies)
			lookup(t, h, cookie)
			if n := h.store.reads.Load(); n != 1 {
				t.Fatalf("the re-minted cache cookie was not used: %d reads", n)
			}
		})
	}
}

// TestCacheFallbacks: any bad cache cookie falls back to the store, expires
// itself (and its chunks) and is replaced. Never an error.
func TestCacheFallbacks(t *testing.T) {
	t.Parallel()
	h := cacheHarness(t, "compact", sessionkit.Config{})
	u := h.user("ada@example.com")
	cookie, s := h.signIn(u.ID, sessionkit.SignInOptions{})
	_, other := h.signIn(u.ID, sessionkit.SignInOptions{})
	tokenPart := strings.Split(cookie, "; ")[0]
	dataVal := strings.TrimPrefix(strings.Split(cookie, "; ")[1], "better-auth.session_data=")

	// A cache cookie minted for another session, under another secret, of
	// another version, and in another format.
	mint := func(cfg sessionkit.Config, strategy string, token string) string {
		cfg.CookieCache = sessionkit.CookieCache{Enabled: true, Strategy: strategy, Version: cfg.CookieCache.Version}
		mm := h.sibling(cfg)
		l, err := mm.LookupHeader(context.Background(), http.Header{"Cookie": {"better-auth.session_token=" + sessionkit.SignedTokenValue(mm, token)}}, sessionkit.LookupOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range l.Cookies {
			if c.Name == "better-auth.session_data" {
				return c.Value
			}
		}
		t.Fatalf("no cache cookie minted: %v", l.Cookies)
		return ""
	}
	flip := []byte(dataVal)
	flip[len(flip)/2] ^= 0x01
	cases := map[string]string{
		"tampered":       string(flip),
		"truncated":      dataVal[:len(dataVal)-10],
		"random bytes":   base64.RawURLEncoding.EncodeToString([]byte("\x00\xff random bytes \x01")),
		"not base64":     "a.b.c",
		"empty":          "",
		"huge":           strings.Repeat("A", 6000),
		"wrong token":    mint(sessionkit.Config{}, "compact", other.Session.Token),
		"wrong key":      mint(sessionkit.Config{Secret: testSecretOther}, "compact", s.Session.Token),
		"wrong version":  mint(sessionkit.Config{CookieCache: sessionkit.CookieCache{Version: "2"}}, "compact", s.Session.Token),
		"jwe to compact": mint(sessionkit.Config{}, "jwe", s.Session.Token),
		"jwt to compact": mint(sessionkit.Config{}, "jwt", s.Session.Token),
	}
	for desc, val := range cases {
		t.Run(desc, func(t *testing.T) {
			before := h.store.reads.Load()
			c := tokenPart + "; better-auth.session_data=" + val + "; better-auth.session_data.0=stale; better-auth.session_data.3=stale"
			l := lookup(t, h, c)
			if l.Found == nil || l.Found.Session.Token != s.Session.Token {
				t.Fatalf("no fallback to the store: %+v", l.Found)
			}
			if h.store.reads.Load() != before+1 {
				t.Fatal("the store was not read")
			}
			got := map[string]*http.Cookie{}
			for _, c := range l.Cookies {
				got[c.Name] = c
			}
			if c := got["better-auth.session_data"]; c == nil || c.MaxAge <= 0 || c.Value == "" {
				t.Fatalf("no fresh cache cookie: %v", l.Cookies)
			}
			for _, n := range []string{"better-auth.session_data.0", "better-auth.session_data.3"} {
				if c := got[n]; c == nil || c.MaxAge >= 0 {
					t.Fatalf("stale chunk %s not expired: %v", n, l.Cookies)
				}
			}
		})
	}
	// Through the middleware: a gated route answers 200, never 500.
	app := middleware.Load(h.m)(middleware.RequireSession()(whoami))
	for desc, val := range cases {
		if rec := do(app, "GET", "/", tokenPart+"; better-auth.session_data="+val); rec.Code != 200 {
			t.Fatalf("%s: status %d", desc, rec.Code)
		}
	}
}

func TestCacheVersionBumpInvalidates(t *testing.T) {
	t.Parallel()
	h := cacheHarness(t, "jwt", sessionkit.Config{})
	u := h.user("ada@example.com")
	cookie, _ := h.signIn(u.ID, sessionkit.SignInOptions{})
	bumped := h.sibling(sessionkit.Config{CookieCache: sessionkit.CookieCache{Enabled: true, Strategy: "jwt", Version: "2"}})
	if _, err := getSession(bumped, context.Background(), http.Header{"Cookie": {cookie}}); err != nil {
		t.Fatal(err)
	}
	if n := h.store.reads.Load(); n != 1 {
		t.Fatalf("a version-1 cache answered a version-2 manager (%d reads)", n)
	}
}

func TestCacheSecretRotation(t *testing.T) {
	t.Parallel()
	for _, strategy := range strategies {
		t.Run(strategy, func(t *testing.T) {
			t.Parallel()
			h := cacheHarness(t, strategy, sessionkit.Config{})
			u := h.user("ada@example.com")
			cookie, _ := h.signIn(u.ID, sessionkit.SignInOptions{})
			rotated := h.sibling(sessionkit.Config{Secret: testSecretOther, OldSecrets: []string{testSecret},
				CookieCache: sessionkit.CookieCache{Enabled: true, Strategy: strategy}})
			if _, err := getSession(rotated, context.Background(), http.Header{"Cookie": {cookie}}); err != nil {
				t.Fatal(err)
			}
			if n := h.store.reads.Load(); n != 0 {
				t.Fatalf("a cache cookie made under the old secret was not read (%d store reads)", n)
			}
		})
	}
}

// TestCacheChunking: a user too large for one cookie gets chunks, each
// Set-Cookie line within 4050 bytes, and they read back from the cache.
func TestCacheChunking(t *testing.T) {
	t.Parallel()
	h := cacheHarness(t, "compact", sessionkit.Config{BaseURL: "https://app.example.com"})
	u := store.User{ID: store.NewID(), Name: "Big <&> \u2028 😀", Email: "big@example.com",
		Image: "data:image/png;base64," + strings.Repeat("iVBORw0KGgo", 1100), CreatedAt: h.clock.Now(), UpdatedAt: h.clock.Now()}
	if err := h.store.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	rec := newRecorderSignIn(t, h, u.ID)
	lines := rec.Header()["Set-Cookie"]
	var chunks int
	for _, line := range lines {
		if len(line) > cache.MaxCookieSize {
			t.Fatalf("Set-Cookie line of %d bytes", len(line))
		}
		if strings.HasPrefix(line, "__Secure-better-auth.session_data.") {
			chunks++
		}
	}
	if chunks < 2 {
		t.Fatalf("%d chunks for a %d-byte image: %v", chunks, len(u.Image), lines)
	}
	cookie := cookieHeader(rec.Result().Cookies())
	s, err := getSession(h.m, context.Background(), http.Header{"Cookie": {cookie}})
	if err != nil || s.User.Image != u.Image || s.User.Name != u.Name {
		t.Fatalf("chunked cache: %v", err)
	}
	if n := h.store.reads.Load(); n != 0 {
		t.Fatalf("%d store reads for a chunked cache", n)
	}
	// A request with more chunks than the new value needs gets the extra
	// ones expired.
	h.clock.Advance(6 * time.Minute)
	extra := cookie + "; __Secure-better-auth.session_data.9=stale"
	l := lookup(t, h, extra)
	expired := false
	for _, c := range l.Cookies {
		if c.Name == "__Secure-better-auth.session_data.9" && c.MaxAge < 0 {
			expired = true
		}
		if !c.Secure {
			t.Fatalf("cookie %s without Secure under https", c.Name)
		}
	}
	if !expired {
		t.Fatalf("stale chunk not expired: %v", l.Cookies)
	}
}

func newRecorderSignIn(t *testing.T, h *harness, userID string) *responseRecorder {
	t.Helper()
	rec := newResponseRecorder()
	if _, err := h.m.SignIn(rec, newRequest("POST", "/"), userID, sessionkit.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestFreshBypassesCache: without a revocation feed, a revoked session
// keeps answering from its cache cookie on ordinary routes until MaxAge
// (the documented delay), but never passes RequireFresh, which re-reads
// the store. With the memory store's feed it is refused at once
// (TestFreshBypassesCacheFeed).
func TestFreshBypassesCache(t *testing.T) {
	t.Parallel()
	h := feedlessCacheHarness(t, "compact", sessionkit.Config{})
	app := routers(h.m)["ServeMux"]
	u := h.user("ada@example.com")
	cookie, s := h.signIn(u.ID, sessionkit.SignInOptions{})
	if err := h.m.RevokeSession(context.Background(), u.ID, s.Session.Token); err != nil {
		t.Fatal(err)
	}
	if rec := do(app, "GET", "/dashboard", cookie); rec.Code != 200 {
		t.Fatalf("cache within MaxAge: %d", rec.Code)
	}
	if rec := do(app, "GET", "/settings", cookie); rec.Code != 401 {
		t.Fatalf("RequireFresh let a revoked session through its cache: %d", rec.Code)
	}
	h.clock.Advance(sessionkit.DefaultCacheMaxAge)
	if rec := do(app, "GET", "/dashboard", cookie); rec.Code != 401 {
		t.Fatalf("revoked session after MaxAge: %d", rec.Code)
	}
}

// TestFreshBypassesCacheFeed: with the store's revocation feed (the
// memory store's, found under the test's counting wrapper), a revoked
// session's cache cookie is refused on ordinary routes at once.
func TestFreshBypassesCacheFeed(t *testing.T) {
	t.Parallel()
	h := cacheHarness(t, "compact", sessionkit.Config{})
	app := routers(h.m)["ServeMux"]
	u := h.user("ada@example.com")
	cookie, s := h.signIn(u.ID, sessionkit.SignInOptions{})
	if rec := do(app, "GET", "/dashboard", cookie); rec.Code != 200 {
		t.Fatalf("live session: %d", rec.Code)
	}
	if err := h.m.RevokeSession(context.Background(), u.ID, s.Session.Token); err != nil {
		t.Fatal(err)
	}
	if rec := do(app, "GET", "/dashboard", cookie); rec.Code != 401 {
		t.Fatalf("the feed let a revoked session through its cache: %d", rec.Code)
	}
}

func TestStateless(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sessionkit.Config{Stateless: true, ExpiresIn: 10 * time.Hour})
	u := h.user("ada@example.com")
	rec := newRecorderSignIn(t, h, u.ID)
	data := findCookie(rec.ResponseRecorder, "better-auth.session_data")
	if data == nil || data.MaxAge != 36000 || strings.Count(data.Value, ".") != 4 {
		t.Fatalf("stateless cache cookie should be a JWE living ExpiresIn: %+v", data)
	}
	cookie := cookieHeader(rec.Result().Cookies())
	reads := func() int64 { return h.store.reads.Load() }

	// 7 hours in (70% of the cookie's life): answered, nothing re-minted.
	h.clock.Advance(7 * time.Hour)
	l := lookup(t, h, cookie)
	if l.Found == nil || len(l.Cookies) != 0 {
		t.Fatalf("at 70%%: %v %v", l.Found, l.Cookies)
	}
	created := l.Found.Session.CreatedAt
	expires := l.Found.Session.ExpiresAt
	// 9 hours in (less than 20% left): re-minted, same absolute expiry.
	h.clock.Advance(2 * time.Hour)
	l = lookup(t, h, cookie)
	if l.Found == nil || len(l.Cookies) != 2 {
		t.Fatalf("at 90%%: no re-mint: %v", l.Cookies)
	}
	cookie = merge(cookie, l.Cookies)
	h.clock.Advance(time.Minute)
	l = lookup(t, h, cookie)
	if !l.Found.Session.ExpiresAt.Equal(expires) || !l.Found.Session.CreatedAt.Equal(created) {
		t.Fatalf("the session's absolute expiry moved: %v → %v", expires, l.Found.Session.ExpiresAt)
	}
	// The re-minted cookie has a full MaxAge ahead of it: the
	// next requests are not re-minted again.
	if len(l.Cookies) != 0 {
		t.Fatalf("re-minted again a minute after a re-mint: %v", l.Cookies)
	}
	// Past the absolute expiry: signed out, cookies cleared.
	h.clock.Advance(time.Hour + time.Second)
	l = lookup(t, h, cookie)
	if l.Found != nil || len(l.Cookies) == 0 {
		t.Fatalf("past expiry: %v %v", l.Found, l.Cookies)
	}
	if n := reads(); n != 0 {
		t.Fatalf("stateless mode read the store %d times", n)
	}
	// Sign-out clears every cookie.
	req := newRequest("POST", "/sign-out")
	req.Header.Set("Cookie", cookie)
	out := newResponseRecorder()
	if err := h.m.SignOut(out, req); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"better-auth.session_token", "better-auth.session_data", "better-auth.dont_remember"} {
		if c := findCookie(out.ResponseRecorder, name); c == nil || c.MaxAge >= 0 {
			t.Fatalf("sign-out did not expire %s: %v", name, out.Header()["Set-Cookie"])
		}
	}
	// A version bump signs everyone out.
	h2 := newHarness(t, sessionkit.Config{Stateless: true})
	u2 := h2.user("b@example.com")
	c2, _ := h2.signIn(u2.ID, sessionkit.SignInOptions{})
	bumped := h2.sibling(sessionkit.Config{Stateless: true, CookieCache: sessionkit.CookieCache{Version: "2"}})
	if _, err := getSession(bumped, context.Background(), http.Header{"Cookie": {c2}}); !errors.Is(err, sessionkit.ErrNoSession) {
		t.Fatalf("version bump kept a stateless session: %v", err)
	}
}

// grownUserStore answers session reads with the user's image replaced, as
// if the user had been updated since the cache cookie was minted.
type grownUserStore struct {
	*countingStore
	image string
}

func (s *grownUserStore) SessionByToken(ctx context.Context, token string) (store.Session, store.User, error) {
	sess, u, err := s.countingStore.SessionByToken(ctx, token)
	u.Image = s.image
	return sess, u, err
}

// TestCacheRewriteExpiresCarriedCookies: every path that writes a new cache
// cookie first expires the cache cookies the request carried,
// so a stale single cookie cannot shadow new chunks (the plain name wins on
// reading), stale chunks do not linger, and a value too large to write
// still clears the old one.
func TestCacheRewriteExpiresCarriedCookies(t *testing.T) {
	t.Parallel()
	big := "data:image/png;base64," + strings.Repeat("iVBORw0KGgo", 1100)
	huge := strings.Repeat("x", 500<<10)
	for _, tt := range []struct {
		name            string
		before, after   string // the user's image at sign-in, at the lookup
		wantSet         []string
		wantExpired     []string
		wantCacheAnswer bool // the merged cookies answer from the cache with the new image
	}{
		{"single to chunked", "", big,
			[]string{"better-auth.session_data.0", "better-auth.session_data.1"},
			[]string{"better-auth.session_data"}, true},
		{"chunked to single", big, "",
			[]string{"better-auth.session_data"},
			[]string{"better-auth.session_data.0", "better-auth.session_data.1", "better-auth.session_data.2"}, true},
		{"too large for cookies", "", huge,
			nil, []string{"better-auth.session_data"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs := &countingStore{Store: memory.New()}
			gs := &grownUserStore{countingStore: cs, image: tt.before}
			h := newHarness(t, sessionkit.Config{Store: gs, CookieCache: sessionkit.CookieCache{Enabled: true, Strategy: "compact"}})
			u := store.User{ID: store.NewID(), Name: "Ada", Email: "ada@example.com", Image: tt.before, CreatedAt: h.clock.Now(), UpdatedAt: h.clock.Now()}
			if err := gs.CreateUser(context.Background(), u); err != nil {
				t.Fatal(err)
			}
			cookie, _ := h.signIn(u.ID, sessionkit.SignInOptions{})
			gs.image = tt.after
			// An authoritative read (as the revoke endpoints make) rewrites
			// the cache while the old one is still valid.
			l, err := h.m.LookupHeader(context.Background(), http.Header{"Cookie": {cookie}}, sessionkit.LookupOptions{DisableCookieCache: true})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]*http.Cookie{}
			var names []string
			for _, c := range l.Cookies {
				got[c.Name] = c
				names = append(names, fmt.Sprintf("%s(Max-Age %d)", c.Name, c.MaxAge))
			}
			for _, n := range tt.wantSet {
				if c := got[n]; c == nil || c.MaxAge <= 0 {
					t.Errorf("%s not set: %v", n, names)
				}
			}
			for _, n := range tt.wantExpired {
				if c := got[n]; c == nil || c.MaxAge >= 0 {
					t.Errorf("carried %s not expired: %v", n, names)
				}
			}
			reads := cs.reads.Load()
			s, err := getSession(h.m, context.Background(), http.Header{"Cookie": {merge(cookie, l.Cookies)}})
			if err != nil {
				t.Fatal(err)
			}
			fromCache := cs.reads.Load() == reads
			if fromCache != tt.wantCacheAnswer || s.User.Image != tt.after {
				t.Errorf("next request: from cache %v (want %v), image of %d bytes (want %d)", fromCache, tt.wantCacheAnswer, len(s.User.Image), len(tt.after))
			}
		})
	}
}

// TestManyCacheCookieNames: a request stuffed with cache-like cookie names
// (up to the server's header limit) gets at most one expiry per name
// Better Auth can write, not one per name it sent, and the work stays
// linear: no amplification of junk input into a huge response.
func TestManyCacheCookieNames(t *testing.T) {
	t.Parallel()
	for _, cached := range []bool{false, true} {
		h := newHarness(t, sessionkit.Config{CookieCache: sessionkit.CookieCache{Enabled: cached}})
		u := h.user("ada@example.com")
		cookie, _ := h.signIn(u.ID, sessionkit.SignInOptions{})
		var b strings.Builder
		b.WriteString(cookie)
		for i := 0; b.Len() < http.DefaultMaxHeaderBytes/2; i++ {
			fmt.Fprintf(&b, "; better-auth.session_data.%d=x", i)
		}
		for _, c := range []string{b.String(), strings.SplitN(b.String(), "; ", 2)[1]} {
			l, err := h.m.LookupHeader(context.Background(), http.Header{"Cookie": {c}}, sessionkit.LookupOptions{})
			if err != nil && !errors.Is(err, sessionkit.ErrNoSession) {
				t.Fatal(err)
			}
			if n := len(l.Cookies); n > cache.MaxChunks+3 {
				t.Fatalf("cache %v: %d Set-Cookie lines for one request", cached, n)
			}
		}
	}
}

// TestCacheMemoKeepsChecks: a cache cookie the Manager remembers (it has
// answered it before, see cache.Memo) still goes through every check that
// depends on the request or the time: its own expiry to the millisecond,
// the token of the session_token cookie, and revocation.
func TestCacheMemoKeepsChecks(t *testing.T) {
	t.Parallel()
	for _, strategy := range strategies[:3] {
		t.Run(strategy, func(t *testing.T) {
			t.Parallel()
			// The memory store itself, for its revocation feed.
			h := cacheHarness(t, strategy, sessionkit.Config{Store: memory.New()})
			u := h.user("ada@example.com")
			cookieA, a := h.signIn(u.ID, sessionkit.SignInOptions{})
			cookieB, b := h.signIn(u.ID, sessionkit.SignInOptions{})
			for range 2 {
				for _, c := range []string{cookieA, cookieB} {
					if l := lookup(t, h, c); l.Found == nil || l.Found.Source != strategy {
						t.Fatalf("no cache hit: %+v", l.Found)
					}
				}
			}
			if n := sessionkit.CacheMemoLen(h.m); n != 2 {
				t.Fatalf("%d values remembered, want 2", n)
			}
			part := func(cookie, name string) string {
				for _, p := range strings.Split(cookie, "; ") {
					if strings.HasPrefix(p, name+"=") {
						return p
					}
				}
				t.Fatalf("no %s in %q", name, cookie)
				return ""
			}
			// B's token with A's remembered cache cookie: the store answers, for B.
			mixed := part(cookieB, "better-auth.session_token") + "; " + part(cookieA, "better-auth.session_data")
			if l := lookup(t, h, mixed); l.Found == nil || l.Found.Source != sessionkit.SourceStore || l.Found.Session.Token != b.Session.Token {
				t.Fatalf("token mismatch answered %+v", l.Found)
			}
			// A revoked: refused once the feed has it (within its lag), remembered or not.
			if err := h.m.RevokeSession(context.Background(), u.ID, a.Session.Token); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(5 * time.Second); lookup(t, h, cookieA).Found != nil; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("a revoked session is still answered from the memo after 5 s")
				}
			}
			if n := sessionkit.CacheMemoLen(h.m); n != 2 {
				t.Fatalf("%d values remembered, want A's still there", n)
			}
			for range 3 {
				if l := lookup(t, h, cookieA); l.Found != nil {
					t.Fatalf("a revoked session answered: %+v", l.Found)
				}
			}
			// B's cache cookie up to its last instant, then never again.
			last := sessionkit.DefaultCacheMaxAge - time.Millisecond
			if strategy != "compact" {
				last = sessionkit.DefaultCacheMaxAge - time.Second // exp in whole seconds
			}
			h.clock.Advance(last)
			if l := lookup(t, h, cookieB); l.Found == nil || l.Found.Source != strategy {
				t.Fatalf("just before the cache expires: %+v", l.Found)
			}
			h.clock.Advance(sessionkit.DefaultCacheMaxAge - last)
			if l := lookup(t, h, cookieB); l.Found == nil || l.Found.Source != sessionkit.SourceStore {
				t.Fatalf("an expired cache cookie answered: %+v", l.Found)
			}
		})
	}
}
