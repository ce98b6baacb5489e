package sessionkit

import (
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

// TestRememberedOffBounds: which row lifetimes read as remember-me off,
// at the edges of the margin around DontRememberLifetime.
func TestRememberedOffBounds(t *testing.T) {
	t.Parallel()
	const day, tol, ms = DontRememberLifetime, rememberTolerance, time.Millisecond
	for _, tc := range []struct {
		expiresIn, life time.Duration
		off             bool
	}{
		{DefaultExpiresIn, day, true},
		{DefaultExpiresIn, day - 3*ms, true}, // Better Auth: expiresAt read before createdAt
		{DefaultExpiresIn, day + tol, true},
		{DefaultExpiresIn, day + tol + ms, false},
		{DefaultExpiresIn, day - tol, true},
		{DefaultExpiresIn, time.Hour, true}, // nothing mints it: fail closed
		{DefaultExpiresIn, DefaultExpiresIn, false},
		{time.Hour, time.Hour, false},
		{time.Hour, day - tol - ms, false},
		{time.Hour, day - tol, true},
		{time.Hour, 3 * day, false},
		{day, day - tol - ms, false}, // what rememberedExpiry mints for ExpiresIn = a day
		{day, day, true},
	} {
		m, err := New(Config{Secret: "test-secret-0123456789abcdefghijklmnopqrstuvwxyz", Store: memory.New(), ExpiresIn: tc.expiresIn})
		if err != nil {
			t.Fatal(err)
		}
		created := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
		s := store.Session{CreatedAt: created, ExpiresAt: created.Add(tc.life)}
		if got := m.rememberedOff(&s); got != tc.off {
			t.Errorf("ExpiresIn %v, lifetime %v: remember-me off %v, want %v", tc.expiresIn, tc.life, got, tc.off)
		}
		// A remembered expiry never reads as remember-me off.
		s.ExpiresAt = m.rememberedExpiry(created, created.Add(tc.life))
		if tc.life <= 2*day && m.rememberedOff(&s) && m.s.ExpiresIn <= day+tol {
			t.Errorf("ExpiresIn %v: rememberedExpiry(%v) = lifetime %v, which reads as remember-me off", tc.expiresIn, tc.life, s.ExpiresAt.Sub(created))
		}
	}
}
