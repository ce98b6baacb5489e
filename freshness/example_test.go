package freshness_test

import (
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit/freshness"
	"github.com/sessionkit/sessionkit/store"
)

// IsFresh is the rule on its own: a session is fresh for FreshAge after
// sign-in, however active it has been since.
func ExampleIsFresh() {
	signIn := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	s := store.Session{CreatedAt: signIn, UpdatedAt: signIn.Add(47 * time.Hour)}

	fmt.Println(freshness.IsFresh(s, signIn.Add(time.Hour), 24*time.Hour))
	fmt.Println(freshness.IsFresh(s, signIn.Add(48*time.Hour), 24*time.Hour))
	fmt.Println(freshness.IsFresh(s, signIn.Add(48*time.Hour), 0)) // check off
	// Output:
	// true
	// false
	// true
}
