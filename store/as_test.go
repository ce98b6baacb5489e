package store_test

import (
	"testing"

	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

// wrapper hides every optional ability of the store it wraps but Unwrap.
type wrapper struct{ store.Store }

func (w wrapper) Unwrap() store.Store { return w.Store }

func TestAs(t *testing.T) {
	mem := memory.New()
	if _, ok := store.As[store.UserEditor](mem); !ok {
		t.Fatal("memory store: no UserEditor")
	}
	w := wrapper{wrapper{mem}}
	if _, ok := w.Store.(store.UserEditor); ok {
		t.Fatal("the wrapper should hide the ability")
	}
	ue, ok := store.As[store.UserEditor](w)
	if !ok || ue != store.UserEditor(mem) {
		t.Fatalf("As through two wrappers = %v, %v; want the memory store", ue, ok)
	}
	type none interface{ NoSuchAbility() }
	if _, ok := store.As[none](w); ok {
		t.Fatal("As found an ability nobody has")
	}
}
