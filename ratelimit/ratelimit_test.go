package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// TestMemoryWindow: Better Auth's decideConsume: Max requests, then a
// refusal until Window has passed since the last allowed one.
func TestMemoryWindow(t *testing.T) {
	t.Parallel()
	m := NewMemory(0)
	rule := Rule{Window: 10 * time.Second, Max: 3}
	ctx := context.Background()
	for i, c := range []struct {
		at    time.Duration
		ok    bool
		retry time.Duration
	}{
		{0, true, 0}, {time.Second, true, 0}, {2 * time.Second, true, 0},
		{3 * time.Second, false, 9 * time.Second},
		{11 * time.Second, false, time.Second},
		{12 * time.Second, true, 0}, // 10 s after the last allowed one: a new window
		{12 * time.Second, true, 0}, {12 * time.Second, true, 0},
		{13 * time.Second, false, 9 * time.Second},
	} {
		res, err := m.Consume(ctx, "1.2.3.4|/sign-in/email", rule, t0.Add(c.at))
		if err != nil || res.Allowed != c.ok || res.RetryAfter != c.retry {
			t.Errorf("#%d at %v: %+v %v, want allowed=%v retry=%v", i, c.at, res, err, c.ok, c.retry)
		}
	}
	if res, _ := m.Consume(ctx, "5.6.7.8|/sign-in/email", rule, t0.Add(13*time.Second)); !res.Allowed {
		t.Error("another key was limited")
	}
}

// TestMemoryBound: keys from rotating addresses never exceed the cap, and
// expired windows are dropped.
func TestMemoryBound(t *testing.T) {
	t.Parallel()
	m := NewMemory(100)
	rule := Rule{Window: 10 * time.Second, Max: 3}
	for i := range 10_000 {
		m.Consume(context.Background(), Key(fmt.Sprintf("10.%d.%d.%d", i>>16, i>>8&255, i&255), "/sign-in/email"), rule, t0)
		if m.Len() > 100 {
			t.Fatalf("%d keys after %d addresses", m.Len(), i+1)
		}
	}
	m.Consume(context.Background(), "x|/", rule, t0.Add(10*time.Second))
	if m.Len() != 1 {
		t.Errorf("%d keys after the windows passed, want 1", m.Len())
	}
}

func TestCounter(t *testing.T) {
	t.Parallel()
	counts := map[string]int64{}
	ttls := map[string]int{}
	c := Counter(func(_ context.Context, key string, ttl int) (int64, error) {
		counts[key]++
		if counts[key] == 1 {
			ttls[key] = ttl
		}
		return counts[key], nil
	})
	rule := Rule{Window: 10 * time.Second, Max: 3}
	for i := range 4 {
		res, err := c.Consume(context.Background(), "k", rule, t0)
		if err != nil || res.Allowed != (i < 3) || (!res.Allowed && res.RetryAfter != 10*time.Second) {
			t.Errorf("#%d: %+v %v", i, res, err)
		}
	}
	if ttls["k"] != 10 {
		t.Errorf("ttl %d, want 10", ttls["k"])
	}
	boom := errors.New("down")
	_, err := New(Counter(func(context.Context, string, int) (int64, error) { return 0, boom }), Rule{time.Second, 1}, nil).
		Allow(context.Background(), "k", "/", t0)
	if !errors.Is(err, ErrStorage) || !errors.Is(err, boom) {
		t.Errorf("storage failure: %v", err)
	}
}

func TestRules(t *testing.T) {
	t.Parallel()
	l := New(NewMemory(0), Rule{10 * time.Second, 100}, []PathRule{{"/get-session", Rule{time.Minute, 7}}, {"/sign-in/social*", Rule{time.Second, 1}}})
	for path, want := range map[string]Rule{
		"/get-session":            {time.Minute, 7},
		"/sign-in/email":          {10 * time.Second, 3},
		"/sign-in/social/github":  {time.Second, 1},
		"/sign-up/email":          {10 * time.Second, 3},
		"/change-password":        {10 * time.Second, 3},
		"/request-password-reset": {time.Minute, 3},
		"/list-sessions":          {10 * time.Second, 100},
	} {
		if got := l.RuleFor(path); got != want {
			t.Errorf("%s: %+v, want %+v", path, got, want)
		}
	}
}

func TestNormalizeIP(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"1.2.3.4":              "1.2.3.4",
		"::ffff:1.2.3.4":       "1.2.3.4",
		"2001:DB8::1":          "2001:0db8:0000:0000:0000:0000:0000:0000",
		"2001:db8:0:0:ffff::9": "2001:0db8:0000:0000:0000:0000:0000:0000",
		"2001:db8:0:1::1":      "2001:0db8:0000:0001:0000:0000:0000:0000",
		"fe80::1%eth0":         "fe80:0000:0000:0000:0000:0000:0000:0000",
		"not an ip":            NoIP,
		"":                     NoIP,
		"1.2.3.4, 5.6.7.8":     NoIP,
	} {
		if got := NormalizeIP(in); got != want {
			t.Errorf("NormalizeIP(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzNormalizeIP: any header value gives a short key part, never a panic,
// and normalizing twice changes nothing.
func FuzzNormalizeIP(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "::1", "2001:db8::1%eth0", "::ffff:10.0.0.1", "garbage", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := NormalizeIP(s)
		if len(got) > 39 {
			t.Fatalf("NormalizeIP(%q) = %q: too long", s, got)
		}
		if again := NormalizeIP(got); got != NoIP && again != got {
			t.Fatalf("NormalizeIP(%q) = %q, then %q", s, got, again)
		}
	})
}

// TestMemoryConcurrent: concurrent requests cannot all pass a stale count.
func TestMemoryConcurrent(t *testing.T) {
	t.Parallel()
	m := NewMemory(0)
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			res, _ := m.Consume(context.Background(), "k", Rule{Window: time.Minute, Max: 7}, t0)
			if res.Allowed {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if allowed != 7 {
		t.Errorf("%d of 50 allowed, want 7", allowed)
	}
}
