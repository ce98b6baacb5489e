package sessionkit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

// whoami writes the session's user email, or "anonymous".
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if s, ok := sessionkit.FromContext(r.Context()); ok {
		fmt.Fprint(w, s.User.Email)
		return
	}
	fmt.Fprint(w, "anonymous")
})

// routers builds the app on the standard library's router (the same test
// on chi and gorilla/mux lives in example/routers, whose module has them).
func routers(m *sessionkit.Manager) map[string]http.Handler {
	requireSession := middleware.RequireSession()
	requirePage := middleware.RequireSessionWithOpts(middleware.RequireSessionOpts{LoginURL: "/login"})
	requireFresh := middleware.RequireFresh(m)
	load := middleware.Load(m)

	std := http.NewServeMux()
	std.Handle("GET /public", whoami)
	std.Handle("GET /dashboard", requireSession(whoami))
	std.Handle("GET /page", requirePage(whoami))
	std.Handle("GET /settings", requireFresh(whoami))

	return map[string]http.Handler{"ServeMux": load(std)}
}

func TestMiddlewaresOnEveryRouter(t *testing.T) {
	t.Parallel()
	for name := range routers(newHarness(t, sessionkit.Config{}).m) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, sessionkit.Config{})
			app := routers(h.m)[name]
			u := h.user("ada@example.com")
			cookie, s := h.signIn(u.ID, sessionkit.SignInOptions{})

			check := func(path, cookie string, wantCode int, wantBody string, hdr ...string) *httptest.ResponseRecorder {
				t.Helper()
				rec := do(app, "GET", path, cookie, hdr...)
				if rec.Code != wantCode || strings.TrimSpace(rec.Body.String()) != wantBody {
					t.Fatalf("GET %s: %d %q; want %d %q", path, rec.Code, rec.Body.String(), wantCode, wantBody)
				}
				return rec
			}
			unauthorized := `{"message":"Unauthorized","code":"UNAUTHORIZED"}`
			check("/public", "", 200, "anonymous")
			check("/public", cookie, 200, "ada@example.com")
			rec := check("/dashboard", "", 401, unauthorized)
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Fatalf("401 content type %q", ct)
			}
			check("/dashboard", cookie, 200, "ada@example.com")
			check("/settings", cookie, 200, "ada@example.com")
			check("/settings", "", 401, unauthorized)

			// A page sends browsers to the login form, with the way back.
			rec = do(app, "GET", "/page?tab=2", "", "Accept", "text/html,application/xhtml+xml")
			if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login?returnTo=%2Fpage%3Ftab%3D2" {
				t.Fatalf("page redirect: %d %q", rec.Code, rec.Header().Get("Location"))
			}
			check("/page", "", 401, unauthorized) // API callers still get 401

			// A day later the session is no longer fresh, but still valid.
			h.clock.Advance(24 * time.Hour)
			check("/settings", cookie, 403, `{"message":"Session is not fresh","code":"SESSION_NOT_FRESH"}`)
			check("/dashboard", cookie, 200, "ada@example.com")

			// A revoked session passes no gate.
			if err := h.m.RevokeSession(t.Context(), u.ID, s.Session.Token); err != nil {
				t.Fatal(err)
			}
			check("/dashboard", cookie, 401, unauthorized)
			check("/settings", cookie, 401, unauthorized)
		})
	}
}

func TestFreshAgeDisabled(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sessionkit.Config{FreshAge: sessionkit.Disabled})
	u := h.user("a@example.com")
	cookie, _ := h.signIn(u.ID, sessionkit.SignInOptions{})
	h.clock.Advance(5 * 24 * time.Hour)
	if rec := do(routers(h.m)["ServeMux"], "GET", "/settings", cookie); rec.Code != 200 {
		t.Fatalf("FreshAge disabled: %d %s", rec.Code, rec.Body)
	}
}

func TestFreshFromCreatedAtNotActivity(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sessionkit.Config{FreshAge: time.Hour, UpdateAge: time.Minute})
	app := routers(h.m)["ServeMux"]
	u := h.user("a@example.com")
	cookie, _ := h.signIn(u.ID, sessionkit.SignInOptions{})
	for i := 0; i < 6; i++ { // activity every 10 minutes slides the session
		h.clock.Advance(10 * time.Minute)
		if rec := do(app, "GET", "/dashboard", cookie); rec.Code != 200 {
			t.Fatal(rec.Code)
		}
	}
	if rec := do(app, "GET", "/settings", cookie); rec.Code != 403 {
		t.Fatalf("an hour after sign-in, with activity: %d, want 403", rec.Code)
	}
}

// TestLoadWritesCookiesBeforeBody: the refreshed token cookie reaches the
// client even though the handler writes its body at once.
func TestLoadWritesCookiesBeforeBody(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sessionkit.Config{})
	u := h.user("a@example.com")
	cookie, _ := h.signIn(u.ID, sessionkit.SignInOptions{})
	h.clock.Advance(25 * time.Hour)
	srv := httptest.NewServer(middleware.Load(h.m)(whoami))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Cookie", cookie)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var got *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "better-auth.session_token" {
			got = c
		}
	}
	if got == nil || got.MaxAge != 604800 {
		t.Fatalf("no refreshed token cookie in %v", res.Header["Set-Cookie"])
	}
}

// TestConcurrentSlideWritesOnce: 100 requests of one session that is due a
// slide make exactly one store write.
func TestConcurrentSlideWritesOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sessionkit.Config{})
	u := h.user("a@example.com")
	cookie, s := h.signIn(u.ID, sessionkit.SignInOptions{})
	h.clock.Advance(25 * time.Hour)
	app := middleware.Load(h.m)(middleware.RequireSession()(whoami))

	var wg sync.WaitGroup
	codes := make(chan int, 100)
	start := make(chan struct{})
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes <- do(app, "GET", "/", cookie).Code
		}()
	}
	close(start)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Fatalf("a request got %d", c)
		}
	}
	if n := h.store.slides.Load(); n != 1 {
		t.Fatalf("%d store writes for one due slide, want exactly 1", n)
	}
	got, _, _ := h.store.SessionByToken(t.Context(), s.Session.Token)
	if want := h.clock.Now().Add(sessionkit.DefaultExpiresIn); !got.ExpiresAt.Equal(want) {
		t.Fatalf("expiresAt %v, want %v", got.ExpiresAt, want)
	}
}

// TestBadCookiesMeanNoSession: hostile cookie headers are "no session":
// 401 on a gated route, never 500, never a panic.
func TestBadCookiesMeanNoSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sessionkit.Config{})
	u := h.user("a@example.com")
	good, s := h.signIn(u.ID, sessionkit.SignInOptions{})
	app := routers(h.m)["ServeMux"]
	name := "better-auth.session_token"
	val := strings.TrimPrefix(good, name+"=")
	forged := name + "=" + s.Session.Token + "." + strings.Repeat("A", 43) + "%3D"
	cases := map[string]string{
		"empty value":           name + "=",
		"empty header":          " ",
		"huge":                  name + "=" + strings.Repeat("a", 5000),
		"huge valid-ish":        name + "=" + val + strings.Repeat("%3D", 2000),
		"non-UTF-8":             name + "=\xff\xfe." + strings.Repeat("\xff", 44),
		"bad percent":           name + "=%zz%" + val,
		"no dot":                name + "=" + s.Session.Token,
		"unsigned token":        name + "=" + s.Session.Token + ".",
		"forged signature":      forged,
		"duplicated, bad first": name + "=x.y; " + good,
		"only separators":       ";;;;=;=",
		"quoted garbage":        name + `="` + strings.Repeat(`"`, 10),
		"NUL bytes":             name + "=\x00\x00." + val,
		"unpadded signature":    strings.TrimSuffix(good, "%3D"),
	}
	for desc, cookie := range cases {
		t.Run(desc, func(t *testing.T) {
			rec := do(app, "GET", "/dashboard", cookie)
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, body %s", rec.Code, rec.Body)
			}
			var body map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body["code"] != "UNAUTHORIZED" {
				t.Fatalf("body %q", rec.Body)
			}
		})
	}
	// The good cookie after a bad duplicate: the first occurrence wins, as
	// in Better Auth, so this is no session either (checked above); the
	// good one first is a session.
	if rec := do(app, "GET", "/dashboard", good+"; "+name+"=x.y"); rec.Code != 200 {
		t.Fatalf("good cookie first: %d", rec.Code)
	}
}

// gatedSlideStore holds every SlideSession until released, then honours
// the context as a network store does.
type gatedSlideStore struct {
	*countingStore
	entered chan struct{}
	release chan struct{}
}

func (s *gatedSlideStore) SlideSession(ctx context.Context, token string, e, u time.Time) (store.Session, error) {
	s.entered <- struct{}{}
	<-s.release
	if err := ctx.Err(); err != nil {
		return store.Session{}, err
	}
	return s.countingStore.SlideSession(ctx, token, e, u)
}

// TestSharedSlideOutlivesItsCaller: requests that wait for a slide another
// request started get its result even when that request's client goes
// away meanwhile; one client's disconnect must not fail the others (503).
func TestSharedSlideOutlivesItsCaller(t *testing.T) {
	t.Parallel()
	cs := &countingStore{Store: memory.New()}
	gs := &gatedSlideStore{countingStore: cs, entered: make(chan struct{}, 1), release: make(chan struct{})}
	h := newHarness(t, sessionkit.Config{Store: gs})
	u := h.user("a@example.com")
	cookie, _ := h.signIn(u.ID, sessionkit.SignInOptions{})
	h.clock.Advance(25 * time.Hour)
	hdr := http.Header{"Cookie": {cookie}}

	first, cancel := context.WithCancel(context.Background())
	firstDone := make(chan struct{})
	go func() {
		defer close(firstDone)
		h.m.LookupHeader(first, hdr, sessionkit.LookupOptions{})
	}()
	<-gs.entered // the first request's slide is in flight
	type result struct {
		l   *sessionkit.Lookup
		err error
	}
	second := make(chan result, 1)
	go func() {
		l, err := h.m.LookupHeader(context.Background(), hdr, sessionkit.LookupOptions{})
		second <- result{l, err}
	}()
	for cs.reads.Load() < 3 { // the second request has read the row and is joining the slide
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	cancel()
	close(gs.release)
	<-firstDone
	r := <-second
	if r.err != nil || r.l.Found == nil {
		t.Fatalf("the waiting request failed with the first one's cancellation: %v", r.err)
	}
}
