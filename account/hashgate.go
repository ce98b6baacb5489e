package account

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"time"

	"github.com/sessionkit/sessionkit"
)

// ErrBusy means too many password hashes were under way: the request
// waited HashWait for a slot and gave up. Nothing was checked or stored;
// the client should retry (the JSON API answers 503 with Retry-After).
var ErrBusy = errors.New("account: too many password checks at once, retry shortly")

// Defaults of the password-hashing bound.
const (
	// DefaultHashWait is how long a sign-in or sign-up waits for a hashing
	// slot before failing with ErrBusy.
	DefaultHashWait = 2 * time.Second
	// hashQueuePerSlot bounds the waiters: beyond this many per slot a
	// request fails at once rather than holding a goroutine and a body.
	hashQueuePerSlot = 8
)

// defaultMaxHashes is one scrypt per core, at least two: scrypt is CPU
// bound, so more at once only adds latency and ~32 MiB of memory each.
func defaultMaxHashes() int { return max(2, runtime.GOMAXPROCS(0)) }

// hashGate bounds the scrypt computations (each ~32 MiB) running at once,
// and the requests waiting for one.
type hashGate struct {
	slots   chan struct{}
	waiters chan struct{}
	wait    time.Duration
}

func newHashGate(n int, wait time.Duration) *hashGate {
	return &hashGate{
		slots:   make(chan struct{}, n),
		waiters: make(chan struct{}, n*hashQueuePerSlot),
		wait:    wait,
	}
}

// do runs fn in a slot, or returns ErrBusy (or the context's error)
// without running it.
func (g *hashGate) do(ctx context.Context, fn func()) error {
	select {
	case g.slots <- struct{}{}:
	default:
		if err := g.queue(ctx); err != nil {
			return err
		}
	}
	defer func() { <-g.slots }()
	fn()
	return nil
}

func (g *hashGate) queue(ctx context.Context) error {
	if g.wait <= 0 {
		return ErrBusy
	}
	select {
	case g.waiters <- struct{}{}:
		defer func() { <-g.waiters }()
	default:
		return ErrBusy
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-t.C:
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

// CodeBusy is the JSON API's code for ErrBusy (503, Retry-After: 1).
const CodeBusy = "SERVER_BUSY"

func writeBusy(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	sessionkit.WriteError(w, http.StatusServiceUnavailable, CodeBusy, "Too many sign-ins at once. Please try again shortly.")
}
