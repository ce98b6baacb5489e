package multisession_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/multisession"
	"github.com/sessionkit/sessionkit/store/memory"
)

// Wire the plugin into the JSON API, as Better Auth's
// plugins: [multiSession()], and sign two accounts in to one browser from
// Go, as a server-rendered sign-in form would.
func ExampleNew() {
	auth, err := sessionkit.New(sessionkit.Config{Secret: "a-secret-of-at-least-32-bytes-0123456789", Store: memory.New()})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()
	ms, err := multisession.New(auth, multisession.Config{})
	if err != nil {
		log.Fatal(err)
	}
	accounts, err := account.New(auth, account.Config{Plugins: []account.Plugin{ms}})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/auth/", accounts.Handler()) // + /multi-session/list-device-sessions, set-active, revoke

	ctx := context.Background()
	cookie := ""
	for _, email := range []string{"ada@example.com", "bob@example.com"} {
		u, err := accounts.CreateUser(ctx, "", email, "correct horse battery staple")
		if err != nil {
			log.Fatal(err)
		}
		r := httptest.NewRequest("POST", "/sign-in", nil)
		r.Header.Set("Cookie", cookie)
		w := httptest.NewRecorder()
		// KeepPrevious: the new account joins the browser's others.
		if _, err := ms.SignIn(w, r, u.ID, sessionkit.SignInOptions{KeepPrevious: true}); err != nil {
			log.Fatal(err)
		}
		cookie = applyTo(cookie, w.Result().Cookies())
	}

	r := httptest.NewRequest("GET", "/api/auth"+multisession.PathList, nil)
	r.Header.Set("Cookie", cookie)
	list, err := ms.List(r)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range list {
		fmt.Println(s.User.Email)
	}
	// Output:
	// ada@example.com
	// bob@example.com
}

// applyTo is a browser's cookie jar in one line: the Cookie header after
// the Set-Cookie lines.
func applyTo(cookie string, set []*http.Cookie) string {
	b := newBrowser()
	if cookie != "" {
		for _, c := range (&http.Request{Header: http.Header{"Cookie": {cookie}}}).Cookies() {
			b.names, b.vals[c.Name] = append(b.names, c.Name), c.Value
		}
	}
	var lines []string
	for _, c := range set {
		lines = append(lines, c.String())
	}
	b.apply(lines)
	return b.header()
}
