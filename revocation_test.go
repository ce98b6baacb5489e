package sessionkit_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

// revokePaths are the ways a session ends before its expiry, run on
// instance b against the session victim (whose cookie is victimCookie);
// other is another session of the same user, signed in on b.
var revokePaths = []struct {
	name   string
	revoke func(t *testing.T, b *sessionkit.Manager, st store.Store, victim *sessionkit.Session, victimCookie string, other *sessionkit.Session)
}{
	{"sign-out", func(t *testing.T, b *sessionkit.Manager, _ store.Store, _ *sessionkit.Session, cookie string, _ *sessionkit.Session) {
		r, _ := http.NewRequest("POST", "/sign-out", nil)
		r.Header.Set("Cookie", cookie)
		if err := b.SignOut(newResponseRecorder(), r); err != nil {
			t.Fatal(err)
		}
	}},
	{"revoke-session", func(t *testing.T, b *sessionkit.Manager, _ store.Store, v *sessionkit.Session, _ string, _ *sessionkit.Session) {
		if err := b.RevokeSession(context.Background(), v.User.ID, v.Session.Token); err != nil {
			t.Fatal(err)
		}
	}},
	{"revoke-sessions", func(t *testing.T, b *sessionkit.Manager, _ store.Store, v *sessionkit.Session, _ string, _ *sessionkit.Session) {
		if err := b.RevokeAllSessions(context.Background(), v.User.ID); err != nil {
			t.Fatal(err)
		}
	}},
	{"revoke-other-sessions", func(t *testing.T, b *sessionkit.Manager, _ store.Store, _ *sessionkit.Session, _ string, other *sessionkit.Session) {
		if err := b.RevokeOtherSessions(context.Background(), other); err != nil {
			t.Fatal(err)
		}
	}},
	{"user-deleted", func(t *testing.T, _ *sessionkit.Manager, st store.Store, v *sessionkit.Session, _ string, _ *sessionkit.Session) {
		sq, ok := st.(*sqlite.Store)
		if !ok {
			t.Skip("the store cannot delete users")
		}
		// As Better Auth's delete-user does: sessions, then the user (the
		// foreign key would cascade anyway).
		if _, err := sq.DB().Exec(`DELETE FROM "user" WHERE "id" = ?`, v.User.ID); err != nil {
			t.Fatal(err)
		}
	}},
}

type revocationRig struct {
	a, b  *sessionkit.Manager
	stB   store.Store
	cache sessionkit.CookieCache
}

// sharedStores returns, per store kind, two handles on one database: two
// Managers of one process on the memory store, two handles on one SQLite
// file (as two processes would have).
func sharedStores(t *testing.T) map[string][2]store.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shared.db")
	open := func() store.Store {
		st, err := sqlite.OpenWith(path, sqlite.Options{SweepInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	mem := memory.New()
	sa := open()
	return map[string][2]store.Store{"memory": {mem, mem}, "sqlite": {sa, open()}}
}

func newRevocationRig(t *testing.T, stA, stB store.Store) *revocationRig {
	t.Helper()
	cc := sessionkit.CookieCache{Enabled: true, MaxAge: 5 * time.Minute}
	mk := func(st store.Store) *sessionkit.Manager {
		m, err := sessionkit.New(sessionkit.Config{Secret: testSecret, Store: st, CookieCache: cc})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m
	}
	return &revocationRig{a: mk(stA), b: mk(stB), stB: stB, cache: cc}
}

// trial signs a user in on b, checks that a answers from the cache, runs
// the revoke path on b and returns how long a kept accepting the session
// after the revocation returned.
func (r *revocationRig) trial(t *testing.T, i int, path func(*testing.T, *sessionkit.Manager, store.Store, *sessionkit.Session, string, *sessionkit.Session)) time.Duration {
	t.Helper()
	ctx := context.Background()
	u, err := createUser(ctx, r.b, "Victim", fmt.Sprintf("victim%d-%d@example.com", i, time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	rec := newResponseRecorder()
	victim, err := r.b.SignIn(rec, newRequest("POST", "/sign-in"), u.ID, sessionkit.SignInOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cookie := cookieHeader(rec.Result().Cookies())
	other, err := r.b.SignIn(newResponseRecorder(), newRequest("POST", "/sign-in"), u.ID, sessionkit.SignInOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Cookie": {cookie}}
	// a has caught up with b's writes once this answers from the cache.
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := getSession(r.a, ctx, h)
		if err != nil {
			t.Fatalf("before the revocation: %v", err)
		}
		if got.Source != sessionkit.SourceStore {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a never answered from the cookie cache")
		}
		time.Sleep(10 * time.Millisecond)
	}
	path(t, r.b, r.stB, victim, cookie, other)
	revoked := time.Now()
	for {
		_, err := getSession(r.a, ctx, h)
		if errors.Is(err, sessionkit.ErrNoSession) {
			return time.Since(revoked)
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Since(revoked) > 5*time.Second {
			t.Fatal("a still accepts the revoked session after 5s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestRevocationReachesCachedSessions: a session revoked through b, by every
// revoke path, is refused by a, which holds a valid cache cookie for it,
// within a second; every trial first sees a answer from the cache.
func TestRevocationReachesCachedSessions(t *testing.T) {
	for kind, sts := range sharedStores(t) {
		rig := newRevocationRig(t, sts[0], sts[1])
		for _, p := range revokePaths {
			t.Run(kind+"/"+p.name, func(t *testing.T) {
				for i := range 3 {
					if d := rig.trial(t, i, p.revoke); d > time.Second {
						t.Errorf("trial %d: refused after %v, want within 1s", i, d)
					}
				}
			})
		}
	}
}

// TestRevocationLatency measures 100 revocations (20 per path) on two
// handles of one SQLite file and reports p50/p99; p99 must be under 1s.
func TestRevocationLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("100 trials")
	}
	sts := sharedStores(t)["sqlite"]
	rig := newRevocationRig(t, sts[0], sts[1])
	var ds []time.Duration
	for i := range 100 {
		p := revokePaths[i%len(revokePaths)]
		ds = append(ds, rig.trial(t, i, p.revoke))
	}
	slices.Sort(ds)
	p50, p99 := ds[len(ds)/2], ds[len(ds)*99/100]
	t.Logf("sqlite, two handles: %d revocations: p50 %v, p99 %v, max %v", len(ds), p50, p99, ds[len(ds)-1])
	if p99 > time.Second {
		t.Errorf("p99 %v, want under 1s", p99)
	}
}

// feedStore is a memory store whose revocation feed the test controls.
type feedStore struct {
	*memory.Store
	mu    sync.Mutex
	sinks []store.RevocationSink
	reads atomic.Int64
}

func (f *feedStore) WatchRevocations(_ context.Context, _ time.Time, sink store.RevocationSink) error {
	f.mu.Lock()
	f.sinks = append(f.sinks, sink)
	f.mu.Unlock()
	return nil
}

func (f *feedStore) SessionByToken(ctx context.Context, token string) (store.Session, store.User, error) {
	f.reads.Add(1)
	return f.Store.SessionByToken(ctx, token)
}

func (f *feedStore) each(fn func(store.RevocationSink)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.sinks {
		fn(s)
	}
}

// TestRevocationFeedBehind: while the feed is behind (it reported an error,
// or it stopped reporting, as a blocked poll does), no cache hit is
// trusted: a session revoked meanwhile is refused, and a valid one is read
// from the store. Once the feed catches up, hits are served again.
func TestRevocationFeedBehind(t *testing.T) {
	ctx := context.Background()
	for _, mode := range []string{"error", "stalled", "never-caught-up"} {
		t.Run(mode, func(t *testing.T) {
			fs := &feedStore{Store: memory.New()}
			m, err := sessionkit.New(sessionkit.Config{Secret: testSecret, Store: fs, CookieCache: sessionkit.CookieCache{Enabled: true}})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			u, _ := createUser(ctx, m, "U", "u@example.com")
			signIn := func() (http.Header, *sessionkit.Session) {
				rec := newResponseRecorder()
				s, err := m.SignIn(rec, newRequest("POST", "/"), u.ID, sessionkit.SignInOptions{})
				if err != nil {
					t.Fatal(err)
				}
				return http.Header{"Cookie": {cookieHeader(rec.Result().Cookies())}}, s
			}
			valid, _ := signIn()
			victim, vs := signIn()
			if mode != "never-caught-up" {
				fs.each(func(s store.RevocationSink) { s.CaughtUp(time.Now()) })
				if got, err := getSession(m, ctx, valid); err != nil || got.Source == sessionkit.SourceStore {
					t.Fatalf("healthy feed: %v %v, want a cache hit", got, err)
				}
			}
			switch mode {
			case "error":
				fs.each(func(s store.RevocationSink) { s.Behind(errors.New("listener down")) })
			case "stalled":
				time.Sleep(600 * time.Millisecond) // past the Manager's allowed lag
			}
			// Revoked in the store; the feed says nothing.
			if err := fs.DeleteSession(ctx, vs.Session.Token); err != nil {
				t.Fatal(err)
			}
			if _, err := getSession(m, ctx, victim); !errors.Is(err, sessionkit.ErrNoSession) {
				t.Fatalf("revoked session while the feed is behind: %v, want ErrNoSession", err)
			}
			before := fs.reads.Load()
			got, err := getSession(m, ctx, valid)
			if err != nil || got.Source != sessionkit.SourceStore || fs.reads.Load() != before+1 {
				t.Fatalf("valid session while the feed is behind: %v %v, want a store read", got, err)
			}
			fs.each(func(s store.RevocationSink) { s.CaughtUp(time.Now()) })
			if got, err := getSession(m, ctx, valid); err != nil || got.Source == sessionkit.SourceStore {
				t.Fatalf("caught up again: %v %v, want a cache hit", got, err)
			}
		})
	}
}

// TestRevocationFeedNamesSession: a revocation delivered by the feed turns
// the next cache hit for that session into a store read, and only for it.
func TestRevocationFeedNamesSession(t *testing.T) {
	ctx := context.Background()
	fs := &feedStore{Store: memory.New()}
	m, err := sessionkit.New(sessionkit.Config{Secret: testSecret, Store: fs, CookieCache: sessionkit.CookieCache{Enabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	u, _ := createUser(ctx, m, "U", "u@example.com")
	rec := newResponseRecorder()
	s, _ := m.SignIn(rec, newRequest("POST", "/"), u.ID, sessionkit.SignInOptions{})
	h := http.Header{"Cookie": {cookieHeader(rec.Result().Cookies())}}
	fs.each(func(k store.RevocationSink) { k.CaughtUp(time.Now()) })
	fs.each(func(k store.RevocationSink) { k.Revoked(store.Revocation{SessionID: "someone-else"}) })
	if got, err := getSession(m, ctx, h); err != nil || got.Source == sessionkit.SourceStore {
		t.Fatalf("another session revoked: %v %v, want a cache hit", got, err)
	}
	fs.each(func(k store.RevocationSink) { k.Revoked(store.Revocation{SessionID: s.Session.ID}) })
	before := fs.reads.Load()
	got, err := getSession(m, ctx, h)
	if err != nil || got.Source != sessionkit.SourceStore || fs.reads.Load() != before+1 {
		t.Fatalf("named by the feed: %v %v, want a store read", got, err)
	}
}

// countingFeedStore counts the store calls and passes the feed through.
type countingFeedStore struct {
	store.Store
	calls atomic.Int64
}

func (c *countingFeedStore) WatchRevocations(ctx context.Context, since time.Time, sink store.RevocationSink) error {
	return c.Store.(store.RevocationFeed).WatchRevocations(ctx, since, sink)
}

func (c *countingFeedStore) SessionByToken(ctx context.Context, token string) (store.Session, store.User, error) {
	c.calls.Add(1)
	return c.Store.SessionByToken(ctx, token)
}

func (c *countingFeedStore) SlideSession(ctx context.Context, token string, e, u time.Time) (store.Session, error) {
	c.calls.Add(1)
	return c.Store.SlideSession(ctx, token, e, u)
}

func (c *countingFeedStore) UserByID(ctx context.Context, id string) (store.User, error) {
	c.calls.Add(1)
	return c.Store.UserByID(ctx, id)
}

// TestRevocationCheckCostsNoQuery: with the feed on, cache hits reach the
// store zero times, however many requests; revocations elsewhere do not
// change that for the other sessions.
func TestRevocationCheckCostsNoQuery(t *testing.T) {
	ctx := context.Background()
	for kind, sts := range sharedStores(t) {
		t.Run(kind, func(t *testing.T) {
			cs := &countingFeedStore{Store: sts[0]}
			m, err := sessionkit.New(sessionkit.Config{Secret: testSecret, Store: cs, CookieCache: sessionkit.CookieCache{Enabled: true}})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			u, _ := createUser(ctx, m, "U", fmt.Sprintf("count-%d@example.com", time.Now().UnixNano()))
			rec := newResponseRecorder()
			if _, err := m.SignIn(rec, newRequest("POST", "/"), u.ID, sessionkit.SignInOptions{}); err != nil {
				t.Fatal(err)
			}
			h := http.Header{"Cookie": {cookieHeader(rec.Result().Cookies())}}
			deadline := time.Now().Add(5 * time.Second)
			for { // wait for the feed's first catch-up
				got, err := getSession(m, ctx, h)
				if err != nil {
					t.Fatal(err)
				}
				if got.Source != sessionkit.SourceStore {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("no cache hit")
				}
				time.Sleep(10 * time.Millisecond)
			}
			// Revocations of other sessions, on the other handle.
			for range 5 {
				s := store.Session{ID: store.NewID(), Token: store.NewID(), UserID: u.ID, ExpiresAt: time.Now().Add(time.Hour), CreatedAt: time.Now(), UpdatedAt: time.Now()}
				if err := sts[1].CreateSession(ctx, s); err != nil {
					t.Fatal(err)
				}
				if err := sts[1].DeleteSession(ctx, s.Token); err != nil {
					t.Fatal(err)
				}
			}
			before := cs.calls.Load()
			for range 2000 {
				got, err := getSession(m, ctx, h)
				if err != nil || got.Source == sessionkit.SourceStore {
					t.Fatalf("%v %v, want a cache hit", got, err)
				}
			}
			if n := cs.calls.Load() - before; n != 0 {
				t.Errorf("2000 cache hits made %d store calls, want 0", n)
			}
		})
	}
}

// hidingWrapper wraps a store without implementing store.RevocationFeed,
// as a wrapper written before the feed existed does; Unwrap is its only
// way to the wrapped store's abilities.
type hidingWrapper struct{ store.Store }

func (w hidingWrapper) Unwrap() store.Store { return w.Store }

// TestRevocationFeedUnderWrapper: a wrapper that does not forward
// store.RevocationFeed but unwraps to a store that has one still gets
// revocations enforced: the Manager finds the feed with store.As, as every
// other optional ability, and does not fall back to trusting cache cookies.
func TestRevocationFeedUnderWrapper(t *testing.T) {
	ctx := context.Background()
	fs := &feedStore{Store: memory.New()}
	m, err := sessionkit.New(sessionkit.Config{Secret: testSecret, Store: hidingWrapper{fs}, CookieCache: sessionkit.CookieCache{Enabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	fs.mu.Lock()
	subscribed := len(fs.sinks)
	fs.mu.Unlock()
	if subscribed != 1 {
		t.Fatalf("the Manager subscribed to the wrapped store's feed %d times, want 1", subscribed)
	}
	u, _ := createUser(ctx, m, "U", "u@example.com")
	rec := newResponseRecorder()
	s, err := m.SignIn(rec, newRequest("POST", "/"), u.ID, sessionkit.SignInOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Cookie": {cookieHeader(rec.Result().Cookies())}}
	fs.each(func(k store.RevocationSink) { k.CaughtUp(time.Now()) })
	if got, err := getSession(m, ctx, h); err != nil || got.Source == sessionkit.SourceStore {
		t.Fatalf("before the revocation: %v %v, want a cache hit", got, err)
	}
	// Revoked in the store and named by the feed: refused at once.
	if err := fs.DeleteSession(ctx, s.Session.Token); err != nil {
		t.Fatal(err)
	}
	fs.each(func(k store.RevocationSink) { k.Revoked(store.Revocation{SessionID: s.Session.ID}) })
	if got, err := getSession(m, ctx, h); !errors.Is(err, sessionkit.ErrNoSession) {
		t.Fatalf("revoked under a wrapper: %v %v, want ErrNoSession", got, err)
	}
}
