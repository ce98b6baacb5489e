package secondary_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/goredisstore"
	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/servicetest"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
	"github.com/sessionkit/sessionkit/store/secondary"
)

// redisNode is one process's view of a shared Redis: its Manager, with a
// cookie cache and a RedisNotifier.
type redisNode struct {
	m      *sessionkit.Manager
	notify *redis.Client // the notifier's client
}

// redisNodeOptions say how a redisNode is built.
type redisNodeOptions struct {
	addr, prefix string
	notifyAddr   string        // "" means addr (a proxy's, to cut the feed alone)
	name         string        // the notifier client's CLIENT SETNAME
	primary      store.Store   // nil: secondary storage alone
	keyspace     bool          // ConfigureKeyspaceEvents
	maxAge       time.Duration // 0: 5 min
	user, pw     string        // the notifier's ACL user ("": default)
	log          *slog.Logger
}

func newRedisNode(t *testing.T, o redisNodeOptions) *redisNode {
	t.Helper()
	kvc := redis.NewClient(&redis.Options{Addr: o.addr})
	na := cmp.Or(o.notifyAddr, o.addr)
	nc := redis.NewClient(&redis.Options{Addr: na, ClientName: o.name, MaxRetries: -1, Username: o.user, Password: o.pw})
	t.Cleanup(func() { kvc.Close(); nc.Close() })
	so := secondary.Options{Notifier: secondary.NewRedisNotifier(nc, secondary.RedisNotifierOptions{KeyPrefix: o.prefix, ConfigureKeyspaceEvents: o.keyspace, Logger: o.log})}
	if o.primary != nil {
		so.Primary, so.StoreSessionInDatabase, so.PreserveSessionInDatabase = o.primary, true, true
	}
	st, err := secondary.New(goredisstore.NewWithPrefix(kvc, o.prefix), so)
	if err != nil {
		t.Fatal(err)
	}
	m, err := sessionkit.New(sessionkit.Config{Secret: feedSecret, Store: st,
		CookieCache: sessionkit.CookieCache{Enabled: true, MaxAge: cmp.Or(o.maxAge, 5*time.Minute)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); st.Close() })
	return &redisNode{m: m, notify: nc}
}

// signedIn is a session and the Cookie header its browser sends.
type signedIn struct {
	s *sessionkit.Session
	h http.Header
}

func signInOn(t *testing.T, m *sessionkit.Manager, userID string) signedIn {
	t.Helper()
	rec := httptest.NewRecorder()
	s, err := m.SignIn(rec, httptest.NewRequest("POST", "/sign-in", nil), userID, sessionkit.SignInOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, c := range rec.Result().Cookies() {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return signedIn{s, http.Header{"Cookie": {strings.Join(parts, "; ")}}}
}

// source returns where m's lookup of the session came from, or "refused".
func source(t *testing.T, m *sessionkit.Manager, h http.Header) string {
	t.Helper()
	l, err := m.LookupHeader(context.Background(), h, sessionkit.LookupOptions{})
	if errors.Is(err, sessionkit.ErrNoSession) {
		return "refused"
	}
	if err != nil {
		t.Fatalf("lookup: %v", err)
	}
	if l.Found.Source == sessionkit.SourceStore {
		return "store"
	}
	return "cache"
}

// await polls until source(m, h) is want, or fails after d; it returns
// how long it took.
func await(t *testing.T, m *sessionkit.Manager, h http.Header, want string, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got := source(t, m, h)
		if got == want {
			return time.Since(start)
		}
		if time.Since(start) > d {
			t.Fatalf("after %v the lookup is %s, want %s", d, got, want)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestRedisRevocationFeed: two Managers on one Redis, sessions in Redis
// alone or with PreserveSessionInDatabase; A answers a session from its
// cache, B revokes it by each path in turn, 100 times; A refuses it
// within a second every time.
func TestRedisRevocationFeed(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"secondary alone", "preserve in database"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			addr, prefix := servicetest.Redis(t)
			o := redisNodeOptions{addr: addr, prefix: prefix}
			if mode != "secondary alone" {
				o.primary = memory.New() // users (and ended rows) shared by both
			}
			a, b := newRedisNode(t, o), newRedisNode(t, o)
			ctx := context.Background()
			paths := []string{"sign-out", "revoke-session", "revoke-sessions", "revoke-other-sessions"}
			var ds []time.Duration
			for i := range 100 {
				path := paths[i%len(paths)]
				u, err := createUser(ctx, b.m, fmt.Sprintf("v%d-%s@example.com", i, strings.ToLower(store.NewID()[:8])))
				if err != nil {
					t.Fatal(err)
				}
				victim, other := signInOn(t, b.m, u.ID), signInOn(t, b.m, u.ID)
				await(t, a.m, victim.h, "cache", 5*time.Second)
				switch path {
				case "sign-out":
					r := httptest.NewRequest("POST", "/sign-out", nil)
					r.Header = victim.h.Clone()
					err = b.m.SignOut(httptest.NewRecorder(), r)
				case "revoke-session":
					err = b.m.RevokeSession(ctx, u.ID, victim.s.Session.Token)
				case "revoke-sessions":
					err = b.m.RevokeAllSessions(ctx, u.ID)
				case "revoke-other-sessions":
					err = b.m.RevokeOtherSessions(ctx, other.s)
				}
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				ds = append(ds, await(t, a.m, victim.h, "refused", time.Second))
			}
			slices.Sort(ds)
			t.Logf("%s: %d revocations: p50 %v, p99 %v, max %v", mode, len(ds), ds[len(ds)/2], ds[len(ds)*99/100], ds[len(ds)-1])
		})
	}
}

// TestRedisKeyDeletionRefused: a session whose key is deleted behind
// sessionkit's back, as Better Auth's sign-out does, is refused within a
// second by a Manager answering it from its cache, when the server sends
// key deletion events (ConfigureKeyspaceEvents turns them on).
func TestRedisKeyDeletionRefused(t *testing.T) {
	t.Parallel()
	addr, prefix := servicetest.Redis(t)
	a := newRedisNode(t, redisNodeOptions{addr: addr, prefix: prefix, keyspace: true})
	ctx := context.Background()
	u, err := createUser(ctx, a.m, "victim@example.com")
	if err != nil {
		t.Fatal(err)
	}
	raw := redis.NewClient(&redis.Options{Addr: addr})
	defer raw.Close()
	for range 10 {
		victim := signInOn(t, a.m, u.ID)
		await(t, a.m, victim.h, "cache", 5*time.Second)
		if err := raw.Del(ctx, prefix+victim.s.Session.Token).Err(); err != nil {
			t.Fatal(err)
		}
		d := await(t, a.m, victim.h, "refused", time.Second)
		t.Logf("refused %v after the DEL", d)
	}
}

// TestRedisWithoutConfig: where CONFIG is forbidden (managed Redis; here
// an ACL user without it), the feed runs without key deletion events and
// says so: sessionkit's revocations are still refused within a second, a
// key deleted behind its back (as Better Auth does) keeps answering from
// the cache, as in Better Auth.
func TestRedisWithoutConfig(t *testing.T) {
	t.Parallel()
	addr, prefix := servicetest.Redis(t)
	admin := redis.NewClient(&redis.Options{Addr: addr})
	user, pw := "sessionkit-test-"+store.NewID()[:12], store.NewID()
	if err := admin.Do(context.Background(), "ACL", "SETUSER", user, "on", ">"+pw, "~*", "&*", "+@all", "-config").Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Do(context.Background(), "ACL", "DELUSER", user); admin.Close() })
	var logs strings.Builder
	var logMu sync.Mutex
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &logMu}, nil))
	a := newRedisNode(t, redisNodeOptions{addr: addr, prefix: prefix, user: user, pw: pw, log: log, keyspace: true})
	b := newRedisNode(t, redisNodeOptions{addr: addr, prefix: prefix})
	ctx := context.Background()
	u, err := createUser(ctx, b.m, "victim@example.com")
	if err != nil {
		t.Fatal(err)
	}
	deleted, revoked := signInOn(t, b.m, u.ID), signInOn(t, b.m, u.ID)
	await(t, a.m, deleted.h, "cache", 5*time.Second)
	await(t, a.m, revoked.h, "cache", 5*time.Second)
	if err := admin.Del(ctx, prefix+deleted.s.Session.Token).Err(); err != nil {
		t.Fatal(err)
	}
	if err := b.m.RevokeSession(ctx, u.ID, revoked.s.Session.Token); err != nil {
		t.Fatal(err)
	}
	await(t, a.m, revoked.h, "refused", time.Second)
	if got := source(t, a.m, deleted.h); got != "cache" {
		t.Errorf("a key deleted without events: %s, want cache (unseen, as documented)", got)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if !strings.Contains(logs.String(), "no key deletion events") {
		t.Errorf("no warning logged:\n%s", logs.String())
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestRedisFeedDown: while A's subscription is cut, A trusts no cache
// cookie (it reads the store: a live session still answers, a revoked one
// is refused); a revocation announced meanwhile is known to A once it is
// back, from the log, though pub/sub did not deliver it.
func TestRedisFeedDown(t *testing.T) {
	t.Parallel()
	addr, prefix := servicetest.Redis(t)
	proxy := servicetest.NewProxy(t, addr)
	a := newRedisNode(t, redisNodeOptions{addr: addr, prefix: prefix, notifyAddr: proxy.Addr()})
	b := newRedisNode(t, redisNodeOptions{addr: addr, prefix: prefix})
	ctx := context.Background()
	u, err := createUser(ctx, b.m, "victim@example.com")
	if err != nil {
		t.Fatal(err)
	}
	live, victim := signInOn(t, b.m, u.ID), signInOn(t, b.m, u.ID)
	await(t, a.m, live.h, "cache", 5*time.Second)
	await(t, a.m, victim.h, "cache", 5*time.Second)

	proxy.Down()
	await(t, a.m, live.h, "store", time.Second)
	if err := b.m.RevokeSession(ctx, u.ID, victim.s.Session.Token); err != nil {
		t.Fatal(err)
	}
	if got := source(t, a.m, victim.h); got != "refused" {
		t.Fatalf("feed down: the revoked session is %s, want refused", got)
	}
	if got := source(t, a.m, live.h); got != "store" {
		t.Fatalf("feed down: the live session is %s, want store", got)
	}

	proxy.Up()
	await(t, a.m, live.h, "cache", 5*time.Second)
	if got := source(t, a.m, victim.h); got != "refused" {
		t.Fatalf("feed back: the session revoked while it was down is %s, want refused", got)
	}
}

// recSink records a feed's calls in order.
type recSink struct {
	mu     sync.Mutex
	events []string
}

func (s *recSink) add(e string) { s.mu.Lock(); s.events = append(s.events, e); s.mu.Unlock() }
func (s *recSink) Revoked(rs ...store.Revocation) {
	for _, r := range rs {
		if r.SessionID != "" {
			s.add("revoked " + r.SessionID)
		}
	}
}
func (s *recSink) CaughtUp(time.Time) { s.add("caught up") }
func (s *recSink) Behind(error)       { s.add("behind") }

// snapshot returns the events so far, runs of "caught up" folded.
func (s *recSink) snapshot() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range s.events {
		if e == "caught up" && len(out) > 0 && out[len(out)-1] == e {
			continue
		}
		out = append(out, e)
	}
	return out
}

// TestRedisSubscriptionKilled: the watcher's connection killed by the
// server (CLIENT KILL) is Behind, and the revocation announced right
// after, which pub/sub cannot deliver to it, reaches it from the log before
// it reports CaughtUp again.
func TestRedisSubscriptionKilled(t *testing.T) {
	t.Parallel()
	addr, prefix := servicetest.Redis(t)
	name := "sessionkit-test-" + store.NewID()[:12]
	nc := redis.NewClient(&redis.Options{Addr: addr, ClientName: name})
	admin := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { nc.Close(); admin.Close() })
	n := secondary.NewRedisNotifier(nc, secondary.RedisNotifierOptions{KeyPrefix: prefix})
	other := secondary.NewRedisNotifier(admin, secondary.RedisNotifierOptions{KeyPrefix: prefix})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sink := &recSink{}
	if err := n.WatchRevocations(ctx, time.Now().Add(-time.Minute), sink); err != nil {
		t.Fatal(err)
	}
	waitFor := func(what string, ok func([]string) bool) []string {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			ev := sink.snapshot()
			if ok(ev) {
				return ev
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s; events: %q", what, ev)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor("first catch-up", func(ev []string) bool { return slices.Contains(ev, "caught up") })
	for i := range 5 {
		id := fmt.Sprint("gone-", i)
		list, err := admin.ClientList(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		killed := 0
		for _, line := range strings.Split(list, "\n") {
			if strings.Contains(line, " name="+name+" ") && strings.Contains(line, " flags=P ") {
				f := strings.Fields(line)[0] // id=N
				if err := admin.Do(ctx, "CLIENT", "KILL", "ID", strings.TrimPrefix(f, "id=")).Err(); err != nil {
					t.Fatal(err)
				}
				killed++
			}
		}
		if killed != 1 {
			t.Fatalf("found %d subscription connections to kill in\n%s", killed, list)
		}
		if err := other.Announce(ctx, store.Revocation{SessionID: id}); err != nil {
			t.Fatal(err)
		}
		ev := waitFor("revocation of "+id, func(ev []string) bool { return slices.Contains(ev, "revoked "+id) })
		// Fail closed: between the last catch-up before the kill and the
		// revocation, a Behind, and no catch-up after the Behind.
		at := slices.Index(ev, "revoked "+id)
		last := -1
		for j, e := range ev[:at] {
			if e == "behind" {
				last = j
			}
		}
		if last < 0 {
			t.Fatalf("round %d: no Behind before the revocation: %q", i, ev)
		}
		for _, e := range ev[last:at] {
			if e == "caught up" {
				t.Fatalf("round %d: caught up before the revocation announced during the gap: %q", i, ev)
			}
		}
		waitFor("catch-up", func(ev []string) bool { return ev[len(ev)-1] == "caught up" })
	}
}

// createUser registers a user without a password, straight in the
// Manager's store (accounts live in package account, not needed here).
func createUser(ctx context.Context, m *sessionkit.Manager, email string) (store.User, error) {
	now := m.Now()
	u := store.User{ID: store.NewID(), Name: "Victim", Email: email, CreatedAt: now, UpdatedAt: now}
	return u, m.Store().CreateUser(ctx, u)
}
