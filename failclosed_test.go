package sessionkit_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

// TestExpiredCacheCookieNeverUsed: with the row revoked in the store, the
// cache cookie answers until the millisecond before its MaxAge and never
// after: from then on the store answers (no session) and the cookies are
// expired. jwe used to answer 15 s longer (jose's clock tolerance).
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
				h := cacheHarness(t, strategy, sessionkit.Config{CookieCache: sessionkit.CookieCache{MaxAge: maxAge}})
				u := h.user("ada@example.com")
				cookie, s := h.signIn(u.ID, sessionkit.SignInOptions{})
				if err := h.store.DeleteSession(context.Background(), s.Session.Token); err != nil {
					t.Fatal(err)
				}
				h.clock.Advance(maxAge + tc.offset)
				l, err := h.m.LookupHeader(context.Background(), http.Header{"Cookie": {cookie}}, sessionkit.LookupOptions{})
				if tc.cached {
					if err != nil || l.Session.Source != strategy || h.store.reads.Load() != 0 {
						t.Fatalf("cache cookie before its expiry: %v, %d store reads", err, h.store.reads.Load())
					}
					return
				}
				if !errors.Is(err, sessionkit.ErrNoSession) || l.Session != nil || h.store.reads.Load() != 1 {
					t.Fatalf("expired cache cookie answered: err %v, session %v, %d store reads", err, l.Session != nil, h.store.reads.Load())
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
