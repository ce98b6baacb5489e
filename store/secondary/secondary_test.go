package secondary

import (
	"github.com/sessionkit/sessionkit/internal/loadbench"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/goredisstore"
	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit/internal/servicetest"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
	"github.com/sessionkit/sessionkit/store/postgres"
	"github.com/sessionkit/sessionkit/store/storetest"
)

// suiteClock is the Store's clock under the conformance suite: before every
// date the suite uses. Secondary storage expires a session when its TTL,
// counted on this clock, runs out, whereas the suite expects a store to keep
// expired sessions until DeleteExpired; with this clock every suite session
// is still live by the Store's reckoning, and its key lives that long.
var suiteClock = func() time.Time { return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) }

// at is the pinned "now" of the other tests.
var at = time.Date(2026, 11, 27, 22, 10, 13, 927e6, time.UTC)

// memKV returns an scs memstore without its cleanup goroutine, which would
// outlive the test (and whose StopCleanup races with its start).
func memKV(testing.TB) *memstore.MemStore { return memstore.NewWithCleanupInterval(0) }

// redisKV returns a goredisstore under a key prefix of the test's own.
func redisKV(t testing.TB) (*goredisstore.RedisStore, *redis.Client, string) {
	addr, prefix := servicetest.Redis(t)
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { c.Close() })
	return goredisstore.NewWithPrefix(c, prefix), c, prefix
}

func pgPrimary(t testing.TB) store.Store {
	p, err := postgres.Open(context.Background(), servicetest.Postgres(t, pgExec), postgres.Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// configs are the setups the conformance suite runs against. The preserve
// mode is tested separately: it keeps a deleted session's row, so the id of
// a deleted session is not free again, which the suite requires.
var configs = []struct {
	name    string
	kv      func(t testing.TB) scs.Store
	primary func(t testing.TB) store.Store // nil: none
	inDB    bool
}{
	{"memstore", func(t testing.TB) scs.Store { return memKV(t) }, nil, false},
	{"memstore+memory", func(t testing.TB) scs.Store { return memKV(t) }, func(testing.TB) store.Store { return memory.New() }, false},
	{"memstore+memory/StoreSessionInDatabase", func(t testing.TB) scs.Store { return memKV(t) }, func(testing.TB) store.Store { return memory.New() }, true},
	{"redis", func(t testing.TB) scs.Store { s, _, _ := redisKV(t); return s }, nil, false},
	{"redis+postgres/StoreSessionInDatabase", func(t testing.TB) scs.Store { s, _, _ := redisKV(t); return s }, pgPrimary, true},
}

func TestConformance(t *testing.T) {
	t.Parallel()
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, func(t *testing.T) store.Store {
				o := Options{StoreSessionInDatabase: c.inDB, Now: suiteClock}
				if c.primary != nil {
					o.Primary = c.primary(t)
				}
				s, err := New(c.kv(t), o)
				if err != nil {
					t.Fatal(err)
				}
				return s
			})
		})
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		kv   scs.Store
		o    Options
	}{
		{"nil scs store", nil, Options{}},
		{"database without primary", memstore.NewWithCleanupInterval(0), Options{StoreSessionInDatabase: true}},
		{"preserve without database", memstore.NewWithCleanupInterval(0), Options{Primary: memory.New(), PreserveSessionInDatabase: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.kv, tc.o); !errors.Is(err, ErrConfig) {
				t.Errorf("New = %v, want ErrConfig", err)
			}
		})
	}
}

// fixture is a Store on a memstore with a pinned clock, and the memstore to
// look at the raw keys.
type fixture struct {
	s    *Store
	kv   scs.Store
	user store.User
}

func newFixture(t *testing.T, kvs scs.Store, o Options) *fixture {
	t.Helper()
	if o.Now == nil {
		o.Now = func() time.Time { return at }
	}
	s, err := New(kvs, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	u := store.User{ID: store.NewID(), Name: "Ada", Email: "ada-" + strings.ToLower(store.NewID()) + "@example.com", CreatedAt: at, UpdatedAt: at}
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return &fixture{s: s, kv: kvs, user: u}
}

func (f *fixture) session(t *testing.T, created time.Time, lifetime time.Duration) store.Session {
	t.Helper()
	ss := store.Session{ID: store.NewID(), Token: store.NewID(), UserID: f.user.ID, ExpiresAt: created.Add(lifetime),
		CreatedAt: created, UpdatedAt: created, IPAddress: "203.0.113.7", UserAgent: "test/1"}
	if err := f.s.CreateSession(context.Background(), ss); err != nil {
		t.Fatal(err)
	}
	return ss
}

// raw returns the value under key in the scs store, and whether it exists.
func (f *fixture) raw(t *testing.T, key string) (string, bool) {
	t.Helper()
	b, found, err := f.kv.Find(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), found
}

// TestKeyLayout checks the keys and values Better Auth reads.
func TestKeyLayout(t *testing.T) {
	t.Parallel()
	f := newFixture(t, memKV(t), Options{})
	ctx := context.Background()
	long := f.session(t, at, 7*24*time.Hour)
	short := f.session(t, at.Add(time.Millisecond), time.Hour)

	v, ok := f.raw(t, long.Token)
	if !ok {
		t.Fatal("no key under the session token")
	}
	var got map[string]map[string]any
	if err := json.Unmarshal([]byte(v), &got); err != nil {
		t.Fatal(err)
	}
	wantSession := map[string]any{
		"id": long.ID, "token": long.Token, "userId": f.user.ID,
		"expiresAt": "2026-12-04T22:10:13.927Z", "createdAt": "2026-11-27T22:10:13.927Z", "updatedAt": "2026-11-27T22:10:13.927Z",
		"ipAddress": "203.0.113.7", "userAgent": "test/1",
	}
	wantUser := map[string]any{
		"id": f.user.ID, "name": "Ada", "email": f.user.Email, "emailVerified": false, "image": nil,
		"createdAt": "2026-11-27T22:10:13.927Z", "updatedAt": "2026-11-27T22:10:13.927Z",
	}
	if fmt.Sprint(got["session"]) != fmt.Sprint(wantSession) {
		t.Errorf("session value:\n got %v\nwant %v", got["session"], wantSession)
	}
	if fmt.Sprint(got["user"]) != fmt.Sprint(wantUser) {
		t.Errorf("user value:\n got %v\nwant %v", got["user"], wantUser)
	}
	list, _ := f.raw(t, "active-sessions-"+f.user.ID)
	wantList := fmt.Sprintf(`[{"token":%q,"expiresAt":%d},{"token":%q,"expiresAt":%d}]`,
		short.Token, short.ExpiresAt.UnixMilli(), long.Token, long.ExpiresAt.UnixMilli())
	if list != wantList {
		t.Errorf("active list (sorted by expiresAt):\n got %s\nwant %s", list, wantList)
	}

	if err := f.s.DeleteUserSessions(ctx, f.user.ID); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.raw(t, "revoked-sessions-before-"+f.user.ID); v != fmt.Sprint(at.UnixMilli()) {
		t.Errorf("revoked-sessions-before = %q, want %d", v, at.UnixMilli())
	}
	for _, k := range []string{long.Token, short.Token, "active-sessions-" + f.user.ID} {
		if _, ok := f.raw(t, k); ok {
			t.Errorf("key %s left after DeleteUserSessions", k)
		}
	}
}

// TestTTLs checks the TTLs on Redis: whole seconds to expiresAt for the
// token, to the furthest expiry for the list, max(expiresIn, 1 day) for
// the marker.
func TestTTLs(t *testing.T) {
	t.Parallel()
	kvs, c, prefix := redisKV(t)
	now := time.Now()
	f := newFixture(t, kvs, Options{Now: func() time.Time { return now }, ExpiresIn: time.Hour})
	ctx := context.Background()
	a := f.session(t, now, 2*time.Hour)
	b := f.session(t, now, 5*time.Hour+500*time.Millisecond)
	ttl := func(key string) time.Duration {
		d, err := c.PTTL(ctx, prefix+key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		key  string
		want time.Duration
	}{
		{a.Token, 2 * time.Hour},
		{b.Token, 5 * time.Hour}, // floored to whole seconds
		{"active-sessions-" + f.user.ID, 5 * time.Hour},
	}
	for _, tc := range tests {
		if got := ttl(tc.key); got > tc.want || got < tc.want-5*time.Second {
			t.Errorf("TTL of %s = %v, want %v", tc.key[:min(len(tc.key), 24)], got, tc.want)
		}
	}
	if err := f.s.DeleteUserSessions(ctx, f.user.ID); err != nil {
		t.Fatal(err)
	}
	if got := ttl("revoked-sessions-before-" + f.user.ID); got > 24*time.Hour || got < 24*time.Hour-5*time.Second {
		t.Errorf("marker TTL = %v, want 24h (ExpiresIn is shorter)", got)
	}
}

// TestBetterAuthValues reads values as Better Auth writes them: null
// ipAddress, extra plugin fields (kept across a slide), a marker revoking
// older sessions.
func TestBetterAuthValues(t *testing.T) {
	t.Parallel()
	kvs := memKV(t)
	f := newFixture(t, kvs, Options{})
	ctx := context.Background()
	tok := store.NewID()
	value := fmt.Sprintf(`{"session":{"expiresAt":"2026-12-04T22:10:13.933Z","token":%q,"createdAt":"2026-11-27T22:10:13.933Z","updatedAt":"2026-11-27T22:10:13.933Z","ipAddress":null,"userAgent":"","userId":%q,"impersonatedBy":null,"activeOrganizationId":"org1","id":"sid"},"user":{"name":"Ada","email":%q,"emailVerified":true,"image":"https://example.com/a.png","createdAt":"2026-11-27T22:10:13.927Z","updatedAt":"2026-11-27T22:10:13.927Z","role":"admin","id":%q}}`,
		tok, f.user.ID, f.user.Email, f.user.ID)
	if err := kvs.Commit(tok, []byte(value), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	ss, u, err := f.s.SessionByToken(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if ss.ID != "sid" || ss.IPAddress != "" || !u.EmailVerified || u.Image != "https://example.com/a.png" {
		t.Errorf("got %+v %+v", ss, u)
	}
	if _, err := f.s.SlideSession(ctx, tok, at.Add(48*time.Hour), at.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	v, _ := f.raw(t, tok)
	for _, want := range []string{`"activeOrganizationId":"org1"`, `"role":"admin"`, `"expiresAt":"2026-11-29T22:10:13.927Z"`, `"updatedAt":"2026-11-27T22:10:14.927Z"`} {
		if !strings.Contains(v, want) {
			t.Errorf("after a slide the value lacks %s: %s", want, v)
		}
	}

	// A marker after the session's creation revokes it.
	if err := kvs.Commit("revoked-sessions-before-"+f.user.ID, []byte(fmt.Sprint(at.Add(time.Hour).UnixMilli())), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.SessionByToken(ctx, tok); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session created before the marker: SessionByToken = %v, want ErrNotFound", err)
	}
}

// TestExpiredNotStored: Better Auth does not store a session whose TTL
// would be zero or less, and a slide into the past removes it.
func TestExpiredNotStored(t *testing.T) {
	t.Parallel()
	f := newFixture(t, memKV(t), Options{})
	ctx := context.Background()
	gone := f.session(t, at.Add(-time.Hour), 30*time.Minute)
	if _, ok := f.raw(t, gone.Token); ok {
		t.Error("an expired session was stored")
	}
	live := f.session(t, at, time.Hour)
	if _, err := f.s.SlideSession(ctx, live.Token, at.Add(-time.Second), at); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.SessionByToken(ctx, live.Token); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after a slide into the past: SessionByToken = %v, want ErrNotFound", err)
	}
	if _, ok := f.raw(t, "active-sessions-"+f.user.ID); ok {
		t.Error("the active list outlived its last session")
	}
}

// TestModes checks StoreSessionInDatabase and PreserveSessionInDatabase:
// where a missing key is looked up, and what deleting does to
// the database row.
func TestModes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		inDB, preserve   bool
		fallsBack        bool // a session missing from secondary storage is found in the database
		rowAfterDelete   bool // the row survives DeleteSession
		rowEndedOnDelete bool // … with expiresAt = now
	}{
		{"secondary only", false, false, false, false, false},
		{"StoreSessionInDatabase", true, false, true, false, false},
		{"PreserveSessionInDatabase", true, true, false, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			kvs := memKV(t)
			db := memory.New()
			f := newFixture(t, kvs, Options{Primary: db, StoreSessionInDatabase: tc.inDB, PreserveSessionInDatabase: tc.preserve})
			ctx := context.Background()
			ss := f.session(t, at, time.Hour)
			_, _, err := db.SessionByToken(ctx, ss.Token)
			if inDB := err == nil; inDB != tc.inDB {
				t.Errorf("row in the database: %v, want %v", inDB, tc.inDB)
			}

			// Secondary storage loses the key (eviction, a Redis restart).
			if err := kvs.Delete(ss.Token); err != nil {
				t.Fatal(err)
			}
			_, _, err = f.s.SessionByToken(ctx, ss.Token)
			if found := err == nil; found != tc.fallsBack {
				t.Errorf("key missing: SessionByToken = %v; found = %v, want %v", err, found, tc.fallsBack)
			}

			other := f.session(t, at.Add(time.Second), time.Hour)
			if err := f.s.DeleteSession(ctx, other.Token); err != nil {
				t.Fatal(err)
			}
			if _, _, err := f.s.SessionByToken(ctx, other.Token); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("deleted session: SessionByToken = %v, want ErrNotFound", err)
			}
			row, _, err := db.SessionByToken(ctx, other.Token)
			if kept := err == nil; kept != tc.rowAfterDelete {
				t.Errorf("row after DeleteSession kept = %v, want %v", kept, tc.rowAfterDelete)
			}
			if tc.rowEndedOnDelete && !row.ExpiresAt.Equal(at) {
				t.Errorf("preserved row expiresAt = %v, want the time of deletion %v", row.ExpiresAt, at)
			}
		})
	}
}

// failingKV is an scs store that fails while down is set, standing for a
// Redis server that went away.
type failingKV struct {
	scs.Store
	mu   sync.Mutex
	down bool
}

var errDown = errors.New("connection refused")

func (f *failingKV) set(down bool) { f.mu.Lock(); f.down = down; f.mu.Unlock() }
func (f *failingKV) isDown() bool  { f.mu.Lock(); defer f.mu.Unlock(); return f.down }

func (f *failingKV) Find(k string) ([]byte, bool, error) {
	if f.isDown() {
		return nil, false, errDown
	}
	return f.Store.Find(k)
}

func (f *failingKV) Commit(k string, b []byte, e time.Time) error {
	if f.isDown() {
		return errDown
	}
	return f.Store.Commit(k, b, e)
}

func (f *failingKV) Delete(k string) error {
	if f.isDown() {
		return errDown
	}
	return f.Store.Delete(k)
}

// TestSecondaryDown: with the fallback (StoreSessionInDatabase) lookups and
// slides go to the database; without it they fail with an error (503), never
// ErrNotFound (401). Revoking fails either way rather than leave the session
// alive in secondary storage.
func TestSecondaryDown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		o         func() Options
		fallsBack bool
	}{
		{"secondary only", func() Options { return Options{} }, false},
		{"preserve", func() Options {
			return Options{Primary: memory.New(), StoreSessionInDatabase: true, PreserveSessionInDatabase: true}
		}, false},
		{"StoreSessionInDatabase", func() Options { return Options{Primary: memory.New(), StoreSessionInDatabase: true} }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			kvs := &failingKV{Store: memKV(t)}
			f := newFixture(t, kvs, tc.o())
			ctx := context.Background()
			ss := f.session(t, at, time.Hour)
			kvs.set(true)

			_, _, err := f.s.SessionByToken(ctx, ss.Token)
			switch {
			case errors.Is(err, store.ErrNotFound):
				t.Errorf("SessionByToken while down = %v: a valid session read as missing", err)
			case tc.fallsBack && err != nil:
				t.Errorf("SessionByToken while down = %v, want the database's answer", err)
			case !tc.fallsBack && !errors.Is(err, errDown):
				t.Errorf("SessionByToken while down = %v, want the storage error", err)
			}
			_, err = f.s.SlideSession(ctx, ss.Token, at.Add(2*time.Hour), at.Add(time.Minute))
			if (err == nil) != tc.fallsBack || errors.Is(err, store.ErrNotFound) {
				t.Errorf("SlideSession while down = %v", err)
			}
			if err := f.s.DeleteSession(ctx, ss.Token); err == nil {
				t.Error("DeleteSession while down succeeded: the session would survive in secondary storage")
			}
			kvs.set(false)
			if _, _, err := f.s.SessionByToken(ctx, ss.Token); err != nil {
				t.Errorf("after recovery: SessionByToken = %v", err)
			}
		})
	}
}

// TestRedisLost cuts the connections to a real Redis server behind a proxy.
func TestRedisLost(t *testing.T) {
	t.Parallel()
	addr := servicetest.RedisAddr(t)
	for _, fallback := range []bool{false, true} {
		t.Run(fmt.Sprintf("fallback=%v", fallback), func(t *testing.T) {
			t.Parallel()
			p := servicetest.NewProxy(t, addr)
			c := redis.NewClient(&redis.Options{Addr: p.Addr(), MaxRetries: -1, DialTimeout: time.Second, ReadTimeout: time.Second})
			t.Cleanup(func() { c.Close() })
			_, prefix := servicetest.Redis(t) // for the key cleanup
			o := Options{}
			if fallback {
				o = Options{Primary: pgPrimary(t), StoreSessionInDatabase: true}
			}
			f := newFixture(t, goredisstore.NewWithPrefix(c, prefix), o)
			ctx := context.Background()
			ss := f.session(t, at, time.Hour)
			p.Down()
			if p.Cut() == 0 {
				t.Fatal("the proxy had no connection to cut")
			}
			for range 5 {
				_, _, err := f.s.SessionByToken(ctx, ss.Token)
				switch {
				case errors.Is(err, store.ErrNotFound):
					t.Fatalf("Redis down: SessionByToken = %v, a valid session read as missing", err)
				case fallback && err != nil:
					t.Fatalf("Redis down with the database fallback: SessionByToken = %v", err)
				case !fallback && err == nil:
					t.Fatal("Redis down without fallback: SessionByToken succeeded")
				}
			}
			p.Up()
			deadline := time.Now().Add(10 * time.Second)
			for {
				_, _, err := f.s.SessionByToken(ctx, ss.Token)
				if err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("Redis back: SessionByToken = %v", err)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// TestTwoInstancesOneRedis: a session created through one Store is read,
// slid and revoked through another on the same Redis, as two processes do.
func TestTwoInstancesOneRedis(t *testing.T) {
	t.Parallel()
	kvs, _, _ := redisKV(t)
	a := newFixture(t, kvs, Options{})
	b, err := New(kvs, Options{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ctx := context.Background()
	ss := a.session(t, at, time.Hour)
	got, u, err := b.SessionByToken(ctx, ss.Token)
	if err != nil || got.ID != ss.ID || !strings.EqualFold(u.Email, a.user.Email) {
		t.Fatalf("B: SessionByToken = %+v %+v %v", got, u, err)
	}
	if _, err := b.SlideSession(ctx, ss.Token, at.Add(3*time.Hour), at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := a.s.SessionByToken(ctx, ss.Token); !got.ExpiresAt.Equal(at.Add(3 * time.Hour)) {
		t.Errorf("A sees expiresAt %v after B slid it", got.ExpiresAt)
	}
	if err := b.DeleteUserSessions(ctx, a.user.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.s.SessionByToken(ctx, ss.Token); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("A after B revoked: %v, want ErrNotFound", err)
	}
}

// BenchmarkSessionByToken measures the hot path on Redis (goredisstore)
// beside a raw GET of the token key with the same go-redis client: the
// store adds the revoked-sessions-before read (a second round trip) and
// the JSON decoding. The memstore case shows the cost without a network.
func BenchmarkSessionByToken(b *testing.B) {
	ctx := context.Background()
	kvs, client, prefix := redisKV(b)
	cases := []struct {
		name string
		kv   scs.Store
	}{
		{"redis", kvs},
		{"memstore", memKV(b)},
	}
	for _, c := range cases {
		s, err := New(c.kv, Options{})
		if err != nil {
			b.Fatal(err)
		}
		now := store.Truncate(time.Now())
		var tokens []string
		for i := range 1024 {
			u := store.User{ID: store.NewID(), Name: "User", Email: fmt.Sprintf("u%d@example.com", i), CreatedAt: now, UpdatedAt: now}
			if err := s.CreateUser(ctx, u); err != nil {
				b.Fatal(err)
			}
			ss := store.Session{ID: store.NewID(), Token: store.NewID(), UserID: u.ID, ExpiresAt: now.Add(time.Hour),
				CreatedAt: now, UpdatedAt: now, IPAddress: "203.0.113.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64)"}
			if err := s.CreateSession(ctx, ss); err != nil {
				b.Fatal(err)
			}
			tokens = append(tokens, ss.Token)
		}
		lookups := []struct {
			name string
			fn   func(token string) error
		}{{"SessionByToken", func(token string) error {
			_, _, err := s.SessionByToken(ctx, token)
			return err
		}}}
		if c.name == "redis" {
			lookups = append(lookups, struct {
				name string
				fn   func(token string) error
			}{"raw GET", func(token string) error { return client.Get(ctx, prefix+token).Err() }})
		}
		b.Run(c.name+"/Load", func(b *testing.B) { loadbench.Run(b, s, tokens) })
		for _, l := range lookups {
			b.Run(c.name+"/"+l.name, func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if err := l.fn(tokens[i%len(tokens)]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			b.Run(c.name+"/"+l.name+"/parallel", func(b *testing.B) {
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					i := 0
					for pb.Next() {
						if err := l.fn(tokens[i%len(tokens)]); err != nil {
							b.Error(err)
							return
						}
						i++
					}
				})
			})
		}
	}
}

// TestCreateUserWithPasswordAtomic makes the primary's account insert fail
// with a trigger: the sign-up must leave no user behind.
func TestCreateUserWithPasswordAtomic(t *testing.T) {
	t.Parallel()
	p := pgPrimary(t).(*postgres.Store)
	s, err := New(memKV(t), Options{Primary: p, StoreSessionInDatabase: true, Now: suiteClock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	storetest.AtomicSignUp(t, s, func(ctx context.Context) error {
		_, err := p.Pool().Exec(ctx, `CREATE FUNCTION fail_account() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$;
			CREATE TRIGGER fail_account BEFORE INSERT ON "account" FOR EACH ROW EXECUTE FUNCTION fail_account()`)
		return err
	}, func(ctx context.Context) error {
		_, err := p.Pool().Exec(ctx, `DROP TRIGGER fail_account ON "account"; DROP FUNCTION fail_account()`)
		return err
	})
}

// pgExec runs one SQL statement on a connection of its own, for
// servicetest.Postgres.
func pgExec(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}
