package sessionkit_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memory"
)

// TestCacheHitAllocs guards the cost of a compact cache hit through
// LookupHeader, revocation check included: the Session alone. The Lookup
// stays on the caller's stack (LookupHeader is inlined), the jar holds its
// cache cookie in place, the payload comes from the memo of verified
// values (cache.Memo), whose strings it shares, into the stack, and the
// token is a piece of the header. middleware.Load adds the request context
// (two: the session state, which is the context itself, and the request
// copy).
func TestCacheHitAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	h := newHarness(t, sessionkit.Config{Store: memory.New(), CookieCache: sessionkit.CookieCache{Enabled: true}})
	cookie, _ := h.signIn(h.user("allocs@example.com").ID, sessionkit.SignInOptions{})
	hdr := http.Header{"Cookie": {cookie}}
	ctx := context.Background()
	if l, err := h.m.LookupHeader(ctx, hdr, sessionkit.LookupOptions{}); err != nil || l.Found.Source != "compact" {
		t.Fatalf("want a compact cache hit, got %+v, %v", l, err)
	}
	const most = 1
	got := testing.AllocsPerRun(200, func() {
		if _, err := h.m.LookupHeader(ctx, hdr, sessionkit.LookupOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("a compact cache hit allocates %v times", got)
	if got > most {
		t.Errorf("a compact cache hit allocates %v times, want at most %d", got, most)
	}
}
