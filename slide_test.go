package sessionkit_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store"
)

// panickyStore panics in its first SlideSession call.
type panickyStore struct {
	*countingStore
	panicked atomic.Bool
}

func (p *panickyStore) SlideSession(ctx context.Context, token string, e, u time.Time) (store.Session, error) {
	if p.panicked.CompareAndSwap(false, true) {
		panic("store blew up mid-slide")
	}
	return p.countingStore.SlideSession(ctx, token, e, u)
}

// TestSlidePanicReleasesToken: a store call that panics during a slide
// reaches its caller as a panic, and does not leave the token's slide held:
// the next request with that token completes.
func TestSlidePanicReleasesToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sessionkit.Config{})
	u := h.user("a@example.com")
	cookie, _ := h.signIn(u.ID, sessionkit.SignInOptions{})
	m := h.sibling(sessionkit.Config{Store: &panickyStore{countingStore: h.store}})
	t.Cleanup(func() { m.Close() })
	h.clock.Advance(25 * time.Hour) // due a slide
	hdr := http.Header{"Cookie": {cookie}}

	func() {
		defer func() {
			if recover() == nil {
				t.Error("the store's panic did not reach the caller")
			}
		}()
		_, _ = m.LookupHeader(context.Background(), hdr, sessionkit.LookupOptions{})
	}()

	done := make(chan error, 1)
	go func() {
		_, err := m.LookupHeader(context.Background(), hdr, sessionkit.LookupOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("lookup after the panic: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("lookup after a panicking slide still blocked after 5s: the token's slide is held for ever")
	}
	if n := h.store.slides.Load(); n != 1 {
		t.Fatalf("%d store writes after the panic, want 1", n)
	}
}
