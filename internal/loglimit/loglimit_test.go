package loglimit

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	l := &Limiter{Max: 2, Window: time.Minute}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		at       time.Duration
		ok       bool
		suppress int
	}{
		{0, true, 0}, {time.Second, true, 0}, {2 * time.Second, false, 0}, {3 * time.Second, false, 0},
		{time.Minute, true, 2}, {time.Minute + 1, true, 0}, {time.Minute + 2, false, 0},
	}
	for i, s := range steps {
		ok, n := l.Allow(t0.Add(s.at))
		if ok != s.ok || n != s.suppress {
			t.Errorf("step %d: Allow = %v, %d; want %v, %d", i, ok, n, s.ok, s.suppress)
		}
	}
}
