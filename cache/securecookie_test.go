package cache

import (
	"errors"
	"testing"
)

func TestSecureCookie(t *testing.T) {
	t.Parallel()
	p := samplePayload()
	c := NewSecureCookie("app.session_data", secretA)
	v, err := c.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("bound to the cookie name", func(t *testing.T) {
		if _, err := NewSecureCookie("other", secretA).Decode(v, testNow); !errors.Is(err, ErrInvalid) {
			t.Errorf("got %v, want ErrInvalid", err)
		}
	})
	t.Run("hash and block keys differ per secret", func(t *testing.T) {
		if _, err := NewSecureCookie("app.session_data", secretB).Decode(v, testNow); !errors.Is(err, ErrInvalid) {
			t.Errorf("got %v, want ErrInvalid", err)
		}
	})
	t.Run("expiry", func(t *testing.T) {
		if _, err := c.Decode(v, p.ExpiresAt.Add(-1)); err != nil {
			t.Errorf("just before expiresAt: %v", err)
		}
		if _, err := c.Decode(v, p.ExpiresAt); !errors.Is(err, ErrExpired) {
			t.Errorf("at expiresAt: %v, want ErrExpired", err)
		}
	})
	t.Run("tampered", func(t *testing.T) {
		for _, i := range flipPositions(v[:len(v)-2]) { // the tail is '=' padding
			if _, err := c.Decode(flipB64(v, i), testNow); !errors.Is(err, ErrInvalid) {
				t.Errorf("flip at %d: %v, want ErrInvalid", i, err)
			}
		}
	})
}
