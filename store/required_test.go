package store

import (
	"errors"
	"testing"
)

// TestRequired: each kind of new row is refused, with ErrInvalid, when a
// field every store needs is empty, and accepted when none is.
func TestRequired(t *testing.T) {
	cases := []struct {
		name    string
		missing []func() error
		whole   func() error
	}{
		{"user", []func() error{User{Email: "a@example.com"}.Required, User{ID: "u"}.Required},
			User{ID: "u", Email: "a@example.com"}.Required},
		{"session", []func() error{Session{Token: "t", UserID: "u"}.Required, Session{ID: "s", UserID: "u"}.Required, Session{ID: "s", Token: "t"}.Required},
			Session{ID: "s", Token: "t", UserID: "u"}.Required},
		{"account", []func() error{
			Account{ProviderID: "p", AccountID: "x", UserID: "u"}.Required, Account{ID: "a", AccountID: "x", UserID: "u"}.Required,
			Account{ID: "a", ProviderID: "p", UserID: "u"}.Required, Account{ID: "a", ProviderID: "p", AccountID: "x"}.Required},
			Account{ID: "a", ProviderID: "p", AccountID: "x", UserID: "u"}.Required},
		{"verification", []func() error{Verification{Identifier: "i"}.Required, Verification{ID: "v"}.Required},
			Verification{ID: "v", Identifier: "i"}.Required},
	}
	for _, c := range cases {
		for i, f := range c.missing {
			if err := f(); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s %d with a required field empty: %v, want ErrInvalid", c.name, i, err)
			}
		}
		if err := c.whole(); err != nil {
			t.Errorf("%s with every required field: %v", c.name, err)
		}
	}
}
