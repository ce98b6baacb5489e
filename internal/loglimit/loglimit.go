// Package loglimit bounds how many log lines an event outside input can
// trigger (forged cookies, rate-limited requests) may write: at most Max a
// window, and the first line of a later window says how many were dropped.
package loglimit

import (
	"sync"
	"time"
)

// Limiter allows at most Max lines per Window. The zero value is unusable:
// set both fields. It is safe for concurrent use.
type Limiter struct {
	Max    int
	Window time.Duration

	mu         sync.Mutex
	start      time.Time
	n          int
	suppressed int
}

// Allow reports whether a line may be written at now, and how many lines
// were suppressed since the last one allowed (to report with it).
func (l *Limiter) Allow(now time.Time) (ok bool, suppressed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.start) >= l.Window || now.Before(l.start) {
		l.start, l.n = now, 0
	}
	if l.n >= l.Max {
		l.suppressed++
		return false, 0
	}
	l.n++
	suppressed, l.suppressed = l.suppressed, 0
	return true, suppressed
}
