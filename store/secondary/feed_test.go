package secondary_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2/memstore"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
	"github.com/sessionkit/sessionkit/store/secondary"
)

const feedSecret = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz"

// TestRevocationFeedThroughDatabase: with every session also in the
// database (StoreSessionInDatabase), the secondary store's feed is the
// database's, so a sign-out through one Manager reaches another Manager's
// cache hits within a second.
func TestRevocationFeedThroughDatabase(t *testing.T) {
	kv, prim := memstore.NewWithCleanupInterval(0), memory.New()
	cc := sessionkit.CookieCache{Enabled: true, MaxAge: 5 * time.Minute}
	mk := func() *sessionkit.Manager {
		st, err := secondary.New(kv, secondary.Options{Primary: prim, StoreSessionInDatabase: true})
		if err != nil {
			t.Fatal(err)
		}
		m, err := sessionkit.New(sessionkit.Config{Secret: feedSecret, Store: st, CookieCache: cc})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close(); st.Close() })
		return m
	}
	a, b := mk(), mk()
	ctx := context.Background()
	u := store.User{ID: store.NewID(), Name: "Victim", Email: "victim@example.com", CreatedAt: b.Now(), UpdatedAt: b.Now()}
	err := b.Store().CreateUser(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if _, err := b.SignIn(rec, httptest.NewRequest("POST", "/sign-in", nil), u.ID, sessionkit.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, c := range rec.Result().Cookies() {
		parts = append(parts, c.Name+"="+c.Value)
	}
	h := http.Header{"Cookie": {strings.Join(parts, "; ")}}
	deadline := time.Now().Add(5 * time.Second)
	for {
		l, err := a.LookupHeader(ctx, h, sessionkit.LookupOptions{})
		if err == nil && l.Found.Source != sessionkit.SourceStore {
			break // a answers from the cache
		}
		if time.Now().After(deadline) {
			t.Fatalf("a never answered from the cache: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	r := httptest.NewRequest("POST", "/sign-out", nil)
	r.Header = h.Clone()
	if err := b.SignOut(httptest.NewRecorder(), r); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(time.Second)
	for {
		_, err := a.LookupHeader(ctx, h, sessionkit.LookupOptions{})
		if errors.Is(err, sessionkit.ErrNoSession) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a still accepts the signed-out session a second later (%v)", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSecondaryWithoutDatabaseHasNoFeed: secondary storage alone has no
// feed; the Manager starts without one (Better Auth's behaviour: the cache
// answers until it expires) instead of failing.
func TestSecondaryWithoutDatabaseHasNoFeed(t *testing.T) {
	st, err := secondary.New(memstore.NewWithCleanupInterval(0), secondary.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.WatchRevocations(context.Background(), time.Now(), nil); !errors.Is(err, store.ErrNoRevocationFeed) {
		t.Fatalf("WatchRevocations: %v, want ErrNoRevocationFeed", err)
	}
	m, err := sessionkit.New(sessionkit.Config{Secret: feedSecret, Store: st, CookieCache: sessionkit.CookieCache{Enabled: true}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	m.Close()
}
