// Package revoked keeps the sessions revoked within the last cookie-cache
// lifetime, fed by a store.RevocationFeed, so that a cache hit can be
// refused without a store round trip. It also tracks whether the feed is
// current: while it is not, no cache hit is trusted.
package revoked

import (
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// Set is a store.RevocationSink. The zero value is not usable: call New.
type Set struct {
	window time.Duration // how long an id is remembered after it arrives
	maxLag time.Duration // how stale the feed may be before caches are refused
	base   time.Time     // monotonic origin of the nanosecond clock below

	// fresh is the CaughtUp reading, in ns since base; 0 means behind.
	fresh atomic.Int64
	count atomic.Int64 // len(ids), read without the lock on the hot path
	// tokens counts the entries keyed by token hash: only then does
	// Trusted hash the token.
	tokens atomic.Int64

	ready     chan struct{} // closed by the first CaughtUp
	readyOnce sync.Once

	mu    sync.RWMutex
	ids   map[string]struct{}
	queue []entry // arrival order, for pruning
	head  int
}

// tokenKey is the map key of a token hash: a NUL byte first, which no
// session id holds, so the two kinds share one map and one queue.
func tokenKey(h [32]byte) string { return "\x00" + string(h[:]) }

type entry struct {
	id string
	at int64 // arrival, ns since base
}

// New returns a Set that remembers each revocation for window and refuses
// every cache hit while the last CaughtUp is older than maxLag. It starts
// behind: nothing is trusted until the feed first catches up.
func New(window, maxLag time.Duration) *Set {
	return &Set{window: window, maxLag: maxLag, base: time.Now(), ids: map[string]struct{}{}, ready: make(chan struct{})}
}

func (s *Set) clock() int64 { return int64(time.Since(s.base)) + 1 } // never 0

// Trusted reports whether a cached copy of the session with that id,
// presented with that token, may be used: the feed is current and the
// session was not revoked. It costs an atomic load, a monotonic clock read
// and, when anything was revoked recently, one map lookup under a read
// lock; a SHA-256 of the token is added only while the set holds
// revocations known by token.
func (s *Set) Trusted(sessionID, token string) bool {
	f := s.fresh.Load()
	if f == 0 || s.clock()-f > int64(s.maxLag) {
		return false
	}
	if s.count.Load() == 0 {
		return true
	}
	byToken := s.tokens.Load() > 0
	var tk [1 + sha256.Size]byte // tokenKey's bytes, without allocating
	if byToken {
		h := sha256.Sum256([]byte(token))
		copy(tk[1:], h[:])
	}
	s.mu.RLock()
	_, gone := s.ids[sessionID]
	if !gone && byToken {
		_, gone = s.ids[string(tk[:])]
	}
	s.mu.RUnlock()
	return !gone
}

// Revoked implements store.RevocationSink.
func (s *Set) Revoked(rs ...store.Revocation) {
	if len(rs) == 0 {
		return
	}
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rs {
		k := r.SessionID
		if r.TokenHash != ([32]byte{}) {
			k = tokenKey(r.TokenHash)
		}
		if _, ok := s.ids[k]; ok || k == "" {
			continue
		}
		s.ids[k] = struct{}{}
		s.queue = append(s.queue, entry{id: k, at: now})
		if k[0] == 0 {
			s.tokens.Add(1)
		}
	}
	s.pruneLocked(now)
	s.count.Store(int64(len(s.ids)))
}

// CaughtUp implements store.RevocationSink.
func (s *Set) CaughtUp(at time.Time) {
	n := int64(at.Sub(s.base)) + 1
	if n < 1 {
		n = 1
	}
	s.fresh.Store(n)
	s.readyOnce.Do(func() { close(s.ready) })
	if s.count.Load() > 0 {
		s.mu.Lock()
		s.pruneLocked(s.clock())
		s.count.Store(int64(len(s.ids)))
		s.mu.Unlock()
	}
}

// Ready is closed once the feed has caught up for the first time.
func (s *Set) Ready() <-chan struct{} { return s.ready }

// Behind implements store.RevocationSink.
func (s *Set) Behind(error) { s.fresh.Store(0) }

// Len returns how many revocations the set remembers.
func (s *Set) Len() int { return int(s.count.Load()) }

// pruneLocked forgets the ids that arrived more than window ago: any cache
// cookie minted before the revocation has expired by then.
func (s *Set) pruneLocked(now int64) {
	for s.head < len(s.queue) && now-s.queue[s.head].at > int64(s.window) {
		k := s.queue[s.head].id
		delete(s.ids, k)
		if k[0] == 0 {
			s.tokens.Add(-1)
		}
		s.queue[s.head] = entry{}
		s.head++
	}
	if s.head > 1024 && s.head*2 > len(s.queue) {
		s.queue = append(s.queue[:0:0], s.queue[s.head:]...)
		s.head = 0
	}
}
