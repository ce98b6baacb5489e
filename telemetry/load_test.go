package telemetry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

// TestLookups: every request through Load counts one lookup, by what
// answered it (the cookie cache or the store) and its outcome, so the hit
// ratio can be derived; a store failure counts as an error.
func TestLookups(t *testing.T) {
	t.Parallel()
	for _, strategy := range []string{"compact", "jwt", "jwe", "securecookie"} {
		t.Run(strategy, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil)
			mem := memory.New()
			flaky := &switchable{Store: mem}
			m, err := sessionkit.New(sessionkit.Config{Secret: secret, Store: flaky,
				CookieCache: sessionkit.CookieCache{Enabled: true, Strategy: strategy}})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			cookies := signedIn(t, m)
			tokenName, _, _ := m.CookieNames()
			var tokenOnly []*http.Cookie
			for _, c := range cookies {
				if c.Name == tokenName {
					tokenOnly = append(tokenOnly, c)
				}
			}
			var seen []string
			app := h.tel.Load(m)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if s, ok := sessionkit.FromContext(r.Context()); ok {
					seen = append(seen, s.Source)
				}
			}))
			get := func(cs []*http.Cookie) {
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				for _, c := range cs {
					req.AddCookie(c)
				}
				app.ServeHTTP(httptest.NewRecorder(), req)
			}
			get(cookies)   // the cache answers
			get(cookies)   // again
			get(tokenOnly) // no cache cookie: the store answers
			get(nil)       // no session
			flaky.fail = true
			get(tokenOnly) // the store fails
			if len(seen) != 3 || seen[0] != strategy || seen[2] != sessionkit.SourceStore {
				t.Fatalf("sources seen by the app: %q", seen)
			}
			for _, c := range []struct {
				source, outcome string
				want            int64
			}{
				{strategy, "found", 2},
				{"store", "found", 1},
				{"none", "none", 1},
				{"none", "error", 1},
			} {
				if got := h.count(t, "sessionkit.lookups", str("sessionkit.lookup.source", c.source), str("sessionkit.lookup.outcome", c.outcome)); got != c.want {
					t.Errorf("lookups source=%s outcome=%s: %d, want %d", c.source, c.outcome, got, c.want)
				}
			}
			if got := h.count(t, "sessionkit.lookups"); got != 5 {
				t.Errorf("lookups in all: %d, want 5", got)
			}
		})
	}
}

// switchable is a store whose session reads fail once fail is set.
type switchable struct {
	store.Store
	fail bool
}

func (s *switchable) SessionByToken(ctx context.Context, token string) (store.Session, store.User, error) {
	if s.fail {
		return store.Session{}, store.User{}, errDown
	}
	return s.Store.SessionByToken(ctx, token)
}
