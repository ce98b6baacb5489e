package sqlite

import "testing"

// Fill is fill for the external tests: n sessions, none expired, and up to
// 1,024 of their tokens.
func Fill(tb testing.TB, s *Store, n int) []string { return fill(tb, s, n, 0) }
