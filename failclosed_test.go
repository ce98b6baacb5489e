package sessionkit_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/vectors"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

// TestExpiredCacheCookieNeverUsed: with the row revoked in the store, the
// cache cookie answers until the millisecond before its MaxAge and never
// after: from then on the store answers (no session) and the cookies are
// expired. jwe used to answer 15 s longer (jose's clock tolerance). The
// store has no revocation feed: with one, the revoked row would be refused
// before MaxAge too.
func TestExpiredCacheCookieNeverUsed(t *testing.T) {
	t.Parallel()
	const maxAge = 2 * time.Second
	for _, strategy := range strategies {
		for _, tc := range []struct {
			name   string
			offset time.Duration
			cached bool
		}{
			{"before", -time.Millisecond, true},
			{"at", 0, false},
			{"after", time.Millisecond, false},
			{"within15s", 14 * time.Second, false},
		} {
			t.Run(strategy+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				h := feedlessCacheHarness(t, strategy, sessionkit.Config{CookieCache: sessionkit.CookieCache{MaxAge: maxAge}})
				u := h.user("ada@example.com")
				cookie, s := h.signIn(u.ID, sessionkit.SignInOptions{})
				if err := h.store.DeleteSession(context.Background(), s.Session.Token); err != nil {
					t.Fatal(err)
				}
				h.clock.Advance(maxAge + tc.offset)
				l, err := h.m.LookupHeader(context.Background(), http.Header{"Cookie": {cookie}}, sessionkit.LookupOptions{})
				if tc.cached {
					if err != nil || l.Found.Source != strategy || h.store.reads.Load() != 0 {
						t.Fatalf("cache cookie before its expiry: %v, %d store reads", err, h.store.reads.Load())
					}
					return
				}
				if !errors.Is(err, sessionkit.ErrNoSession) || l.Found != nil || h.store.reads.Load() != 1 {
					t.Fatalf("expired cache cookie answered: err %v, session %v, %d store reads", err, l.Found != nil, h.store.reads.Load())
				}
				var expired bool
				for _, c := range l.Cookies {
					if c.Name == "better-auth.session_data" && c.MaxAge < 0 {
						expired = true
					}
				}
				if !expired {
					t.Fatalf("the cache cookie was not expired: %v", l.Cookies)
				}
			})
		}
	}
}

// onlyCookie keeps the named cookie of a Cookie header: what a client that
// dropped (or never had) the others sends.
func onlyCookie(header, name string) string {
	for _, part := range strings.Split(header, "; ") {
		if strings.HasPrefix(part, name+"=") {
			return part
		}
	}
	return ""
}

// TestRememberMeOffDecidedByRow: a session signed in with remember-me off
// never slides, even when the request carries the token cookie alone (a
// stolen token without its dont_remember cookie used to get a sliding
// ExpiresIn life); a remembered session still slides, whatever ExpiresIn.
func TestRememberMeOffDecidedByRow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		expiresIn time.Duration
	}{
		{"default", 0},
		{"ExpiresIn one day", sessionkit.DontRememberLifetime}, // the lifetimes coincide
		{"ExpiresIn one hour", time.Hour},
		{"ExpiresIn 30 days", 30 * 24 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, sessionkit.Config{ExpiresIn: tc.expiresIn, UpdateAge: 10 * time.Minute})
			u := h.user("a@example.com")
			ctx := context.Background()
			cookie, off := h.signIn(u.ID, sessionkit.SignInOptions{DontRemember: true})
			tokenOnly := onlyCookie(cookie, "better-auth.session_token")
			h.clock.Advance(30 * time.Minute) // past UpdateAge
			l, err := h.m.LookupHeader(ctx, http.Header{"Cookie": {tokenOnly}}, sessionkit.LookupOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !l.Found.Session.ExpiresAt.Equal(off.Session.ExpiresAt) || h.store.slides.Load() != 0 || len(l.Cookies) != 0 {
				t.Fatalf("remember-me off slid on the token alone: expires %v (was %v), %d slides, cookies %v",
					l.Found.Session.ExpiresAt, off.Session.ExpiresAt, h.store.slides.Load(), l.Cookies)
			}
			h.clock.Advance(sessionkit.DontRememberLifetime)
			if _, err := getSession(h.m, ctx, http.Header{"Cookie": {tokenOnly}}); !errors.Is(err, sessionkit.ErrNoSession) {
				t.Fatalf("remember-me off past a day: %v", err)
			}

			// A remembered session keeps sliding for two days of requests
			// every UpdateAge, its lifetime passing a day on the way.
			cookie, on := h.signIn(u.ID, sessionkit.SignInOptions{})
			hdr := http.Header{"Cookie": {onlyCookie(cookie, "better-auth.session_token")}}
			last := on.Session.ExpiresAt
			for range 2 * 24 * 6 {
				h.clock.Advance(10 * time.Minute)
				s, err := getSession(h.m, ctx, hdr)
				if err != nil {
					t.Fatalf("remembered session lost %v after sign-in: %v", h.clock.Now().Sub(on.Session.CreatedAt), err)
				}
				last = s.Session.ExpiresAt
			}
			if !last.After(h.clock.Now()) || h.store.slides.Load() == 0 {
				t.Fatalf("remembered session did not slide: expires %v, %d slides", last, h.store.slides.Load())
			}
		})
	}
}

// TestRememberMeOffBetterAuthRow: a row Better Auth wrote for
// rememberMe:false does not slide here on its token alone; its
// remembered row does.
func TestRememberMeOffBetterAuthRow(t *testing.T) {
	t.Parallel()
	set := vectors.Load(t, "none")
	st, err := sqlite.OpenWith(set.CopyDB(t), sqlite.Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := &clock{t: set.Now()}
	m, err := sessionkit.New(sessionkit.Config{Secret: set.Config.Secret, BaseURL: set.Config.BaseURL, Store: st, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	header := func(ex vectors.Exchange) http.Header {
		return http.Header{"Cookie": {onlyCookie(ex.CookieHeader, set.Meta.CookieNames.SessionToken)}}
	}
	// Better Auth's own rule has it due at once (expiresAt - expiresIn +
	// updateAge is long past), so only the row can stop it.
	c.Advance(time.Hour)
	before, _, err := st.SessionByToken(ctx, set.SignIn.NoRememberMe.Body.Token)
	if err != nil {
		t.Fatal(err)
	}
	l, err := m.LookupHeader(ctx, header(set.SignIn.NoRememberMe), sessionkit.LookupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	after, _, _ := st.SessionByToken(ctx, set.SignIn.NoRememberMe.Body.Token)
	if !after.ExpiresAt.Equal(before.ExpiresAt) || len(l.Cookies) != 0 {
		t.Fatalf("Better Auth's remember-me-off row slid: %v → %v, cookies %v", before.ExpiresAt, after.ExpiresAt, l.Cookies)
	}
	c.Advance(24 * time.Hour)
	s, err := getSession(m, ctx, header(set.SignIn.RememberMe))
	if err != nil {
		t.Fatal(err)
	}
	if want := c.Now().Add(sessionkit.DefaultExpiresIn); !s.Session.ExpiresAt.Equal(want) {
		t.Fatalf("Better Auth's remembered row did not slide: expires %v, want %v", s.Session.ExpiresAt, want)
	}
}

// TestRememberMeOffStateless: in stateless mode the re-minted cookies of a
// remember-me-off session end with the browser session even when the
// request did not carry dont_remember, and the session's expiry stays.
func TestRememberMeOffStateless(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sessionkit.Config{Stateless: true, CookieCache: sessionkit.CookieCache{MaxAge: time.Hour}})
	u := h.user("a@example.com")
	cookie, off := h.signIn(u.ID, sessionkit.SignInOptions{DontRemember: true})
	noMarker := onlyCookie(cookie, "better-auth.session_token") + "; " + onlyCookie(cookie, "better-auth.session_data")
	h.clock.Advance(50 * time.Minute) // less than a fifth of the cache's life left: re-minted
	l := lookup(t, h, noMarker)
	if l.Found == nil || !l.Found.Session.ExpiresAt.Equal(off.Session.ExpiresAt) {
		t.Fatalf("session %v", l.Found)
	}
	if len(l.Cookies) == 0 {
		t.Fatal("no re-mint")
	}
	for _, c := range l.Cookies {
		if c.MaxAge != 0 {
			t.Errorf("re-minted %s has Max-Age %d, want a browser-session cookie", c.Name, c.MaxAge)
		}
	}
}
