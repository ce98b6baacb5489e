package account

import (
	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memory"

	"context"
	"errors"
	"testing"
	"time"
)

// TestHashGate: a full gate makes callers wait at most its wait, refuses
// them at once beyond its queue, and lets them in when a slot frees.
func TestHashGate(t *testing.T) {
	t.Parallel()
	g := newHashGate(1, 20*time.Millisecond)
	hold, held := make(chan struct{}), make(chan struct{})
	go g.do(context.Background(), func() { close(held); <-hold })
	<-held
	start := time.Now()
	if err := g.do(context.Background(), func() { t.Error("ran while full") }); !errors.Is(err, ErrBusy) {
		t.Fatalf("full gate: %v, want ErrBusy", err)
	}
	if d := time.Since(start); d < 20*time.Millisecond || d > 2*time.Second {
		t.Errorf("waited %v, want about 20ms", d)
	}
	// Fill the queue: the next caller is refused without waiting.
	for range hashQueuePerSlot {
		g.waiters <- struct{}{}
	}
	start = time.Now()
	if err := g.do(context.Background(), func() {}); !errors.Is(err, ErrBusy) || time.Since(start) > 10*time.Millisecond {
		t.Errorf("full queue: %v after %v, want ErrBusy at once", err, time.Since(start))
	}
	for range hashQueuePerSlot {
		<-g.waiters
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := newHashGate(1, time.Hour).do(ctx, func() {}); err != nil {
		t.Errorf("free slot with a done context: %v (a free slot needs no wait)", err)
	}
	g.wait = time.Hour
	if err := g.do(ctx, func() {}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v", err)
	}
	ran := make(chan error)
	go func() { ran <- g.do(context.Background(), func() {}) }()
	time.Sleep(10 * time.Millisecond)
	close(hold)
	if err := <-ran; err != nil {
		t.Errorf("slot freed while waiting: %v", err)
	}
	if err := newHashGate(1, 0).do(context.Background(), func() {}); err != nil {
		t.Errorf("no-wait gate, free slot: %v", err)
	}
}

func TestHashLimitConfig(t *testing.T) {
	t.Parallel()
	m, err := sessionkit.New(sessionkit.Config{Secret: "test-secret-0123456789abcdefghijklmnopqrstuvwxyz", Store: memory.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, c := range []Config{{MaxConcurrentHashes: -1}, {HashWait: -5}} {
		if _, err := New(m, c); !errors.Is(err, sessionkit.ErrConfig) {
			t.Errorf("%+v: %v, want ErrConfig", c, err)
		}
	}
	a, err := New(m, Config{})
	if err != nil || cap(a.hashes.slots) != defaultMaxHashes() || a.hashes.wait != DefaultHashWait {
		t.Errorf("defaults: %v, %d slots, wait %v", err, cap(a.hashes.slots), a.hashes.wait)
	}
}
