package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// Fields is the declaration RunFields opens its stores with: every type
// Better Auth has, required fields with and without a default, a hidden
// field and renamed columns.
var Fields = store.AdditionalFields{
	User: []store.Field{
		{Name: "role", Type: store.FieldString, Required: true, Default: "user"},
		{Name: "plan", Type: store.FieldString, Input: true},
		{Name: "seats", Type: store.FieldNumber},
		{Name: "beta", Type: store.FieldBoolean, Default: false},
		{Name: "trialEnds", Type: store.FieldDate},
		{Name: "tags", Type: store.FieldStrings},
		{Name: "scores", Type: store.FieldNumbers},
		{Name: "prefs", Type: store.FieldJSON},
		{Name: "secretNote", Type: store.FieldString, Hidden: true, FieldName: "secret_note"},
	},
	Session: []store.Field{
		{Name: "tenantId", Type: store.FieldString, FieldName: "tenant_id"},
		{Name: "impersonatedBy", Type: store.FieldString},
		{Name: "device", Type: store.FieldString, Required: true},
	},
}

// RunFields runs the additional-fields part of the conformance suite:
// open must return a fresh, empty store declaring Fields (and having
// store.FieldStore).
func RunFields(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	for _, tc := range []suiteCase{
		{"Fields/RoundTrip", testFieldsRoundTrip},
		{"Fields/Refused", testFieldsRefused},
		{"Fields/Update", testFieldsUpdate},
		{"Fields/CreateUserWithAccount", testFieldsWithAccount},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

func fieldStore(t testing.TB, s store.Store) store.FieldStore {
	fs, ok := store.As[store.FieldStore](s)
	if !ok {
		t.Fatal("the store has no store.FieldStore")
	}
	if !fs.AdditionalFields().Equal(Fields) {
		t.Fatal("the store does not declare storetest.Fields")
	}
	return fs
}

func testFieldsRoundTrip(t testing.TB, s store.Store) {
	fieldStore(t, s)
	ctx := context.Background()
	at := time.Date(2031, 2, 3, 4, 5, 6, 7e6, time.UTC)
	u := newUser("fields")
	var err error
	if u.Fields, err = store.NewFields(Fields.User, map[string]any{
		"role": "admin", "seats": 3, "beta": true, "trialEnds": at, // an integer: PostgreSQL's number column is integer
		"tags": []string{"a", "é\"'"}, "scores": []float64{1, -2.25}, "prefs": `{"n":[1,2],"theme":"dark"}`, // jsonb's member order (shorter keys first)
		"secretNote": "kept, never answered",
	}); err != nil {
		t.Fatal(err)
	}
	mustCreateUser(t, s, u)
	bare := newUser("bare")
	bare.Fields, _ = store.NewFields(Fields.User, map[string]any{"role": "user"})
	mustCreateUser(t, s, bare)

	for _, get := range []func() (store.User, error){
		func() (store.User, error) { return s.UserByID(ctx, u.ID) },
		func() (store.User, error) { return s.UserByEmail(ctx, u.Email) },
	} {
		got, err := get()
		if err != nil {
			t.Fatal(err)
		}
		if !got.Fields.Equal(u.Fields) {
			t.Errorf("user fields = %v, want %v", got.Fields.Map(), u.Fields.Map())
		}
	}
	got, err := s.UserByID(ctx, bare.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Fields.Len() != len(Fields.User) || len(got.Fields.Map()) != 2 || got.Fields.String("role") != "user" {
		t.Errorf("a user with only role: fields = %v (%d declared)", got.Fields.Map(), got.Fields.Len())
	}
	// Defaults are the store's to apply on create, as Better Auth's
	// adapter applies them.
	none := newUser("none")
	mustCreateUser(t, s, none)
	got, err = s.UserByID(ctx, none.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := got.Fields.Lookup("beta"); got.Fields.String("role") != "user" || !ok || v != false {
		t.Errorf("a user created without fields: %v, want the defaults", got.Fields.Map())
	}

	ss := newSession(u.ID, at, at.Add(time.Hour))
	ss.Fields, _ = store.NewFields(Fields.Session, map[string]any{"tenantId": "t-9", "device": "d"})
	mustCreateSession(t, s, ss)
	gs, gu, err := s.SessionByToken(ctx, ss.Token)
	if err != nil {
		t.Fatal(err)
	}
	if gs.Fields.String("tenantId") != "t-9" || gs.Fields.String("device") != "d" || gs.Fields.Len() != 3 {
		t.Errorf("session fields = %v", gs.Fields.Map())
	}
	if !gu.Fields.Equal(u.Fields) {
		t.Errorf("SessionByToken's user fields = %v, want %v", gu.Fields.Map(), u.Fields.Map())
	}
	slid, err := s.SlideSession(ctx, ss.Token, at.Add(2*time.Hour), at.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if slid.Fields.String("tenantId") != "t-9" {
		t.Errorf("SlideSession lost the fields: %v", slid.Fields.Map())
	}
	list, err := s.ListSessions(ctx, u.ID, at)
	if err != nil || len(list) != 1 || list[0].Fields.String("tenantId") != "t-9" {
		t.Errorf("ListSessions = %v, %v", list, err)
	}
}

func testFieldsRefused(t testing.TB, s store.Store) {
	fieldStore(t, s)
	ctx := context.Background()
	u := newUser("refused")
	mustCreateUser(t, s, u)
	// A required field without a value or default: nothing is stored.
	ss := newSession(u.ID, u.CreatedAt, u.CreatedAt.Add(time.Hour))
	if err := s.CreateSession(ctx, ss); !errors.Is(err, store.ErrInvalid) && !errors.Is(err, store.ErrField) {
		t.Errorf("CreateSession without the required device: err = %v", err)
	}
	if _, _, err := s.SessionByToken(ctx, ss.Token); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused session was stored: %v", err)
	}
	u = newUser("other")
	// A field the store does not declare.
	other := []store.Field{{Name: "role", Type: store.FieldString}, {Name: "unknown", Type: store.FieldString}}
	u.Fields, _ = store.NewFields(other, map[string]any{"role": "x", "unknown": "y"})
	if err := s.CreateUser(ctx, u); err == nil {
		t.Error("CreateUser stored a value for an undeclared field")
	}
}

func testFieldsUpdate(t testing.TB, s store.Store) {
	fs := fieldStore(t, s)
	ctx := context.Background()
	u := newUser("upd")
	u.Fields, _ = store.NewFields(Fields.User, map[string]any{"role": "user", "plan": "free"})
	mustCreateUser(t, s, u)
	at := u.CreatedAt.Add(time.Minute)
	got, err := fs.UpdateUserFields(ctx, u.ID, map[string]any{"plan": "pro", "seats": 3, "beta": nil}, at)
	if err != nil {
		t.Fatal(err)
	}
	if got.Fields.String("plan") != "pro" || got.Fields.Int("seats") != 3 || got.Fields.String("role") != "user" || !sameTime(got.UpdatedAt, at) {
		t.Errorf("updated = %v at %v", got.Fields.Map(), got.UpdatedAt)
	}
	back, _ := s.UserByID(ctx, u.ID)
	if !back.Fields.Equal(got.Fields) {
		t.Errorf("read back %v, want %v", back.Fields.Map(), got.Fields.Map())
	}
	if _, err := fs.UpdateUserFields(ctx, u.ID, map[string]any{"nope": 1}, at); !errors.Is(err, store.ErrField) {
		t.Errorf("an undeclared field: err = %v", err)
	}
	if _, err := fs.UpdateUserFields(ctx, u.ID, map[string]any{"seats": "3"}, at); !errors.Is(err, store.ErrField) {
		t.Errorf("a wrong type: err = %v", err)
	}
	if _, err := fs.UpdateUserFields(ctx, "missing", map[string]any{"plan": "x"}, at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a missing user: err = %v", err)
	}
	ss := newSession(u.ID, at, at.Add(time.Hour))
	ss.Fields, _ = store.NewFields(Fields.Session, map[string]any{"device": "d"})
	mustCreateSession(t, s, ss)
	gs, err := fs.UpdateSessionFields(ctx, ss.Token, map[string]any{"impersonatedBy": "admin-1"}, at.Add(time.Second))
	if err != nil || gs.Fields.String("impersonatedBy") != "admin-1" {
		t.Fatalf("UpdateSessionFields = %v, %v", gs.Fields.Map(), err)
	}
	back2, _, err := s.SessionByToken(ctx, ss.Token)
	if err != nil || back2.Fields.String("impersonatedBy") != "admin-1" || !sameTime(back2.UpdatedAt, at.Add(time.Second)) {
		t.Errorf("read back %v, %v", back2.Fields.Map(), err)
	}
	if _, err := fs.UpdateSessionFields(ctx, "missing", map[string]any{"tenantId": "x"}, at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a missing session: err = %v", err)
	}
	if _, err := fs.UpdateSessionFields(ctx, ss.Token, map[string]any{"device": nil}, at); err == nil {
		t.Error("a required field was set to null")
	}
}

// testFieldsWithAccount: a user created with a provider account (social
// sign-up) keeps its fields and gets the defaults, as one created with a
// password; a field of the wrong type refuses the user and the account.
// Stores without store.AccountStore skip nothing: the case passes.
func testFieldsWithAccount(t testing.TB, s store.Store) {
	fieldStore(t, s)
	as, ok := store.As[store.AccountStore](s)
	if !ok {
		return
	}
	ctx := context.Background()
	u := newUser("social-fields")
	u.Fields, _ = store.NewFields(Fields.User, map[string]any{"plan": "pro", "tags": []string{"x"}})
	if err := as.CreateUserWithAccount(ctx, u, newAccount(u.ID, "github", "f1")); err != nil {
		t.Fatal(err)
	}
	got, err := s.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Fields.String("plan") != "pro" || got.Fields.String("role") != "user" || len(got.Fields.Strings("tags")) != 1 {
		t.Errorf("fields = %v, want plan, tags and the role default", got.Fields.Map())
	}
	bad := newUser("social-bad")
	bad.Fields = store.FieldsFromValues([]store.Field{{Name: "undeclared", Type: store.FieldString}}, []any{"x"})
	if err := as.CreateUserWithAccount(ctx, bad, newAccount(bad.ID, "github", "f2")); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("an undeclared field: err = %v, want ErrInvalid", err)
	}
	if _, err := s.UserByID(ctx, bad.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused user: err = %v, want ErrNotFound", err)
	}
	if _, err := as.AccountByProvider(ctx, "github", "f2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused account: err = %v, want ErrNotFound", err)
	}
}
