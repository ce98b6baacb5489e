package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Better Auth's JSON shapes of a session and a user: what its get-session
// answers and what its secondary storage keeps. Members come
// in the order its SQLite adapter returns them; dates are ISO-8601 strings
// with milliseconds (Date#toJSON); a missing image is null.
type (
	sessionJSON struct {
		ExpiresAt string  `json:"expiresAt"`
		Token     string  `json:"token"`
		CreatedAt string  `json:"createdAt"`
		UpdatedAt string  `json:"updatedAt"`
		IPAddress *string `json:"ipAddress"`
		UserAgent *string `json:"userAgent"`
		UserID    string  `json:"userId"`
		ID        string  `json:"id"`
	}
	userJSON struct {
		Name          string  `json:"name"`
		Email         string  `json:"email"`
		EmailVerified bool    `json:"emailVerified"`
		Image         *string `json:"image"`
		CreatedAt     string  `json:"createdAt"`
		UpdatedAt     string  `json:"updatedAt"`
		ID            string  `json:"id"`
	}
)

// MarshalJSON writes s as Better Auth's session object, token included,
// with its additional fields (not Hidden ones) before the id, where Better
// Auth's adapter puts them.
func (s Session) MarshalJSON() ([]byte, error) {
	return withFields(s.Fields, sessionJSON{
		ExpiresAt: FormatTime(s.ExpiresAt), Token: s.Token,
		CreatedAt: FormatTime(s.CreatedAt), UpdatedAt: FormatTime(s.UpdatedAt),
		IPAddress: &s.IPAddress, UserAgent: &s.UserAgent, UserID: s.UserID, ID: s.ID,
	})
}

// UnmarshalJSON reads Better Auth's session object. A null ipAddress or
// userAgent reads as ""; unknown members (plugin fields) are ignored, and
// so are additional fields, which need their declaration: see
// UnmarshalFields.
func (s *Session) UnmarshalJSON(b []byte) error {
	var j sessionJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	out := Session{ID: j.ID, Token: j.Token, UserID: j.UserID}
	if j.IPAddress != nil {
		out.IPAddress = *j.IPAddress
	}
	if j.UserAgent != nil {
		out.UserAgent = *j.UserAgent
	}
	var dates dateParser
	dates.parse(&out.ExpiresAt, j.ExpiresAt)
	dates.parse(&out.CreatedAt, j.CreatedAt)
	dates.parse(&out.UpdatedAt, j.UpdatedAt)
	if err := dates.err; err != nil {
		return fmt.Errorf("store: session: %w", err)
	}
	*s = out
	return nil
}

// MarshalJSON writes u as Better Auth's user object, with its additional
// fields (not Hidden ones) before the id.
func (u User) MarshalJSON() ([]byte, error) {
	var image *string
	if u.Image != "" {
		image = &u.Image
	}
	return withFields(u.Fields, userJSON{
		Name: u.Name, Email: u.Email, EmailVerified: u.EmailVerified, Image: image,
		CreatedAt: FormatTime(u.CreatedAt), UpdatedAt: FormatTime(u.UpdatedAt), ID: u.ID,
	})
}

// UnmarshalJSON reads Better Auth's user object. A null image reads as "";
// unknown members are ignored.
func (u *User) UnmarshalJSON(b []byte) error {
	var j userJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	out := User{ID: j.ID, Name: j.Name, Email: j.Email, EmailVerified: j.EmailVerified}
	if j.Image != nil {
		out.Image = *j.Image
	}
	var dates dateParser
	dates.parse(&out.CreatedAt, j.CreatedAt)
	dates.parse(&out.UpdatedAt, j.UpdatedAt)
	if err := dates.err; err != nil {
		return fmt.Errorf("store: user: %w", err)
	}
	*u = out
	return nil
}

// withFields marshals v, a record whose last member is "id", with fields
// inserted before that member.
func withFields(f Fields, v any) ([]byte, error) {
	b, err := marshal(v)
	if err != nil || f.Len() == 0 {
		return b, err
	}
	// A string value cannot hold an unescaped quote, so the last ,"id":
	// is the member's.
	i := bytes.LastIndex(b, []byte(`,"id":`))
	if i < 0 {
		return nil, fmt.Errorf("store: marshal: no id member")
	}
	out := append([]byte(nil), b[:i]...)
	if out, err = f.appendJSON(out); err != nil {
		return nil, err
	}
	return append(out, b[i:]...), nil
}

// UnmarshalFields reads the fields decl declares from data, a JSON object
// (a session or user as Better Auth writes it); other members are ignored
// and a missing or null member is null. Dates are ISO-8601 strings (or
// milliseconds); a value of the wrong type is ErrField.
func UnmarshalFields(decl []Field, data []byte) (Fields, error) {
	if len(decl) == 0 {
		return Fields{}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return Fields{}, err
	}
	vals := make([]any, len(decl))
	for i := range decl {
		raw, ok := m[decl[i].Name]
		if !ok {
			continue
		}
		v, err := ParseFieldJSON(decl[i].Type, raw)
		if err != nil {
			return Fields{}, fmt.Errorf("field %q: %w", decl[i].Name, err)
		}
		vals[i] = v
	}
	return FieldsFromValues(decl, vals), nil
}

// ParseFieldJSON reads one value of type t from its JSON text, as Better
// Auth writes it (dates as ISO-8601 strings, or milliseconds); null is nil.
func ParseFieldJSON(t FieldType, raw []byte) (any, error) {
	raw = bytes.TrimSpace(raw)
	if string(raw) == "null" {
		return nil, nil
	}
	var v any
	var err error
	switch t {
	case FieldString:
		v, err = unmarshalAs[string](raw)
	case FieldBoolean:
		v, err = unmarshalAs[bool](raw)
	case FieldNumber:
		v, err = unmarshalAs[float64](raw)
	case FieldDate:
		var s string
		if s, err = unmarshalAs[string](raw); err != nil {
			if ms, err2 := unmarshalAs[int64](raw); err2 == nil {
				return time.UnixMilli(ms).UTC(), nil
			}
			break
		}
		v, err = ParseTime(s)
	case FieldStrings:
		v, err = unmarshalAs[[]string](raw)
	case FieldNumbers:
		v, err = unmarshalAs[[]float64](raw)
	case FieldJSON:
		v = json.RawMessage(raw)
	default:
		return nil, fmt.Errorf("%w: unknown type %q", ErrField, t)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrField, err)
	}
	return Normalize(t, v)
}

// dateParser parses dates with ParseTime and keeps the first error.
type dateParser struct{ err error }

func (p *dateParser) parse(dst *time.Time, v string) {
	if p.err == nil {
		*dst, p.err = ParseTime(v)
	}
}

// marshal is json.Marshal without HTML escaping, as JavaScript writes JSON;
// an encoder that wants <, > and & escaped still escapes them.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

func unmarshalAs[T any](raw []byte) (T, error) {
	var v T
	err := json.Unmarshal(raw, &v)
	return v, err
}
