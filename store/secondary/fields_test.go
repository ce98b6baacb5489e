package secondary

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/alexedwards/scs/v2"

	"github.com/sessionkit/sessionkit/internal/servicetest"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
	"github.com/sessionkit/sessionkit/store/postgres"
	"github.com/sessionkit/sessionkit/store/storetest"
)

// TestFieldsConformance: the additional fields Primary declares are kept
// in secondary storage's values (hidden ones too) and in the rows.
func TestFieldsConformance(t *testing.T) {
	t.Parallel()
	memPrimary := func(t testing.TB) store.Store {
		m, err := memory.NewWith(memory.Options{Fields: storetest.Fields})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	pg := func(t testing.TB) store.Store {
		p, err := postgres.Open(context.Background(), servicetest.Postgres(t, pgExec), postgres.Options{SweepInterval: -1, Fields: storetest.Fields})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name    string
		kv      func(t testing.TB) scs.Store
		primary func(t testing.TB) store.Store
		inDB    bool
	}{
		{"memstore+memory", func(t testing.TB) scs.Store { return memKV(t) }, memPrimary, false},
		{"memstore+memory/StoreSessionInDatabase", func(t testing.TB) scs.Store { return memKV(t) }, memPrimary, true},
		{"redis+postgres/StoreSessionInDatabase", func(t testing.TB) scs.Store { s, _, _ := redisKV(t); return s }, pg, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			storetest.RunFields(t, func(t *testing.T) store.Store {
				s, err := New(c.kv(t), Options{StoreSessionInDatabase: c.inDB, Primary: c.primary(t), Now: suiteClock})
				if err != nil {
					t.Fatal(err)
				}
				return s
			})
		})
	}
}

// TestFieldsInValue: a token key's value holds the fields where Better
// Auth's does, hidden ones included.
func TestFieldsInValue(t *testing.T) {
	t.Parallel()
	decl := store.AdditionalFields{Session: []store.Field{{Name: "tenantId", Type: store.FieldString}, {Name: "note", Type: store.FieldString, Hidden: true}}}
	mem, _ := memory.NewWith(memory.Options{Fields: decl})
	kv := memKV(t)
	s, err := New(kv, Options{Primary: mem, Now: suiteClock})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u := store.User{ID: "u1", Email: "u@example.com", CreatedAt: suiteClock(), UpdatedAt: suiteClock()}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	ss := store.Session{ID: "s1", Token: "t1", UserID: "u1", CreatedAt: suiteClock(), UpdatedAt: suiteClock(), ExpiresAt: suiteClock().Add(3600e9)}
	ss.Fields, _ = store.NewFields(decl.Session, map[string]any{"tenantId": "acme", "note": "n"})
	if err := s.CreateSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	b, _, _ := kv.Find("t1")
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	if string(rec.Session["tenantId"]) != `"acme"` || string(rec.Session["note"]) != `"n"` {
		t.Errorf("value %s", b)
	}
	got, _, err := s.SessionByToken(ctx, "t1")
	if err != nil || got.Fields.String("note") != "n" || got.Fields.String("tenantId") != "acme" {
		t.Errorf("read back %v, %v", got.Fields.Map(), err)
	}
}
