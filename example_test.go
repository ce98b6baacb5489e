package sessionkit_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"strings"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memory"
)

// A session read from a bare header: for code that holds a request's
// cookies but not the request, such as a job handed the Cookie header
// across a queue or a cache boundary. Outside a request, the lookup's
// cookies (l.Cookies) have nowhere to go and are dropped.
func ExampleManager_LookupHeader() {
	auth, err := sessionkit.New(sessionkit.Config{Secret: "example-secret-at-least-32-bytes-long!!", Store: memory.New()})
	if err != nil {
		log.Fatal(err)
	}
	u, _ := createUser(context.Background(), auth, "Ada", "ada@example.com")
	rec := newResponseRecorder()
	auth.SignIn(rec, newRequest("POST", "/"), u.ID, sessionkit.SignInOptions{})
	cookieHeader := cookieHeader(rec.Result().Cookies()) // what a browser sends back

	// Later, elsewhere:
	h := http.Header{"Cookie": {cookieHeader}}
	l, err := auth.LookupHeader(context.Background(), h, sessionkit.LookupOptions{})
	fmt.Println(l.Found.User.Email, err)
	_, err = auth.LookupHeader(context.Background(), http.Header{}, sessionkit.LookupOptions{})
	fmt.Println(err)
	// Output:
	// ada@example.com <nil>
	// sessionkit: no session
}

// The cookie cache answers most requests without the store; Source says
// what answered.
func ExampleCookieCache() {
	auth, err := sessionkit.New(sessionkit.Config{
		Secret:      "example-secret-at-least-32-bytes-long!!",
		Store:       memory.New(),
		CookieCache: sessionkit.CookieCache{Enabled: true, Strategy: "jwe"},
	})
	if err != nil {
		log.Fatal(err)
	}
	u, _ := createUser(context.Background(), auth, "Ada", "ada@example.com")
	rec := newResponseRecorder()
	auth.SignIn(rec, newRequest("POST", "/"), u.ID, sessionkit.SignInOptions{})
	all := cookieHeader(rec.Result().Cookies())
	tokenOnly := strings.Split(all, "; ")[0]

	l, _ := auth.LookupHeader(context.Background(), http.Header{"Cookie": {all}}, sessionkit.LookupOptions{})
	fmt.Println(l.Found.Source)
	l, _ = auth.LookupHeader(context.Background(), http.Header{"Cookie": {tokenOnly}}, sessionkit.LookupOptions{})
	fmt.Println(l.Found.Source)
	// Output:
	// jwe
	// store
}
