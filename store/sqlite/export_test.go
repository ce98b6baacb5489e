package sqlite

import (
	"context"
	"testing"
)

// Fill is fill for the external tests: n sessions, none expired, and up to
// 1,024 of their tokens.
func Fill(tb testing.TB, s *Store, n int) []string { return fill(tb, s, n, 0) }

// LookupUnhinted is SessionByToken with token's hint dropped first: what a
// lookup costs when the hint misses.
func LookupUnhinted(s *Store, token string) error {
	if s.readers != nil {
		s.readers.hint.drop(s.readers.hint.key(token))
	}
	_, _, err := s.SessionByToken(context.Background(), token)
	return err
}
