package cache

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// This file carries additional fields (store.AdditionalFields) in cache
// payloads. Better Auth puts a session's and a user's fields in the cache
// cookie as its adapter returned them: after the core members, before the
// id, in declaration order, null when unset; fields with `returned: false`
// are left out. Its reader checks none of them (z.looseObject): they reach
// the app as JSON.parse made them, ISO-8601 strings revived to Dates.
//
// sessionkit reads the fields it declares and checks their type: a
// declared field of the wrong type makes the whole cookie invalid (the
// caller then reads the store, whose row has the declared type); a
// member that is not declared, or is Hidden, is skipped.

// maxFields bounds the fields of one table, so that a bit mask finds
// duplicate members.
const maxFields = 64

// fieldSpec is a codec's declaration.
type fieldSpec struct {
	user, session []store.Field
}

// WithFields returns a codec of c's strategy that also writes and reads
// the additional fields f declares, in the same wire format. A cookie a
// Better Auth app with the same declaration minted carries them; one whose
// declared field has another type is ErrInvalid. Members that f does not
// declare (fields only the other side declares) are ignored, as before.
// It returns an error wrapping store.ErrField for an invalid declaration,
// or for more than 64 fields in one table.
func WithFields(c Codec, f store.AdditionalFields) (Codec, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if len(f.User) > maxFields || len(f.Session) > maxFields {
		return nil, fmt.Errorf("%w: more than %d fields in one table", store.ErrField, maxFields)
	}
	var fs *fieldSpec
	if !f.Empty() {
		fs = &fieldSpec{user: f.User, session: f.Session}
	}
	switch x := c.(type) {
	case *compactCodec:
		y := *x
		y.fields = fs
		return &y, nil
	case *jwtCodec:
		y := *x
		y.fields = fs
		return &y, nil
	case *jweCodec:
		y := *x
		y.fields = fs
		return &y, nil
	case *secureCookieCodec:
		y := *x
		y.fields = fs
		return &y, nil
	}
	return nil, fmt.Errorf("cache: WithFields: %T is not a codec of this package", c)
}

// fieldRaw is where a declared member's value lies in the parsed JSON,
// recorded before the signature is trusted (no allocation).
type fieldRaw struct {
	off, end int
	set      bool
}

// declField reads the value of member k of the session or user object if
// decl declares it (and not Hidden), checking its type; raw[i] records it
// and seen catches a repeated member. Other members are skipped.
func (p *parser) declField(k []byte, decl []store.Field, raw []fieldRaw, seen *uint64) error {
	for i := range decl {
		d := &decl[i]
		if d.Name != string(k) || d.Hidden {
			continue
		}
		if *seen&(1<<i) != 0 {
			return errDuplicate
		}
		*seen |= 1 << i
		off := p.i
		if _, err := p.fieldValue(d.Type, false); err != nil {
			return err
		}
		raw[i] = fieldRaw{off: off, end: p.i, set: true}
		return nil
	}
	return p.skipAny()
}

// fieldValue reads the value at p.i, which must be null or a value of t.
// With build it returns the value in its Go type (see store.FieldType),
// nil for null; without, it only checks, allocating nothing.
func (p *parser) fieldValue(t store.FieldType, build bool) (any, error) {
	if p.peek() == 'n' {
		return nil, p.lit("null")
	}
	str := func() (string, error) {
		if p.peek() != '"' {
			return "", errShape
		}
		s, err := p.str()
		if err != nil || !build {
			return "", err
		}
		return string(p.bytes(s)), nil
	}
	var v any
	var err error
	switch t {
	case store.FieldString:
		var s string
		if s, err = str(); build {
			v = s
		}
	case store.FieldNumber:
		var f float64
		if f, _, err = p.numVal(); build {
			v = f
		}
	case store.FieldBoolean:
		var b bool
		if b, err = p.boolVal(); build {
			v = b
		}
	case store.FieldDate:
		var d time.Time
		if d, err = p.dateVal(); build {
			v = d
		}
	case store.FieldStrings:
		var out []string
		err = p.array(func() error {
			s, err := str()
			if build {
				out = append(out, s)
			}
			return err
		})
		if build {
			v = append([]string{}, out...)
		}
	case store.FieldNumbers:
		var out []float64
		err = p.array(func() error {
			f, _, err := p.numVal()
			if build {
				out = append(out, f)
			}
			return err
		})
		if build {
			v = append([]float64{}, out...)
		}
	case store.FieldJSON:
		p.ws()
		start := p.i
		if err = p.skipAny(); build {
			v = json.RawMessage(append([]byte(nil), p.b[start:p.i]...))
		}
	default:
		return nil, errShape
	}
	if err != nil || !build {
		return nil, err
	}
	return v, nil
}

// array reads a JSON array at p.i, calling elem at each element.
func (p *parser) array(elem func() error) error {
	if p.peek() != '[' {
		return errShape
	}
	p.i++
	if p.peek() == ']' {
		p.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.i++
		case ']':
			p.i++
			return nil
		default:
			return errSyntax
		}
	}
}

// buildFields turns the recorded members into Fields; it runs only after
// the signature or tag was verified.
func (p *parser) buildFields(decl []store.Field, raw []fieldRaw) store.Fields {
	if len(decl) == 0 {
		return store.Fields{}
	}
	vals := make([]any, len(decl))
	for i := range decl {
		if raw[i].set {
			q := parser{b: p.b[:raw[i].end], i: raw[i].off, st: p.st}
			vals[i], _ = q.fieldValue(decl[i].Type, true) // checked by declField
		}
	}
	return store.FieldsFromValues(decl, vals)
}

// appendFields appends ,"name":value for each field decl declares and
// does not hide, taking values from f by name (null when f lacks one), in
// JSON.stringify's format.
func appendFields(dst []byte, decl []store.Field, f store.Fields) ([]byte, error) {
	for i := range decl {
		d := &decl[i]
		if d.Hidden {
			continue
		}
		dst = append(dst, ',')
		dst = appendJSString(dst, d.Name)
		dst = append(dst, ':')
		v, _ := f.Lookup(d.Name)
		var err error
		if dst, err = appendJSValue(dst, d.Type, v); err != nil {
			return dst, fmt.Errorf("cache: encode: field %q: %w", d.Name, err)
		}
	}
	return dst, nil
}

// appendJSValue appends v, a value of type t in its Go type, as
// JSON.stringify writes it.
func appendJSValue(dst []byte, t store.FieldType, v any) ([]byte, error) {
	if v == nil {
		return append(dst, "null"...), nil
	}
	v, err := store.Normalize(t, v)
	if err != nil {
		return dst, err
	}
	switch x := v.(type) {
	case string:
		return appendJSString(dst, x), nil
	case float64:
		return appendJSNumber(dst, x), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case time.Time:
		return appendJSDate(dst, x)
	case []string:
		dst = append(dst, '[')
		for i, s := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSString(dst, s)
		}
		return append(dst, ']'), nil
	case []float64:
		dst = append(dst, '[')
		for i, f := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSNumber(dst, f)
		}
		return append(dst, ']'), nil
	case json.RawMessage:
		return append(dst, x...), nil
	}
	return append(dst, "null"...), nil
}

// appendJSNumber appends a finite f as JavaScript's Number#toString writes
// it (the shortest digits that read back as f; exponent form below 1e-6
// and from 1e21; -0 as 0), which is also encoding/json's rule.
func appendJSNumber(dst []byte, f float64) []byte {
	if f == 0 {
		return append(dst, '0')
	}
	format := byte('f')
	if a := math.Abs(f); a < 1e-6 || a >= 1e21 {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// e-07 -> e-7, as JavaScript writes it.
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}
