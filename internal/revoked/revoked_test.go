package revoked

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

func TestSet(t *testing.T) {
	s := New(200*time.Millisecond, 100*time.Millisecond)
	if s.Trusted("a", "ta") {
		t.Fatal("trusted before the first CaughtUp")
	}
	select {
	case <-s.Ready():
		t.Fatal("ready before the first CaughtUp")
	default:
	}
	s.CaughtUp(time.Now())
	<-s.Ready()
	if !s.Trusted("a", "ta") {
		t.Fatal("not trusted after CaughtUp")
	}
	s.Revoked(store.Revocation{SessionID: "a"})
	if s.Trusted("a", "ta") || !s.Trusted("b", "tb") {
		t.Fatal("a revoked: want a refused, b trusted")
	}
	s.Behind(errors.New("down"))
	if s.Trusted("b", "tb") {
		t.Fatal("trusted while behind")
	}
	s.CaughtUp(time.Now())
	time.Sleep(150 * time.Millisecond)
	if s.Trusted("b", "tb") {
		t.Fatal("trusted with a CaughtUp older than maxLag")
	}
	// An old CaughtUp reading (taken before a slow poll) counts from when
	// it was taken.
	s.CaughtUp(time.Now().Add(-time.Second))
	if s.Trusted("b", "tb") {
		t.Fatal("trusted on a stale reading")
	}
	time.Sleep(100 * time.Millisecond)
	s.CaughtUp(time.Now()) // prunes: a arrived more than window ago
	if s.Len() != 0 || !s.Trusted("a", "ta") {
		t.Fatalf("after the window: Len %d, trusted(a) %v; want 0, true", s.Len(), s.Trusted("a", "ta"))
	}
}

// BenchmarkTrusted is the cost the check adds to a cache hit, with 10 000
// sessions revoked.
func BenchmarkTrusted(b *testing.B) {
	s := New(time.Hour, time.Hour)
	for i := range 10000 {
		s.Revoked(store.Revocation{SessionID: fmt.Sprint("revoked-", i)})
	}
	s.CaughtUp(time.Now())
	b.ReportAllocs()
	for b.Loop() {
		if !s.Trusted("kx7aJd0cQm3nWb9eRt5yUi1oPl4sZv8g", "Xq3vN8pL2mK7wR4tY9uB1cF6hJ0dS5gA") {
			b.Fatal("refused")
		}
	}
}

// TestSetByToken: a revocation known only by its token's hash refuses the
// copies presented with that token, whatever session id they carry, and is
// pruned like the others.
func TestSetByToken(t *testing.T) {
	s := New(100*time.Millisecond, time.Hour)
	s.CaughtUp(time.Now())
	s.Revoked(store.Revocation{TokenHash: sha256.Sum256([]byte("tok-1"))})
	if s.Trusted("a", "tok-1") || !s.Trusted("a", "tok-2") {
		t.Fatal("token tok-1 revoked: want tok-1 refused, tok-2 trusted")
	}
	s.Revoked(store.Revocation{}) // neither id nor hash: ignored
	if s.Len() != 1 {
		t.Fatalf("Len %d, want 1", s.Len())
	}
	time.Sleep(150 * time.Millisecond)
	s.CaughtUp(time.Now())
	if s.Len() != 0 || s.tokens.Load() != 0 || !s.Trusted("a", "tok-1") {
		t.Fatalf("after the window: Len %d, tokens %d", s.Len(), s.tokens.Load())
	}
}

// BenchmarkTrustedByToken is the same while a revocation known by token
// hash is remembered: the token is hashed on every check.
func BenchmarkTrustedByToken(b *testing.B) {
	s := New(time.Hour, time.Hour)
	s.Revoked(store.Revocation{TokenHash: sha256.Sum256([]byte("revoked"))})
	s.CaughtUp(time.Now())
	b.ReportAllocs()
	for b.Loop() {
		if !s.Trusted("kx7aJd0cQm3nWb9eRt5yUi1oPl4sZv8g", "Xq3vN8pL2mK7wR4tY9uB1cF6hJ0dS5gA") {
			b.Fatal("refused")
		}
	}
}
