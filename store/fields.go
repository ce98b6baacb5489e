package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// FieldType is the type of an additional field, spelled as in Better Auth's
// declaration (DBFieldType).
type FieldType string

// The field types Better Auth declares, and the Go type of their values in
// Fields.
const (
	FieldString  FieldType = "string"   // string
	FieldNumber  FieldType = "number"   // float64 (a JavaScript number)
	FieldBoolean FieldType = "boolean"  // bool
	FieldDate    FieldType = "date"     // time.Time, UTC, millisecond precision
	FieldStrings FieldType = "string[]" // []string
	FieldNumbers FieldType = "number[]" // []float64
	FieldJSON    FieldType = "json"     // json.RawMessage (compact JSON text)
)

// ErrField means a field value does not fit its declaration: a wrong type,
// a required field missing, an undeclared name, or a value JavaScript cannot
// hold (NaN, ±Inf, a date outside years 0–9999).
var ErrField = errors.New("store: invalid additional field")

// Field declares one additional field of users or sessions, as Better Auth's
// `user.additionalFields` / `session.additionalFields` declares it:
//
//	// Better Auth: user: { additionalFields: { role: { type: "string", defaultValue: "user", input: false } } }
//	store.Field{Name: "role", Type: store.FieldString, Required: true, Default: "user"}
//
// Two zero values differ from Better Auth's defaults, on purpose: Input is
// false unless set (Better Auth: true), so that no field becomes settable
// by a client because its declaration forgot to say; and Required is false
// unless set (Better Auth's column is NOT NULL unless `required: false`),
// so write Required: true where Better Auth's declaration omits `required`.
type Field struct {
	// Name is the field's key in Better Auth's JSON (get-session, the cache
	// cookie) and in its declaration.
	Name string
	// Type is one of the FieldType constants.
	Type FieldType
	// Required means a new record must have a value (from the input or
	// Default): sign-up without one answers 400 MISSING_FIELD, and the
	// column is NOT NULL, as Better Auth creates it.
	Required bool
	// Default is given to a new record that has no value for the field:
	// a value of the field's Go type (see FieldType; ints are accepted for
	// numbers) or a func() any returning one. Better Auth's defaultValue.
	Default any
	// Input allows clients to set the field through sign-up and
	// update-user (Better Auth's `input`, whose default is true). A field
	// without Input is refused with 400 FIELD_NOT_ALLOWED when a client
	// sends a value for it, as Better Auth refuses `input: false`.
	Input bool
	// Hidden is Better Auth's `returned: false`: the field is stored but
	// never answered (get-session, list-sessions) nor put in a cache cookie.
	Hidden bool
	// FieldName is the column name (Better Auth's `fieldName`); "" means
	// Name.
	FieldName string
}

// Column returns the field's column name: FieldName, or Name.
func (f *Field) Column() string {
	if f.FieldName != "" {
		return f.FieldName
	}
	return f.Name
}

// AdditionalFields declares the additional fields of users and sessions,
// each list in the order Better Auth's schema has them: a plugin's fields
// first (in plugin order), then `additionalFields`. The order is the order
// of the members in Better Auth's JSON, which a compact or jwt cache cookie
// must reproduce byte for byte.
type AdditionalFields struct {
	User    []Field
	Session []Field
}

// coreUser and coreSession are the names Better Auth's core schema uses;
// an additional field cannot take one.
var (
	coreUser    = []string{"id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt"}
	coreSession = []string{"id", "token", "userId", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent"}
)

// Validate checks the declaration: known types, non-empty unique names and
// columns that do not collide with Better Auth's core fields, and defaults
// of the field's type. Its errors wrap ErrField.
func (a AdditionalFields) Validate() error {
	if err := validateFields("user", a.User, coreUser); err != nil {
		return err
	}
	return validateFields("session", a.Session, coreSession)
}

// Empty reports whether nothing is declared.
func (a AdditionalFields) Empty() bool { return len(a.User) == 0 && len(a.Session) == 0 }

// Equal reports whether a and b declare the same fields in the same order.
// Defaults that are functions compare equal when both are functions.
func (a AdditionalFields) Equal(b AdditionalFields) bool {
	return fieldsEqual(a.User, b.User) && fieldsEqual(a.Session, b.Session)
}

func fieldsEqual(a, b []Field) bool {
	return slices.EqualFunc(a, b, func(x, y Field) bool {
		_, fx := x.Default.(func() any)
		_, fy := y.Default.(func() any)
		dx, _ := Normalize(x.Type, x.Default)
		dy, _ := Normalize(y.Type, y.Default)
		return x.Name == y.Name && x.Type == y.Type && x.Required == y.Required && x.Input == y.Input &&
			x.Hidden == y.Hidden && x.Column() == y.Column() && fx == fy && (fx || valueEqual(dx, dy))
	})
}

func validateFields(table string, fields []Field, core []string) error {
	seen := map[string]bool{}
	cols := map[string]bool{}
	for _, c := range core {
		seen[c], cols[c] = true, true
	}
	for i := range fields {
		f := &fields[i]
		switch {
		case f.Name == "":
			return fmt.Errorf("%w: %s field %d has no name", ErrField, table, i)
		case seen[f.Name]:
			return fmt.Errorf("%w: %s field %q is declared twice or is a core field", ErrField, table, f.Name)
		case cols[f.Column()]:
			return fmt.Errorf("%w: %s field %q: column %q is taken", ErrField, table, f.Name, f.Column())
		}
		seen[f.Name], cols[f.Column()] = true, true
		switch f.Type {
		case FieldString, FieldNumber, FieldBoolean, FieldDate, FieldStrings, FieldNumbers, FieldJSON:
		default:
			return fmt.Errorf("%w: %s field %q: unknown type %q", ErrField, table, f.Name, f.Type)
		}
		if _, isFunc := f.Default.(func() any); !isFunc && f.Default != nil {
			if _, err := Normalize(f.Type, f.Default); err != nil {
				return fmt.Errorf("%s field %q: default: %w", table, f.Name, err)
			}
		}
	}
	return nil
}

// DefaultValue returns the field's default, normalized (see Normalize), or
// nil when it has none. A func() default is called.
func (f *Field) DefaultValue() (any, error) {
	d := f.Default
	if fn, ok := d.(func() any); ok {
		d = fn()
	}
	if d == nil {
		return nil, nil
	}
	v, err := Normalize(f.Type, d)
	if err != nil {
		return nil, fmt.Errorf("field %q: default: %w", f.Name, err)
	}
	return v, nil
}

// Normalize converts v to the Go type Fields holds for t (see FieldType):
// any integer or float to float64, []int and []float64 to []float64,
// time.Time to UTC milliseconds, a json field from json.RawMessage, []byte,
// a string of JSON text, or any value encoding/json marshals, to compact
// JSON text. nil stays nil (null). Other types, NaN, ±Inf and dates
// JavaScript cannot write are ErrField.
func Normalize(t FieldType, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	bad := func() (any, error) { return nil, fmt.Errorf("%w: %T is not a %s", ErrField, v, t) }
	switch t {
	case FieldString:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case FieldBoolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case FieldNumber:
		f, ok := number(v)
		if !ok {
			return bad()
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%w: %v is not a JavaScript number JSON can carry", ErrField, f)
		}
		return f, nil
	case FieldDate:
		if tm, ok := v.(time.Time); ok {
			tm = Truncate(tm)
			if y := tm.Year(); y < 0 || y > 9999 {
				return nil, fmt.Errorf("%w: date %v outside years 0000-9999", ErrField, tm)
			}
			return tm, nil
		}
	case FieldStrings:
		if s, ok := v.([]string); ok {
			return slices.Clone(s), nil
		}
	case FieldNumbers:
		var out []float64
		switch x := v.(type) {
		case []float64:
			out = slices.Clone(x)
		case []int:
			for _, n := range x {
				out = append(out, float64(n))
			}
		case []int64:
			for _, n := range x {
				out = append(out, float64(n))
			}
		default:
			return bad()
		}
		for _, f := range out {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("%w: %v is not a JavaScript number JSON can carry", ErrField, f)
			}
		}
		if out == nil {
			out = []float64{}
		}
		return out, nil
	case FieldJSON:
		var raw []byte
		switch x := v.(type) {
		case json.RawMessage:
			raw = x
		case []byte:
			raw = x
		case string:
			raw = []byte(x)
		default:
			b, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrField, err)
			}
			raw = b
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, fmt.Errorf("%w: json field: %w", ErrField, err)
		}
		if buf.String() == "null" {
			return nil, nil
		}
		return json.RawMessage(buf.Bytes()), nil
	default:
		return nil, fmt.Errorf("%w: unknown type %q", ErrField, t)
	}
	return bad()
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

func valueEqual(a, b any) bool {
	switch x := a.(type) {
	case []string:
		y, ok := b.([]string)
		return ok && slices.Equal(x, y)
	case []float64:
		y, ok := b.([]float64)
		return ok && slices.Equal(x, y)
	case json.RawMessage:
		y, ok := b.(json.RawMessage)
		return ok && bytes.Equal(x, y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	}
	return a == b
}

// Fields holds the values of a record's additional fields, in the order of
// their declaration. Read them with the typed accessors (String, Bool,
// Number, Int, Time, Strings, Numbers, JSON), which return the zero value
// for a field that is null, undeclared or of another type; Lookup tells
// those apart. The zero Fields has no field.
//
// Stores and cache codecs fill it from their declaration; build one with
// NewFields. A Fields is immutable: With returns a changed copy, so records
// can be shared between goroutines. It is comparable, so records stay
// comparable with ==, but == tells only whether two Fields are the same
// copy (two records without fields are equal): compare values with Equal.
type Fields struct{ p *fieldValues }

type fieldValues struct {
	decl []Field
	vals []any // aligned with decl; nil is null
}

func (f Fields) declared() []Field {
	if f.p == nil {
		return nil
	}
	return f.p.decl
}

// NewFields returns the fields declared by decl with the given values
// (normalized, see Normalize); fields missing from values are null. A name
// that is not declared, or a value of the wrong type, is ErrField.
// Defaults and Required are not applied: see Complete.
func NewFields(decl []Field, values map[string]any) (Fields, error) {
	if len(decl) == 0 {
		for k := range values {
			return Fields{}, fmt.Errorf("%w: %q is not declared", ErrField, k)
		}
		return Fields{}, nil
	}
	f := Fields{&fieldValues{decl: decl, vals: make([]any, len(decl))}}
	for k, v := range values {
		i := f.index(k)
		if i < 0 {
			return Fields{}, fmt.Errorf("%w: %q is not declared", ErrField, k)
		}
		n, err := Normalize(decl[i].Type, v)
		if err != nil {
			return Fields{}, fmt.Errorf("field %q: %w", k, err)
		}
		f.p.vals[i] = n
	}
	return f, nil
}

// FieldsFromValues is NewFields for values already in Fields' Go types, in
// declaration order (nil is null), as stores and codecs produce them. It
// keeps vals, which the caller must not change afterwards.
func FieldsFromValues(decl []Field, vals []any) Fields {
	if len(decl) == 0 {
		return Fields{}
	}
	return Fields{&fieldValues{decl: decl, vals: vals}}
}

// Complete applies a new record's rules: every null field gets its
// default, and a required field that is still null is ErrField, naming it.
func (f Fields) Complete() (Fields, error) {
	if f.p == nil {
		return f, nil
	}
	out := f.clone()
	decl, vals := out.p.decl, out.p.vals
	for i := range decl {
		if vals[i] != nil {
			continue
		}
		d, err := decl[i].DefaultValue()
		if err != nil {
			return Fields{}, err
		}
		vals[i] = d
		if d == nil && decl[i].Required {
			return Fields{}, fmt.Errorf("%w: %s is required", ErrField, decl[i].Name)
		}
	}
	return out, nil
}

func (f Fields) clone() Fields {
	return Fields{&fieldValues{decl: f.p.decl, vals: slices.Clone(f.p.vals)}}
}

func (f Fields) index(name string) int {
	decl := f.declared()
	for i := range decl {
		if decl[i].Name == name {
			return i
		}
	}
	return -1
}

// Len returns the number of declared fields.
func (f Fields) Len() int { return len(f.declared()) }

// Decl returns the declaration of the i-th field (0 <= i < Len).
func (f Fields) Decl(i int) *Field { return &f.p.decl[i] }

// Value returns the i-th field's value (nil for null) in its Go type.
func (f Fields) Value(i int) any { return f.p.vals[i] }

// Declared returns the declaration the values follow.
func (f Fields) Declared() []Field { return f.declared() }

// Lookup returns the named field's value in its Go type (see FieldType),
// and whether it is declared and not null.
func (f Fields) Lookup(name string) (any, bool) {
	i := f.index(name)
	if i < 0 || f.p.vals[i] == nil {
		return nil, false
	}
	return f.p.vals[i], true
}

// With returns a copy of f with the named field set to v (normalized; nil
// is null). The name must be declared.
func (f Fields) With(name string, v any) (Fields, error) {
	i := f.index(name)
	if i < 0 {
		return f, fmt.Errorf("%w: %q is not declared", ErrField, name)
	}
	n, err := Normalize(f.p.decl[i].Type, v)
	if err != nil {
		return f, fmt.Errorf("field %q: %w", name, err)
	}
	out := f.clone()
	out.p.vals[i] = n
	return out, nil
}

// Map returns the non-null values by name, for logging or templates.
func (f Fields) Map() map[string]any {
	out := make(map[string]any, f.Len())
	for i := 0; i < f.Len(); i++ {
		if v := f.p.vals[i]; v != nil {
			out[f.p.decl[i].Name] = v
		}
	}
	return out
}

// Equal reports whether f and g hold the same declaration and values.
func (f Fields) Equal(g Fields) bool {
	if f.p == nil || g.p == nil {
		return f.Len() == g.Len()
	}
	return fieldsEqual(f.p.decl, g.p.decl) && slices.EqualFunc(f.p.vals, g.p.vals, valueEqual)
}

// String returns a string field's value, or "".
func (f Fields) String(name string) string {
	v, _ := f.Lookup(name)
	s, _ := v.(string)
	return s
}

// Bool returns a boolean field's value, or false.
func (f Fields) Bool(name string) bool {
	v, _ := f.Lookup(name)
	b, _ := v.(bool)
	return b
}

// Number returns a number field's value, or 0.
func (f Fields) Number(name string) float64 {
	v, _ := f.Lookup(name)
	n, _ := v.(float64)
	return n
}

// Int returns a number field's value truncated toward zero, or 0 (also for
// values outside int64).
func (f Fields) Int(name string) int64 {
	n := f.Number(name)
	if n >= -(1<<63) && n < 1<<63 {
		return int64(n)
	}
	return 0
}

// Time returns a date field's value, or the zero time.
func (f Fields) Time(name string) time.Time {
	v, _ := f.Lookup(name)
	t, _ := v.(time.Time)
	return t
}

// Strings returns a string[] field's value, or nil. The slice is shared:
// do not change it.
func (f Fields) Strings(name string) []string {
	v, _ := f.Lookup(name)
	s, _ := v.([]string)
	return s
}

// Numbers returns a number[] field's value, or nil. The slice is shared:
// do not change it.
func (f Fields) Numbers(name string) []float64 {
	v, _ := f.Lookup(name)
	s, _ := v.([]float64)
	return s
}

// JSON returns a json field's compact JSON text, or nil. Decode it with
// encoding/json. The slice is shared: do not change it.
func (f Fields) JSON(name string) json.RawMessage {
	v, _ := f.Lookup(name)
	s, _ := v.(json.RawMessage)
	return s
}

// appendFieldsJSON appends ,"name":value for every field that is not
// Hidden (null as null), with encoding/json's escaping rules for the
// caller's encoder; dates as Better Auth writes them.
func (f Fields) appendJSON(dst []byte) ([]byte, error) {
	for i := 0; i < f.Len(); i++ {
		d := &f.p.decl[i]
		if d.Hidden {
			continue
		}
		k, err := marshal(d.Name)
		if err != nil {
			return nil, err
		}
		dst = append(dst, ',')
		dst = append(dst, k...)
		dst = append(dst, ':')
		v := f.p.vals[i]
		if t, ok := v.(time.Time); ok {
			v = FormatTime(t)
		}
		b, err := marshal(v)
		if err != nil {
			return nil, err
		}
		dst = append(dst, b...)
	}
	return dst, nil
}

// FieldStore is the optional ability to keep additional fields, found with
// As. A store without it keeps none: the Manager refuses a declaration
// (Config.Fields) that its store cannot keep, rather than drop the values.
//
// Records given to CreateUser and CreateSession carry their values in
// Fields (see Fields.Align); records returned carry every declared field.
type FieldStore interface {
	// AdditionalFields returns the store's declaration.
	AdditionalFields() AdditionalFields
	// UpdateUserFields sets the named user fields (values as With takes
	// them; nil is null) and updatedAt, and returns the updated user, or
	// ErrNotFound. A name not declared is ErrField, and nothing changes.
	UpdateUserFields(ctx context.Context, id string, set map[string]any, updatedAt time.Time) (User, error)
	// UpdateSessionFields sets the named fields of the session with that
	// token and its updatedAt, and returns the updated session, or
	// ErrNotFound.
	UpdateSessionFields(ctx context.Context, token string, set map[string]any, updatedAt time.Time) (Session, error)
}

// Align returns f's values in the order of decl (nil for null), for a
// store to write into a new record: values are taken by name and
// normalized to decl's types, and a null field gets its Default, as Better
// Auth's adapter gives it on create. A required field still without a
// value, or a non-null value of a field decl does not declare, is
// ErrField.
func (f Fields) Align(decl []Field) ([]any, error) {
	out := make([]any, len(decl))
	used := 0
	for i := range decl {
		v, ok := f.Lookup(decl[i].Name)
		var err error
		if ok {
			used++
			if out[i], err = Normalize(decl[i].Type, v); err != nil {
				return nil, fmt.Errorf("field %q: %w", decl[i].Name, err)
			}
		} else if out[i], err = decl[i].DefaultValue(); err != nil {
			return nil, err
		}
		if out[i] == nil && decl[i].Required {
			return nil, fmt.Errorf("%w: %s is required", ErrField, decl[i].Name)
		}
	}
	if n := len(f.Map()); n != used {
		for name := range f.Map() {
			if !slices.ContainsFunc(decl, func(d Field) bool { return d.Name == name }) {
				return nil, fmt.Errorf("%w: %q is not declared by the store", ErrField, name)
			}
		}
	}
	return out, nil
}

// UpdateValues returns the values of decl after setting set on cur (cur
// aligned with decl, nil for null), normalized; a name decl does not
// declare is ErrField. Stores use it for UpdateUserFields and
// UpdateSessionFields.
func UpdateValues(decl []Field, cur []any, set map[string]any) ([]any, error) {
	out := slices.Clone(cur)
	if len(out) < len(decl) {
		out = append(out, make([]any, len(decl)-len(out))...)
	}
	for name, v := range set {
		i := slices.IndexFunc(decl, func(d Field) bool { return d.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("%w: %q is not declared", ErrField, name)
		}
		n, err := Normalize(decl[i].Type, v)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", name, err)
		}
		out[i] = n
	}
	return out, nil
}
