package sessionkit_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

type parentKey struct{}

// TestNewContextIsItsParent checks that the session context behaves as
// context.WithValue would: the parent's values, deadline and cancellation
// pass through, and the last NewContext wins.
func TestNewContextIsItsParent(t *testing.T) {
	deadline := time.Now().Add(time.Hour)
	parent, cancel := context.WithDeadline(context.WithValue(context.Background(), parentKey{}, "p"), deadline)
	sess := &sessionkit.Session{Source: "compact"}
	ctx := sessionkit.NewContext(parent, sess, nil)

	if got, ok := sessionkit.FromContext(ctx); !ok || got != sess {
		t.Fatalf("FromContext = %v, %v", got, ok)
	}
	if !sessionkit.Loaded(ctx) || sessionkit.LookupError(ctx) != nil {
		t.Fatal("Loaded or LookupError wrong")
	}
	if ctx.Value(parentKey{}) != "p" {
		t.Error("the parent's value is lost")
	}
	if d, ok := ctx.Deadline(); !ok || !d.Equal(deadline) {
		t.Errorf("Deadline = %v, %v", d, ok)
	}
	child, stop := context.WithCancel(ctx)
	defer stop()
	cancel()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("cancelling the parent did not reach the session context")
	}
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("cancelling the parent did not reach a context derived from the session context")
	}
	if !errors.Is(ctx.Err(), context.Canceled) || !errors.Is(context.Cause(child), context.Canceled) {
		t.Errorf("Err = %v, Cause = %v", ctx.Err(), context.Cause(child))
	}

	boom := errors.New("store down")
	again := sessionkit.NewContext(ctx, nil, boom)
	if _, ok := sessionkit.FromContext(again); ok || !errors.Is(sessionkit.LookupError(again), boom) {
		t.Error("the last NewContext does not win")
	}
	if again.Value(parentKey{}) != "p" {
		t.Error("the parent's value is lost two levels down")
	}
	if got := fmt.Sprint(sessionkit.NewContext(context.Background(), sess, nil)); got != "context.Background.WithValue(sessionkit.ctxKey, session)" {
		t.Errorf("the context prints as %q", got)
	}
	if sessionkit.Loaded(context.Background()) {
		t.Error("Loaded without NewContext")
	}
}

func TestNewContextNilPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewContext(nil) did not panic, as context.WithValue does")
		}
	}()
	//lint:ignore SA1012 the nil context is the point
	sessionkit.NewContext(nil, nil, nil)
}
