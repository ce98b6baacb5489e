package cache

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// testFields is a declaration with every type, a hidden field and a renamed
// column (which changes nothing on the wire).
var testFields = store.AdditionalFields{
	User: []store.Field{
		{Name: "role", Type: store.FieldString, Required: true, Default: "user"},
		{Name: "plan", Type: store.FieldString, Input: true},
		{Name: "seats", Type: store.FieldNumber},
		{Name: "beta", Type: store.FieldBoolean},
		{Name: "trialEnds", Type: store.FieldDate},
		{Name: "tags", Type: store.FieldStrings},
		{Name: "scores", Type: store.FieldNumbers},
		{Name: "prefs", Type: store.FieldJSON},
		{Name: "secret", Type: store.FieldString, Hidden: true},
	},
	Session: []store.Field{{Name: "tenantId", Type: store.FieldString, FieldName: "tenant_id"}},
}

func fieldsPayload(t testing.TB) *Payload {
	p := samplePayload()
	var err error
	p.User.Fields, err = store.NewFields(testFields.User, map[string]any{
		"role": "admin", "seats": 1.5e-7, "beta": true, "trialEnds": testNow,
		"tags": []string{"a\u2028", "<b>"}, "scores": []float64{1, -0.5, 1e21}, "prefs": `{"a":[1,{"b":null}]}`,
		"secret": "never in a cookie",
	})
	if err != nil {
		t.Fatal(err)
	}
	p.Session.Fields, err = store.NewFields(testFields.Session, map[string]any{"tenantId": "t-1"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func fieldCodecs(t testing.TB) []Codec {
	var out []Codec
	for _, c := range allCodecs(secretA) {
		fc, err := WithFields(c, testFields)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fc)
	}
	return out
}

// TestFieldsRoundTrip: every strategy carries every field type; Hidden
// fields stay out of the cookie.
func TestFieldsRoundTrip(t *testing.T) {
	t.Parallel()
	for _, c := range fieldCodecs(t) {
		t.Run(c.Strategy(), func(t *testing.T) {
			t.Parallel()
			p := fieldsPayload(t)
			v, err := c.Encode(p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Decode(v, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if !equalPayload(got, p) {
				t.Fatalf("core members changed: %+v", got)
			}
			want, _ := p.User.Fields.With("secret", nil)
			if !got.User.Fields.Equal(want) {
				t.Errorf("user fields = %v, want %v", got.User.Fields.Map(), want.Map())
			}
			if !got.Session.Fields.Equal(p.Session.Fields) {
				t.Errorf("session fields = %v, want %v", got.Session.Fields.Map(), p.Session.Fields.Map())
			}
			if got.User.Fields.String("role") != "admin" || !got.User.Fields.Time("trialEnds").Equal(testNow) {
				t.Errorf("accessors: role %q, trialEnds %v", got.User.Fields.String("role"), got.User.Fields.Time("trialEnds"))
			}
		})
	}
}

// TestFieldsWire pins the JSON: fields after the core members and before
// the id, null when unset, numbers and strings as JSON.stringify writes
// them, no Hidden field.
func TestFieldsWire(t *testing.T) {
	t.Parallel()
	c, _ := WithFields(NewCompact(secretA), testFields)
	p := fieldsPayload(t)
	p.User.Fields, _ = p.User.Fields.With("plan", nil)
	v, err := c.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := compactOuter(t, v)
	s := string(raw)
	for _, want := range []string{
		`"userId":"YeC3GaKDnzNnsf3RsTiACfQb0CXyyxRS","tenantId":"t-1","id":"gbgFqAbGxOkJJidHZrtXBKMZgzEOhZhr"}`,
		`"updatedAt":"2026-11-27T22:10:13.927Z","role":"admin","plan":null,"seats":1.5e-7,"beta":true,"trialEnds":"2026-11-27T22:10:14.072Z",` +
			`"tags":["a` + "\u2028" + `","<b>"],"scores":[1,-0.5,1e+21],"prefs":{"a":[1,{"b":null}]},"id":"YeC3GaKDnzNnsf3RsTiACfQb0CXyyxRS"}`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("cookie JSON lacks\n%s\nin\n%s", want, s)
		}
	}
	if strings.Contains(s, "secret") {
		t.Error("a Hidden field is in the cookie")
	}
}

// TestFieldsChecked: behind a valid signature, a declared field of the
// wrong type makes the cookie invalid (the store then answers), a repeated
// one too; undeclared members are dropped, and a codec without fields reads
// a cookie with fields.
func TestFieldsChecked(t *testing.T) {
	t.Parallel()
	c, _ := WithFields(NewCompact(secretA), testFields)
	plain := NewCompact(secretA)
	userAt := `,"id":"YeC3GaKDnzNnsf3RsTiACfQb0CXyyxRS"},"updatedAt"`
	withUser := func(members string) string {
		return strings.Replace(validP, userAt, ","+members+userAt, 1)
	}
	exp := testNow.UnixMilli() + 60_000
	for _, tc := range []struct {
		name    string
		members string
		ok      bool
	}{
		{"all null", `"role":null,"seats":null,"beta":null,"trialEnds":null,"tags":null,"scores":null,"prefs":null`, true},
		{"absent", `"other":1`, true},
		{"undeclared of any shape", `"impersonatedBy":{"x":[1,2,{"y":"2026-01-01T00:00:00.000Z"}]},"banned":false`, true},
		{"hidden is dropped", `"secret":42`, true},
		{"number as string", `"seats":"3"`, false},
		{"string as number", `"role":1`, false},
		{"boolean as 0", `"beta":0`, false},
		{"date not ISO", `"trialEnds":"tomorrow"`, false},
		{"date as millis", `"trialEnds":1795817414072`, false},
		{"string[] with a number", `"tags":["a",1]`, false},
		{"number[] with a string", `"scores":[1,"2"]`, false},
		{"json anything", `"prefs":[true,"x",{"a":{}}]`, true},
		{"repeated", `"role":"a","role":"b"`, false},
		{"huge number", `"seats":1e999`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := signCompactRaw(secretA, withUser(tc.members), exp)
			got, err := c.Decode(v, testNow)
			if tc.ok != (err == nil) {
				t.Fatalf("Decode: err = %v, want ok %v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if got != nil {
				if _, ok := got.User.Fields.Lookup("secret"); ok {
					t.Error("a Hidden field was read from the cookie")
				}
			}
			if _, err := plain.Decode(v, testNow); err != nil && tc.ok {
				t.Errorf("a codec without fields refused it: %v", err)
			}
		})
	}
	v := signCompactRaw(secretA, withUser(`"role":"owner","seats":3,"trialEnds":"2026-02-30T00:00:00Z","scores":[]`), exp)
	got, err := c.Decode(v, testNow)
	if err != nil {
		t.Fatal(err)
	}
	f := got.User.Fields
	if f.String("role") != "owner" || f.Int("seats") != 3 || f.Time("trialEnds") != time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) ||
		f.Numbers("scores") == nil || len(f.Numbers("scores")) != 0 {
		t.Errorf("fields = %v", f.Map())
	}
}

func TestWithFieldsRefuses(t *testing.T) {
	t.Parallel()
	if _, err := WithFields(NewJWT(secretA), store.AdditionalFields{User: []store.Field{{Name: "email", Type: store.FieldString}}}); !errors.Is(err, store.ErrField) {
		t.Errorf("a core name: err = %v", err)
	}
	many := make([]store.Field, 65)
	for i := range many {
		many[i] = store.Field{Name: "f" + string(rune('A'+i%26)) + string(rune('a'+i/26)), Type: store.FieldString}
	}
	if _, err := WithFields(NewJWT(secretA), store.AdditionalFields{User: many}); !errors.Is(err, store.ErrField) {
		t.Errorf("65 fields: err = %v", err)
	}
	p := samplePayload()
	p.User.Fields, _ = store.NewFields(testFields.User, nil)
	c, _ := WithFields(NewCompact(secretA), testFields)
	bad := store.FieldsFromValues(testFields.User, []any{nil, nil, math.NaN(), nil, nil, nil, nil, nil, nil})
	p.User.Fields = bad
	if _, err := c.Encode(p); err == nil {
		t.Error("Encode wrote NaN")
	}
}

func TestAppendJSNumber(t *testing.T) {
	t.Parallel()
	for f, want := range map[float64]string{
		0: "0", math.Copysign(0, -1): "0", 1: "1", -1.5: "-1.5", 1e21: "1e+21", 1e20: "100000000000000000000",
		1e-6: "0.000001", 1e-7: "1e-7", 123456789.125: "123456789.125", 0.30000000000000004: "0.30000000000000004", 5e-324: "5e-324",
		1.7976931348623157e308: "1.7976931348623157e+308",
	} {
		if got := string(appendJSNumber(nil, f)); got != want {
			t.Errorf("appendJSNumber(%v) = %s, want %s", f, got, want)
		}
	}
}

// FuzzCompactPayloadFields fuzzes the field reader behind a valid
// signature: what Decode accepts must agree with encoding/json and survive
// an Encode/Decode round trip.
func FuzzCompactPayloadFields(f *testing.F) {
	body, err := appendPayloadBody(nil, fieldsPayload(f), &fieldSpec{user: testFields.User, session: testFields.Session})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(body) + "}")
	f.Add(validP)
	f.Add(strings.Replace(validP, `"image":null`, `"image":null,"seats":-0,"tags":[],"prefs":{"1":2,"a":"\u00e9"}`, 1))
	c, _ := WithFields(NewCompact(secretA), testFields)
	now := testNow
	f.Fuzz(func(t *testing.T, pText string) {
		if len(pText) < 2 || pText[len(pText)-1] != '}' {
			return
		}
		got, err := c.Decode(signCompactRaw(secretA, pText, now.UnixMilli()+1), now)
		if err != nil {
			return
		}
		var doc struct{ User, Session json.RawMessage }
		if err := json.Unmarshal([]byte(pText), &doc); err != nil {
			t.Fatalf("Decode accepted JSON encoding/json rejects: %v", err)
		}
		for _, x := range []struct {
			raw  json.RawMessage
			decl []store.Field
			got  store.Fields
		}{{doc.User, testFields.User, got.User.Fields}, {doc.Session, testFields.Session, got.Session.Fields}} {
			want, err := store.UnmarshalFields(x.decl, x.raw)
			if err != nil {
				t.Fatalf("encoding/json refuses fields Decode accepted: %v", err)
			}
			for i := range x.decl {
				if x.decl[i].Hidden {
					want, _ = want.With(x.decl[i].Name, nil)
				}
			}
			// json values compare as encoding/json reads them.
			if !sameFields(t, want, x.got) {
				t.Fatalf("fields %v, encoding/json read %v", x.got.Map(), want.Map())
			}
		}
		again, err := c.Encode(got)
		if err != nil {
			t.Fatalf("re-encoding an accepted payload: %v", err)
		}
		back, err := c.Decode(again, now)
		if err != nil {
			t.Fatalf("decoding a re-encoded payload: %v", err)
		}
		if !back.User.Fields.Equal(got.User.Fields) || !back.Session.Fields.Equal(got.Session.Fields) {
			t.Fatalf("round trip changed the fields: %v -> %v", got.User.Fields.Map(), back.User.Fields.Map())
		}
	})
}

func sameFields(t *testing.T, a, b store.Fields) bool {
	if a.Len() != b.Len() {
		return false
	}
	for i := 0; i < a.Len(); i++ {
		x, y := a.Value(i), b.Value(i)
		if rx, ok := x.(json.RawMessage); ok {
			ry, ok := y.(json.RawMessage)
			var vx, vy any
			if !ok || json.Unmarshal(rx, &vx) != nil || json.Unmarshal(ry, &vy) != nil {
				return false
			}
			jx, _ := json.Marshal(vx)
			jy, _ := json.Marshal(vy)
			if string(jx) != string(jy) {
				return false
			}
			continue
		}
		one := store.FieldsFromValues(a.Declared()[i:i+1], []any{x})
		two := store.FieldsFromValues(a.Declared()[i:i+1], []any{y})
		if !one.Equal(two) {
			return false
		}
	}
	return true
}

// TestFieldsForgedNoAlloc: reading fields before the signature is trusted
// allocates nothing, so a forged cookie with fields costs no garbage.
func TestFieldsForgedNoAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	c, _ := WithFields(NewCompact(secretA), testFields)
	p := fieldsPayload(t)
	v, err := c.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := WithFields(NewCompact(secretB), testFields)
	if _, err := forged.Decode(v, testNow); !errors.Is(err, ErrInvalid) {
		t.Fatalf("forged: %v", err)
	}
	if n := testing.AllocsPerRun(100, func() { forged.Decode(v, testNow) }); n != 0 {
		t.Errorf("a forged cookie with fields allocates %v times", n)
	}
}
