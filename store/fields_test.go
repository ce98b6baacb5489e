package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// userFields is a declaration like a Better Auth app's
// user.additionalFields.
var userFields = []store.Field{
	{Name: "role", Type: store.FieldString, Required: true, Default: "user"},
	{Name: "plan", Type: store.FieldString, Input: true},
	{Name: "seats", Type: store.FieldNumber, Input: true},
	{Name: "beta", Type: store.FieldBoolean, Default: false},
	{Name: "trialEnds", Type: store.FieldDate},
	{Name: "tags", Type: store.FieldStrings},
	{Name: "scores", Type: store.FieldNumbers},
	{Name: "prefs", Type: store.FieldJSON},
	{Name: "secret", Type: store.FieldString, Hidden: true},
}

// Example_fields reads a user's additional fields in a handler: each
// accessor returns the field's value, or the zero value when it is null.
func Example_fields() {
	u := store.User{ID: "u1", Name: "Ada", Email: "ada@example.com"}
	u.Fields, _ = store.NewFields(userFields, map[string]any{
		"role":      "admin",
		"seats":     12,
		"trialEnds": time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		"tags":      []string{"a", "b"},
	})
	fmt.Println(u.Fields.String("role"), u.Fields.Int("seats"), u.Fields.Bool("beta"))
	fmt.Println(u.Fields.Time("trialEnds").Format(time.RFC3339), u.Fields.Strings("tags"))
	if _, ok := u.Fields.Lookup("plan"); !ok {
		fmt.Println("no plan")
	}
	// Output:
	// admin 12 false
	// 2030-01-02T03:04:05Z [a b]
	// no plan
}

func TestFieldsComplete(t *testing.T) {
	t.Parallel()
	f, err := store.NewFields(userFields, map[string]any{"plan": "pro"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.Complete()
	if err != nil {
		t.Fatal(err)
	}
	if c.String("role") != "user" || c.String("plan") != "pro" {
		t.Errorf("completed = %v", c.Map())
	}
	if v, ok := c.Lookup("beta"); !ok || v != false {
		t.Errorf("beta = %v, %v; want the default false", v, ok)
	}
	if f.String("role") != "" {
		t.Error("Complete changed its receiver")
	}
	req := []store.Field{{Name: "tenantId", Type: store.FieldString, Required: true}}
	e, _ := store.NewFields(req, nil)
	if _, err := e.Complete(); !errors.Is(err, store.ErrField) {
		t.Errorf("missing required field: err = %v, want ErrField", err)
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		t    store.FieldType
		in   any
		want string // fmt of the result, or "error"
	}{
		{store.FieldString, "x", "x"},
		{store.FieldString, 1, "error"},
		{store.FieldNumber, 3, "3"},
		{store.FieldNumber, 1.5, "1.5"},
		{store.FieldNumber, math.NaN(), "error"},
		{store.FieldNumber, math.Inf(1), "error"},
		{store.FieldNumber, "3", "error"},
		{store.FieldBoolean, true, "true"},
		{store.FieldBoolean, 1, "error"},
		{store.FieldDate, time.Date(2020, 1, 1, 0, 0, 0, 1234567, time.UTC), "2020-01-01 00:00:00.001 +0000 UTC"},
		{store.FieldDate, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "error"},
		{store.FieldDate, "2020-01-01", "error"},
		{store.FieldStrings, []string{"a"}, "[a]"},
		{store.FieldStrings, []int{1}, "error"},
		{store.FieldNumbers, []int{1, 2}, "[1 2]"},
		{store.FieldNumbers, []float64{math.NaN()}, "error"},
		{store.FieldJSON, map[string]int{"a": 1}, `{"a":1}`},
		{store.FieldJSON, `{ "a" : [1, 2] }`, `{"a":[1,2]}`},
		{store.FieldJSON, `{`, "error"},
		{"text", "x", "error"},
	} {
		got, err := store.Normalize(tc.t, tc.in)
		s := fmt.Sprint(got)
		if raw, ok := got.(json.RawMessage); ok {
			s = string(raw)
		}
		if err != nil {
			if !errors.Is(err, store.ErrField) {
				t.Errorf("Normalize(%s, %#v): err = %v, want ErrField", tc.t, tc.in, err)
			}
			s = "error"
		}
		if s != tc.want {
			t.Errorf("Normalize(%s, %#v) = %s, want %s", tc.t, tc.in, s, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		a    store.AdditionalFields
		ok   bool
	}{
		{"fine", store.AdditionalFields{User: userFields, Session: []store.Field{{Name: "tenantId", Type: store.FieldString}}}, true},
		{"core name", store.AdditionalFields{User: []store.Field{{Name: "email", Type: store.FieldString}}}, false},
		{"column taken", store.AdditionalFields{Session: []store.Field{{Name: "x", Type: store.FieldString, FieldName: "token"}}}, false},
		{"twice", store.AdditionalFields{User: []store.Field{{Name: "a", Type: store.FieldString}, {Name: "a", Type: store.FieldNumber}}}, false},
		{"no name", store.AdditionalFields{User: []store.Field{{Type: store.FieldString}}}, false},
		{"bad type", store.AdditionalFields{User: []store.Field{{Name: "a", Type: "text"}}}, false},
		{"bad default", store.AdditionalFields{User: []store.Field{{Name: "a", Type: store.FieldNumber, Default: "1"}}}, false},
	} {
		err := tc.a.Validate()
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, store.ErrField)) {
			t.Errorf("%s: Validate() = %v", tc.name, err)
		}
	}
}

// TestFieldsJSON: additional fields go before the id, as Better Auth's
// adapter returns them; null when unset; Hidden ones never.
func TestFieldsJSON(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)
	u := store.User{ID: "u1", Name: "Ada", Email: "ada@example.com", CreatedAt: at, UpdatedAt: at}
	var err error
	u.Fields, err = store.NewFields(userFields, map[string]any{
		"role": "admin", "seats": 2.5, "trialEnds": at, "tags": []string{"x"}, "prefs": `{"a":1}`, "secret": "s",
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"name":"Ada","email":"ada@example.com","emailVerified":false,"image":null,"createdAt":"2026-01-02T03:04:05.006Z","updatedAt":"2026-01-02T03:04:05.006Z",` +
		`"role":"admin","plan":null,"seats":2.5,"beta":null,"trialEnds":"2026-01-02T03:04:05.006Z","tags":["x"],"scores":null,"prefs":{"a":1},"id":"u1"}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	back, err := store.UnmarshalFields(userFields, b)
	if err != nil {
		t.Fatal(err)
	}
	wantBack, _ := u.Fields.With("secret", nil)
	if !back.Equal(wantBack) {
		t.Errorf("UnmarshalFields = %v, want %v", back.Map(), wantBack.Map())
	}
	if _, err := store.UnmarshalFields(userFields, []byte(`{"seats":"2"}`)); !errors.Is(err, store.ErrField) {
		t.Errorf("a string for a number: err = %v, want ErrField", err)
	}
}
