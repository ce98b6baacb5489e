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

// Bearer tokens, for clients that cannot keep cookies: the sign-in
// response's Set-Auth-Token header goes back as "Authorization: Bearer".
func ExampleBearer() {
	auth, err := sessionkit.New(sessionkit.Config{
		Secret: "example-secret-at-least-32-bytes-long!!",
		Store:  memory.New(),
		Bearer: sessionkit.Bearer{Enabled: true},
	})
	if err != nil {
		log.Fatal(err)
	}
	u, _ := createUser(context.Background(), auth, "Ada", "ada@example.com")
	rec := newResponseRecorder()
	s, _ := auth.SignIn(rec, newRequest("POST", "/"), u.ID, sessionkit.SignInOptions{})
	token := rec.Header().Get("Set-Auth-Token")
	fmt.Println(rec.Header().Get("Access-Control-Expose-Headers"))

	// The app on the phone, later:
	h := http.Header{"Authorization": {"Bearer " + token}}
	l, err := auth.LookupHeader(context.Background(), h, sessionkit.LookupOptions{})
	fmt.Println(l.Found.User.Email, err)
	// The same credential, for a session at hand (an "API token" page):
	same, _ := auth.BearerToken(s.Session.Token)
	fmt.Println(same == token)
	// The bare token is not a credential unless AllowUnsignedTokens.
	_, err = auth.LookupHeader(context.Background(), http.Header{"Authorization": {"Bearer " + s.Session.Token}}, sessionkit.LookupOptions{})
	fmt.Println(err)
	// Output:
	// set-auth-token
	// ada@example.com <nil>
	// true
	// sessionkit: no session
}
