package secondary

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

// faultKV wraps an scs store and fails the operations that match its rule:
// one step of a multi-key write, or one kind of read.
type faultKV struct {
	inner kv
	mu    sync.Mutex
	rule  func(op, key string) bool // op is "get", "set" or "del"
}

func (f *faultKV) broken(op, key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rule != nil && f.rule(op, key)
}

func (f *faultKV) setRule(r func(op, key string) bool) { f.mu.Lock(); f.rule = r; f.mu.Unlock() }

func (f *faultKV) Find(k string) ([]byte, bool, error) { return f.FindCtx(context.Background(), k) }
func (f *faultKV) Commit(k string, b []byte, e time.Time) error {
	return f.CommitCtx(context.Background(), k, b, e)
}
func (f *faultKV) Delete(k string) error { return f.DeleteCtx(context.Background(), k) }

func (f *faultKV) FindCtx(ctx context.Context, k string) ([]byte, bool, error) {
	if f.broken("get", k) {
		return nil, false, errDown
	}
	return f.inner.get(ctx, k)
}

func (f *faultKV) CommitCtx(ctx context.Context, k string, b []byte, e time.Time) error {
	if f.broken("set", k) {
		return errDown
	}
	if f.inner.ctx != nil {
		return f.inner.ctx.CommitCtx(ctx, k, b, e)
	}
	return f.inner.plain.Commit(k, b, e)
}

func (f *faultKV) DeleteCtx(ctx context.Context, k string) error {
	if f.broken("del", k) {
		return errDown
	}
	return f.inner.del(ctx, k)
}

var _ scs.CtxStore = (*faultKV)(nil)

// faultDB is a Primary whose named methods fail while listed in down.
type faultDB struct {
	store.Store
	mu   sync.Mutex
	down map[string]bool
}

var errDBDown = errors.New("database: connection reset")

func (d *faultDB) setDown(ops ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.down = map[string]bool{}
	for _, op := range ops {
		d.down[op] = true
	}
}

func (d *faultDB) broken(op string) bool { d.mu.Lock(); defer d.mu.Unlock(); return d.down[op] }

func (d *faultDB) SessionByToken(ctx context.Context, t string) (store.Session, store.User, error) {
	if d.broken("SessionByToken") {
		return store.Session{}, store.User{}, errDBDown
	}
	return d.Store.SessionByToken(ctx, t)
}

func (d *faultDB) ListSessions(ctx context.Context, userID string, now time.Time) ([]store.Session, error) {
	if d.broken("ListSessions") {
		return nil, errDBDown
	}
	return d.Store.ListSessions(ctx, userID, now)
}

func (d *faultDB) DeleteSession(ctx context.Context, t string) error {
	if d.broken("DeleteSession") {
		return errDBDown
	}
	return d.Store.DeleteSession(ctx, t)
}

func (d *faultDB) DeleteUserSessions(ctx context.Context, userID string) error {
	if d.broken("DeleteUserSessions") {
		return errDBDown
	}
	return d.Store.DeleteUserSessions(ctx, userID)
}

func (d *faultDB) DeleteOtherSessions(ctx context.Context, userID, keep string) error {
	if d.broken("DeleteOtherSessions") {
		return errDBDown
	}
	return d.Store.DeleteOtherSessions(ctx, userID, keep)
}

// revokeEnv is a fallback-mode Store (StoreSessionInDatabase) over fault
// wrappers, with one session whose key is in secondary storage ("cached")
// and one whose key was lost ("lost"), both created before the pinned now,
// and a third to keep for DeleteOtherSessions ("kept").
type revokeEnv struct {
	f                  *fixture
	kv                 *faultKV
	db                 *faultDB
	cached, lost, kept store.Session
}

func newRevokeEnv(t *testing.T, inner scs.Store, primary store.Store) *revokeEnv {
	t.Helper()
	kvs := &faultKV{inner: newKV(inner)}
	db := &faultDB{Store: primary}
	f := newFixture(t, kvs, Options{Primary: db, StoreSessionInDatabase: true})
	e := &revokeEnv{f: f, kv: kvs, db: db}
	e.cached = f.session(t, at.Add(-3*time.Minute), time.Hour)
	e.lost = f.session(t, at.Add(-2*time.Minute), time.Hour)
	e.kept = f.session(t, at.Add(-time.Minute), time.Hour)
	if err := kvs.Delete(e.lost.Token); err != nil {
		t.Fatal(err)
	}
	return e
}

// live reports whether a lookup returns the session, through the Store
// and through each of its sources: the Store with its key (if any), and
// the Store with the database answering for a missing key.
func (e *revokeEnv) live(t *testing.T, ss store.Session) bool {
	t.Helper()
	_, _, err := e.f.s.SessionByToken(context.Background(), ss.Token)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SessionByToken: %v", err)
	}
	return err == nil
}

// listed reports whether ListSessions lists the session.
func (e *revokeEnv) listed(t *testing.T, ss store.Session) bool {
	t.Helper()
	l, err := e.f.s.ListSessions(context.Background(), ss.UserID, at)
	if err != nil {
		t.Fatalf("ListSessions: %v", err)
	}
	for _, x := range l {
		if x.Token == ss.Token {
			return true
		}
	}
	return false
}

// revokeSteps are the writes of the three revocations, each failed in
// turn: kv is the key whose write fails ("marker", "list", a session's
// token), db the database method. revoked says whether the revocation
// had taken hold when the failure struck: then no lookup may return the
// sessions it ends; otherwise nothing has changed and all stay live.
type revokeStep struct {
	name    string
	kvOp    string
	kvKey   func(e *revokeEnv) string
	db      string
	revoked bool
}

func TestRevokePartialFailure(t *testing.T) {
	t.Parallel()
	runRevokePartialFailure(t, func(t *testing.T) scs.Store { return memKV(t) },
		func(testing.TB) store.Store { return memory.New() })
}

// TestRevokePartialFailureRedisPostgres is TestRevokePartialFailure on a
// real Redis (SESSIONKIT_REDIS_ADDR) and PostgreSQL (SESSIONKIT_POSTGRES_DSN)
// behind the fault wrappers.
func TestRevokePartialFailureRedisPostgres(t *testing.T) {
	t.Parallel()
	runRevokePartialFailure(t, func(t *testing.T) scs.Store { s, _, _ := redisKV(t); return s }, pgPrimary)
}

func runRevokePartialFailure(t *testing.T, open func(t *testing.T) scs.Store, primary func(testing.TB) store.Store) {
	marker := func(e *revokeEnv) string { return revokedKey(e.f.user.ID) }
	list := func(e *revokeEnv) string { return activeKey(e.f.user.ID) }
	cached := func(e *revokeEnv) string { return e.cached.Token }
	lost := func(e *revokeEnv) string { return e.lost.Token }
	ops := []struct {
		name  string
		call  func(e *revokeEnv) error
		ended func(e *revokeEnv) []store.Session
		steps []revokeStep
	}{
		{
			name:  "DeleteUserSessions",
			call:  func(e *revokeEnv) error { return e.f.s.DeleteUserSessions(context.Background(), e.f.user.ID) },
			ended: func(e *revokeEnv) []store.Session { return []store.Session{e.cached, e.lost, e.kept} },
			steps: []revokeStep{
				{name: "marker read", kvOp: "get", kvKey: marker},
				{name: "marker", kvOp: "set", kvKey: marker},
				{name: "database", db: "DeleteUserSessions", revoked: true},
				{name: "key", kvOp: "set", kvKey: cached, revoked: true},
				{name: "list", kvOp: "del", kvKey: list, revoked: true},
			},
		},
		{
			name:  "DeleteSession/cached",
			call:  func(e *revokeEnv) error { return e.f.s.DeleteSession(context.Background(), e.cached.Token) },
			ended: func(e *revokeEnv) []store.Session { return []store.Session{e.cached} },
			steps: []revokeStep{
				{name: "key", kvOp: "set", kvKey: cached},
				{name: "list", kvOp: "set", kvKey: list, revoked: true},
				{name: "database", db: "DeleteSession", revoked: true},
			},
		},
		{
			name:  "DeleteSession/lost key",
			call:  func(e *revokeEnv) error { return e.f.s.DeleteSession(context.Background(), e.lost.Token) },
			ended: func(e *revokeEnv) []store.Session { return []store.Session{e.lost} },
			steps: []revokeStep{
				{name: "key", kvOp: "set", kvKey: lost},
				{name: "database", db: "DeleteSession", revoked: true},
			},
		},
		{
			name: "DeleteOtherSessions",
			call: func(e *revokeEnv) error {
				return e.f.s.DeleteOtherSessions(context.Background(), e.f.user.ID, e.kept.Token)
			},
			ended: func(e *revokeEnv) []store.Session { return []store.Session{e.cached, e.lost} },
			steps: []revokeStep{
				{name: "database list", db: "ListSessions"},
				{name: "list", kvOp: "set", kvKey: list, revoked: true},
				{name: "database", db: "DeleteOtherSessions", revoked: true},
			},
		},
	}
	for _, op := range ops {
		for _, st := range op.steps {
			t.Run(op.name+"/"+st.name, func(t *testing.T) {
				t.Parallel()
				e := newRevokeEnv(t, open(t), primary(t))
				if st.kvKey != nil {
					key := st.kvKey(e)
					e.kv.setRule(func(o, k string) bool { return o == st.kvOp && strings.HasSuffix(k, key) })
				}
				if st.db != "" {
					e.db.setDown(st.db)
				}
				if err := op.call(e); err == nil {
					t.Fatal("the call succeeded although a step failed")
				}
				e.kv.setRule(nil)
				e.db.setDown()
				for _, ss := range op.ended(e) {
					if got := e.live(t, ss); got == st.revoked {
						t.Errorf("session created %v: live = %v after the failure, want %v", ss.CreatedAt, got, !st.revoked)
					}
					if got := e.listed(t, ss); got == st.revoked {
						t.Errorf("session created %v: listed = %v after the failure, want %v", ss.CreatedAt, got, !st.revoked)
					}
				}
				// The retry ends them all, for good.
				if err := op.call(e); err != nil {
					t.Fatalf("retry: %v", err)
				}
				for _, ss := range op.ended(e) {
					if e.live(t, ss) || e.listed(t, ss) {
						t.Errorf("session created %v survives the retry", ss.CreatedAt)
					}
					if _, _, err := e.db.Store.SessionByToken(context.Background(), ss.Token); !errors.Is(err, store.ErrNotFound) {
						t.Errorf("session created %v: its row survives the retry: %v", ss.CreatedAt, err)
					}
				}
				if op.name == "DeleteOtherSessions" && !e.live(t, e.kept) {
					t.Error("the kept session was ended")
				}
			})
		}
	}
}

// TestRevokeAllKeepsLaterMarker: a revoke-all never lowers a marker that
// another process, its clock ahead, wrote: the sessions it revoked stay
// revoked.
func TestRevokeAllKeepsLaterMarker(t *testing.T) {
	t.Parallel()
	kvs := memKV(t)
	f := newFixture(t, kvs, Options{})
	ctx := context.Background()
	ss := f.session(t, at.Add(time.Minute), time.Hour)
	later := formatMillis(at.Add(time.Hour))
	if err := kvs.Commit(revokedKey(f.user.ID), later, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := f.s.DeleteUserSessions(ctx, f.user.ID); err != nil { // at, before the marker
		t.Fatal(err)
	}
	if got, _ := f.raw(t, revokedKey(f.user.ID)); got != string(later) {
		t.Errorf("marker = %s, want the later %s kept", got, later)
	}
	if err := f.s.CreateSession(ctx, ss); err != nil { // written back, as a racing slide would
		t.Fatal(err)
	}
	if _, _, err := f.s.SessionByToken(ctx, ss.Token); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a session before the later marker: SessionByToken = %v, want ErrNotFound", err)
	}
}
