package cache

import (
	"errors"
	"testing"
	"time"
)

// TestExpiryIsExact: every strategy refuses a value from the millisecond
// its own expiry is reached, with no clock tolerance (a cache cookie that
// outlives its MaxAge keeps a session revoked elsewhere alive).
func TestExpiryIsExact(t *testing.T) {
	t.Parallel()
	for _, c := range allCodecs(secretA) {
		t.Run(c.Strategy(), func(t *testing.T) {
			t.Parallel()
			p := samplePayload()
			val, err := c.Encode(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				offset time.Duration
				valid  bool
			}{
				{-time.Millisecond, true},
				{0, false},
				{time.Millisecond, false},
				{15 * time.Second, false},
			} {
				now := p.ExpiresAt.Add(tc.offset)
				got, err := c.Decode(val, now)
				if tc.valid {
					if err != nil || !got.ExpiresAt.Equal(p.ExpiresAt) {
						t.Errorf("expiry%+v: err %v; want valid", tc.offset, err)
					}
					continue
				}
				if !errors.Is(err, ErrExpired) || got != nil {
					t.Errorf("expiry%+v: err %v, payload %t; want ErrExpired", tc.offset, err, got != nil)
				}
			}
		})
	}
}
