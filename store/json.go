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

// MarshalJSON writes s as Better Auth's session object, token included.
func (s Session) MarshalJSON() ([]byte, error) {
	return marshal(sessionJSON{
		ExpiresAt: FormatTime(s.ExpiresAt), Token: s.Token,
		CreatedAt: FormatTime(s.CreatedAt), UpdatedAt: FormatTime(s.UpdatedAt),
		IPAddress: &s.IPAddress, UserAgent: &s.UserAgent, UserID: s.UserID, ID: s.ID,
	})
}

// UnmarshalJSON reads Better Auth's session object. A null ipAddress or
// userAgent reads as ""; unknown members (plugin fields) are ignored.
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

// MarshalJSON writes u as Better Auth's user object.
func (u User) MarshalJSON() ([]byte, error) {
	var image *string
	if u.Image != "" {
		image = &u.Image
	}
	return marshal(userJSON{
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
