package telemetry_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sessionkit/sessionkit/ratelimit"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

// TestStoreCalls: every store call is timed by operation and outcome, and
// traced in a span below the caller's span; a failure marks the span, a
// missing record does not.
func TestStoreCalls(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	mem := memory.New()
	s := h.tel.WrapStore(mem)
	ctx := context.Background()
	u := store.User{ID: "u1", Name: "Ada", Email: "ada@example.com", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}

	parentCtx, parent := h.tracer.Start(ctx, "request")
	if _, _, err := s.SessionByToken(parentCtx, "unknown"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SessionByToken: %v", err)
	}
	parent.End()
	if _, _, err := h.tel.WrapStore(failing{mem}).SessionByToken(ctx, "x"); !errors.Is(err, errDown) {
		t.Fatalf("failing SessionByToken: %v, want the store's error", err)
	}

	for _, c := range []struct {
		op, outcome string
		want        uint64
	}{
		{"create_user", "ok", 1},
		{"session_by_token", "not_found", 1},
		{"session_by_token", "error", 1},
		{"session_by_token", "ok", 0},
	} {
		if got := h.observations(t, "sessionkit.store.duration", str("sessionkit.store.operation", c.op), str("sessionkit.store.outcome", c.outcome)); got != c.want {
			t.Errorf("store.duration %s/%s: %d, want %d", c.op, c.outcome, got, c.want)
		}
	}

	spans := h.spans.GetSpans()
	byName := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range spans.Snapshots() {
		byName[s.Name()] = append(byName[s.Name()], s)
	}
	lookups := byName["sessionkit.store session_by_token"]
	if len(lookups) != 2 || len(byName["request"]) != 1 || len(byName["sessionkit.store create_user"]) != 1 {
		t.Fatalf("spans: %v", spans)
	}
	req := byName["request"][0]
	notFound, failed := lookups[0], lookups[1]
	if notFound.Parent().SpanID() != req.SpanContext().SpanID() || notFound.SpanContext().TraceID() != req.SpanContext().TraceID() {
		t.Error("the store span is not a child of the request's span")
	}
	if notFound.Status().Code == codes.Error {
		t.Error("a missing record marked the span failed")
	}
	if failed.Status().Code != codes.Error || len(failed.Events()) == 0 {
		t.Errorf("failed call: status %v, events %v", failed.Status(), failed.Events())
	}
	for _, s := range spans.Snapshots() {
		for _, kv := range s.Attributes() {
			if kv.Value.Type() == attribute.STRING && (kv.Value.AsString() == "unknown" || kv.Value.AsString() == "x") {
				t.Errorf("span %s carries the token: %v", s.Name(), kv)
			}
		}
	}
}

// limits is a ratelimit.Storage that counts its calls.
type limits struct {
	mu sync.Mutex
	n  int
}

func (l *limits) Consume(context.Context, string, ratelimit.Rule, time.Time) (ratelimit.Result, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	return ratelimit.Result{Allowed: true}, nil
}

// TestWrapStoreAbilities: the wrapped store has exactly the optional
// abilities of the store it wraps (the Manager finds them by type
// assertion), and each still reaches the store.
func TestWrapStoreAbilities(t *testing.T) {
	t.Parallel()
	type (
		plain struct{ store.Store }
		creds struct {
			store.Store
			store.CredentialStore
		}
		feed struct {
			store.Store
			store.RevocationFeed
		}
		limit struct {
			store.Store
			ratelimit.Storage
		}
		credsFeed struct {
			store.Store
			store.CredentialStore
			store.RevocationFeed
		}
		credsLimit struct {
			store.Store
			store.CredentialStore
			ratelimit.Storage
		}
		feedLimit struct {
			store.Store
			store.RevocationFeed
			ratelimit.Storage
		}
		all struct {
			store.Store
			store.CredentialStore
			store.RevocationFeed
			ratelimit.Storage
		}
	)
	mem, lim := memory.New(), &limits{}
	for _, s := range []store.Store{
		plain{mem}, creds{mem, mem}, feed{mem, mem}, limit{mem, lim},
		credsFeed{mem, mem, mem}, credsLimit{mem, mem, lim}, feedLimit{mem, mem, lim}, all{mem, mem, mem, lim},
		mem,
	} {
		h := newHarness(t, nil)
		w := h.tel.WrapStore(s)
		_, hasCreds := s.(store.CredentialStore)
		_, hasFeed := s.(store.RevocationFeed)
		_, hasLimit := s.(ratelimit.Storage)
		cs, gotCreds := w.(store.CredentialStore)
		fs, gotFeed := w.(store.RevocationFeed)
		ls, gotLimit := w.(ratelimit.Storage)
		if gotCreds != hasCreds || gotFeed != hasFeed || gotLimit != hasLimit {
			t.Errorf("%T: wrapped has credentials %v, feed %v, limits %v; want %v, %v, %v", s, gotCreds, gotFeed, gotLimit, hasCreds, hasFeed, hasLimit)
			continue
		}
		if w.(interface{ Unwrap() store.Store }).Unwrap() != s {
			t.Errorf("%T: Unwrap is not the wrapped store", s)
		}
		ctx := context.Background()
		if gotCreds {
			if _, err := cs.PasswordHash(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%T: PasswordHash: %v", s, err)
			}
			if h.observations(t, "sessionkit.store.duration", str("sessionkit.store.operation", "password_hash")) != 1 {
				t.Errorf("%T: PasswordHash not timed", s)
			}
		}
		if gotFeed {
			wctx, cancel := context.WithCancel(ctx)
			if err := fs.WatchRevocations(wctx, time.Now(), nopSink{}); err != nil {
				t.Errorf("%T: WatchRevocations: %v", s, err)
			}
			cancel()
		}
		if gotLimit {
			before := lim.n
			if _, err := ls.Consume(ctx, "k", ratelimit.Rule{Window: time.Second, Max: 1}, time.Now()); err != nil || lim.n != before+1 {
				t.Errorf("%T: Consume: %v, calls %d", s, err, lim.n-before)
			}
			if h.observations(t, "sessionkit.store.duration", str("sessionkit.store.operation", "rate_limit_consume")) != 1 {
				t.Errorf("%T: Consume not timed", s)
			}
		}
	}
}

type nopSink struct{}

func (nopSink) Revoked(...store.Revocation) {}
func (nopSink) CaughtUp(time.Time)          {}
func (nopSink) Behind(error)                {}

// revocations is a sink that reports the session ids it received.
type revocations chan string

func (r revocations) Revoked(rs ...store.Revocation) {
	for _, x := range rs {
		r <- x.SessionID
	}
}
func (revocations) CaughtUp(time.Time) {}
func (revocations) Behind(error)       {}

// TestWrappedSQLiteFeed: a wrapped SQLite store still has its revocation
// feed, which reports a session deleted through the wrapper.
func TestWrappedSQLiteFeed(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "feed.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h := newHarness(t, nil)
	w := h.tel.WrapStore(db)
	fs, ok := w.(store.RevocationFeed)
	if !ok {
		t.Fatal("the wrapped SQLite store lost its revocation feed")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	now := store.Truncate(time.Now())
	if err := w.CreateUser(ctx, store.User{ID: "u1", Name: "Ada", Email: "ada@example.com", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	sess := store.Session{ID: "s1", Token: store.NewID(), UserID: "u1", ExpiresAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now}
	if err := w.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	got := make(revocations, 8)
	if err := fs.WatchRevocations(ctx, now.Add(-time.Second), got); err != nil {
		t.Fatal(err)
	}
	if err := w.DeleteSession(ctx, sess.Token); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-got:
		if id != "s1" {
			t.Errorf("revoked %q, want s1", id)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the feed did not report the deleted session")
	}
}
