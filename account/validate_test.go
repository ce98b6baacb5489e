package account_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/store"
)

// inputCases are sign-ups the Go API and the JSON API both refuse (or both
// accept), with the JSON API's code.
var inputCases = []struct {
	name                 string
	user, email, pw, img string
	ok                   bool
	code                 string
}{
	{name: "baseline", user: "Ada", email: "ada@example.com", pw: "password123", ok: true},
	{name: "name at cap", user: strings.Repeat("é", account.MaxNameLength), email: "a1@example.com", pw: "password123", ok: true},
	{name: "name over cap", user: strings.Repeat("é", account.MaxNameLength+1), email: "a2@example.com", pw: "password123", code: "VALIDATION_ERROR"},
	{name: "9 MiB name", user: strings.Repeat("n", 9<<20), email: "a3@example.com", pw: "password123", code: "VALIDATION_ERROR"},
	{name: "NUL in name", user: "Ada\x00Lovelace", email: "a4@example.com", pw: "password123", code: "VALIDATION_ERROR"},
	{name: "newline in name", user: "Ada\nLovelace", email: "a5@example.com", pw: "password123", code: "VALIDATION_ERROR"},
	{name: "escape in name", user: "Ada\x1b[31m", email: "a6@example.com", pw: "password123", code: "VALIDATION_ERROR"},
	{name: "blank name", user: "  ", email: "a7@example.com", pw: "password123", ok: true},
	{name: "empty name", user: "", email: "a0@example.com", pw: "password123", ok: true},
	{name: "image at cap", user: "Ada", email: "a8@example.com", pw: "password123", img: "https://x.example/" + strings.Repeat("i", account.MaxImageLength-18), ok: true},
	{name: "image over cap", user: "Ada", email: "a9@example.com", pw: "password123", img: "https://x.example/" + strings.Repeat("i", account.MaxImageLength-17), code: "VALIDATION_ERROR"},
	{name: "600 KB data image", user: "Ada", email: "b1@example.com", pw: "password123", img: "data:image/png;base64," + strings.Repeat("A", 600<<10), code: "VALIDATION_ERROR"},
	{name: "control in image", user: "Ada", email: "b2@example.com", pw: "password123", img: "https://x.example/\x00", code: "VALIDATION_ERROR"},
	{name: "email without dot-domain", user: "Ada", email: "ada@localhost", pw: "password123", code: "VALIDATION_ERROR"},
	{name: "email over cap", user: "Ada", email: strings.Repeat("a", 310) + "@example.com", pw: "password123", code: "VALIDATION_ERROR"},
	{name: "password x", user: "Ada", email: "b3@example.com", pw: "x", code: "PASSWORD_TOO_SHORT"},
	{name: "password 7", user: "Ada", email: "b4@example.com", pw: "1234567", code: "PASSWORD_TOO_SHORT"},
	{name: "password 129", user: "Ada", email: "b5@example.com", pw: strings.Repeat("p", 129), code: "PASSWORD_TOO_LONG"},
	{name: "password 4 emoji is 8 units", user: "Ada", email: "b6@example.com", pw: "😀😀😀😀", ok: true},
	{name: "password 64 emoji is 128 units", user: "Ada", email: "b7@example.com", pw: strings.Repeat("😀", 64), ok: true},
	{name: "password 65 emoji is 130 units", user: "Ada", email: "b8@example.com", pw: strings.Repeat("😀", 65), code: "PASSWORD_TOO_LONG"},
}

// TestCreateUserValidates: the Go API refuses what the JSON API refuses, as
// an *InputError matching store.ErrInvalid, and stores nothing.
func TestCreateUserValidates(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	for _, c := range inputCases {
		_, err := h.a.CreateUserWith(ctx, account.NewUser{Name: c.user, Email: c.email, Password: c.pw, Image: c.img})
		if c.ok {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		var bad *account.InputError
		if !errors.As(err, &bad) || !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: err = %v, want an *InputError", c.name, err)
			continue
		}
		if _, err := h.m.Store().UserByEmail(ctx, c.email); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: refused user was stored (%v)", c.name, err)
		}
	}
	// Invalid UTF-8 cannot come through JSON (it decodes to U+FFFD), only
	// through the Go API.
	for _, nu := range []account.NewUser{
		{Name: "Ada\xff", Email: "u1@example.com"},
		{Name: "Ada", Email: "u2@example.com", Image: "https://x.example/\xff"},
		{Name: "Ada", Email: "u3@example.com", Password: "password\xff"},
		{Name: "Ada", Email: "u4\xff@example.com"},
	} {
		if _, err := h.a.CreateUserWith(ctx, nu); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%+q: err = %v, want ErrInvalid", nu, err)
		}
	}
	// CreateUser("x") used to hash and store a password sign-up refuses.
	if _, err := h.a.CreateUser(ctx, "Ada", "x@example.com", "x"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf(`CreateUser(pw "x") = %v, want ErrInvalid`, err)
	}
}

// TestSignUpValidates: the same cases through the JSON API.
func TestSignUpValidates(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, sessionkit.Config{}, account.Config{})
	for _, c := range inputCases {
		if len(c.user) > account.MaxBodyBytes {
			continue // 413 before validation; covered by the Go API test
		}
		body := map[string]string{"name": c.user, "email": c.email, "password": c.pw}
		if c.img != "" {
			body["image"] = c.img
		}
		b, _ := json.Marshal(body)
		r := e.client().post("/sign-up/email", string(b))
		if c.ok {
			if r.status != 200 {
				t.Errorf("%s: %d %s", c.name, r.status, r.body)
			}
			continue
		}
		var got struct{ Code string }
		r.decode(t, &got)
		if r.status != 400 || got.Code != c.code {
			t.Errorf("%s: %d %s, want 400 %s", c.name, r.status, r.body, c.code)
		}
		if _, err := e.m.Store().UserByEmail(context.Background(), c.email); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: refused user was stored (%v)", c.name, err)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	t.Parallel()
	for pw, want := range map[string]string{
		"12345678": "", strings.Repeat("x", 128): "", "1234567": "PASSWORD_TOO_SHORT",
		strings.Repeat("x", 127) + "😀": "PASSWORD_TOO_LONG", "": "PASSWORD_TOO_SHORT", "abcdefg\xff": "VALIDATION_ERROR",
	} {
		err := account.ValidatePassword(pw)
		var bad *account.InputError
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", pw, err)
		case want != "" && (!errors.As(err, &bad) || bad.Code != want):
			t.Errorf("%q: %v, want %s", pw, err, want)
		}
	}
}
