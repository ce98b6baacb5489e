// Package freshness is the rule of Better Auth's fresh sessions (spec
// §4.1): a session is fresh while less than FreshAge has passed since it was
// created; sliding refreshes do not make it fresh again, only a new sign-in
// does. The gate that applies it to routes is middleware.RequireFresh; the
// JSON API's list-sessions applies it too.
package freshness

import (
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// IsFresh reports whether s was created less than freshAge before now.
// A freshAge of 0 (or less) disables the check: every session is fresh.
func IsFresh(s store.Session, now time.Time, freshAge time.Duration) bool {
	return freshAge <= 0 || now.Sub(s.CreatedAt) < freshAge
}
