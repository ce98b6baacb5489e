package memory_test

import (
	"testing"

	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
	"github.com/sessionkit/sessionkit/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return memory.New() })
}

func TestFieldsConformance(t *testing.T) {
	storetest.RunFields(t, func(t *testing.T) store.Store {
		s, err := memory.NewWith(memory.Options{Fields: storetest.Fields})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
