package routers_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store/memory"
)

// Example_serveMux wires sessionkit on the standard library's router:
// middleware.Load around the whole mux, the gates around single routes.
func Example_serveMux() {
	auth, accounts := newManager()
	defer auth.Close()

	mux := http.NewServeMux()
	mux.Handle("/api/auth/", accounts.Handler()) // sign-up, sign-in, get-session, …
	mux.Handle("GET /me", middleware.RequireSession()(http.HandlerFunc(me)))
	mux.Handle("POST /settings/email", middleware.RequireFresh(auth)(http.HandlerFunc(changeEmail)))

	try(middleware.Load(auth)(mux))
	// Output:
	// GET /me: 401 {"message":"Unauthorized","code":"UNAUTHORIZED"}
	// POST /api/auth/sign-up/email: 200
	// GET /me: 200 Hello, Ada
	// POST /settings/email: 200 email changed for Ada
}

// Example_chi wires sessionkit on chi: Load with r.Use, the gates with
// r.With on the routes that need them.
func Example_chi() {
	auth, accounts := newManager()
	defer auth.Close()

	r := chi.NewRouter()
	r.Use(middleware.Load(auth))
	r.Handle("/api/auth/*", accounts.Handler())
	r.With(middleware.RequireSession()).Get("/me", me)
	r.With(middleware.RequireFresh(auth)).Post("/settings/email", changeEmail)

	try(r)
	// Output:
	// GET /me: 401 {"message":"Unauthorized","code":"UNAUTHORIZED"}
	// POST /api/auth/sign-up/email: 200
	// GET /me: 200 Hello, Ada
	// POST /settings/email: 200 email changed for Ada
}

// Example_gorillaMux wires sessionkit on gorilla/mux. Its r.Use runs
// middlewares only for requests that match a route, which is all Load
// needs; the gates wrap single handlers.
func Example_gorillaMux() {
	auth, accounts := newManager()
	defer auth.Close()

	r := mux.NewRouter()
	r.Use(middleware.Load(auth))
	r.PathPrefix("/api/auth/").Handler(accounts.Handler())
	r.Handle("/me", middleware.RequireSession()(http.HandlerFunc(me))).Methods(http.MethodGet)
	r.Handle("/settings/email", middleware.RequireFresh(auth)(http.HandlerFunc(changeEmail))).Methods(http.MethodPost)

	try(r)
	// Output:
	// GET /me: 401 {"message":"Unauthorized","code":"UNAUTHORIZED"}
	// POST /api/auth/sign-up/email: 200
	// GET /me: 200 Hello, Ada
	// POST /settings/email: 200 email changed for Ada
}

// newManager returns a Manager on an in-memory store and its accounts (the
// JSON API). A real app keeps its secret out of the code (an environment
// variable) and uses the default SQLite store or another persistent one.
func newManager() (*sessionkit.Manager, *account.Accounts) {
	auth, err := sessionkit.New(sessionkit.Config{
		Secret: "an-example-secret-of-at-least-32-bytes",
		Store:  memory.New(),
	})
	if err != nil {
		log.Fatal(err)
	}
	accounts, err := account.New(auth, account.Config{})
	if err != nil {
		log.Fatal(err)
	}
	return auth, accounts
}

// me is a page that needs a session.
func me(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionkit.FromContext(r.Context())
	fmt.Fprintf(w, "Hello, %s", s.User.Name)
}

// changeEmail is a sensitive action that needs a recent sign-in.
func changeEmail(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionkit.FromContext(r.Context())
	fmt.Fprintf(w, "email changed for %s", s.User.Name)
}

// try runs h on a loopback server and plays a client with a cookie jar:
// a page before and after signing up through the JSON API, then the
// sensitive action.
func try(h http.Handler) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	show := func(method, path, body string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := c.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if strings.HasPrefix(path, "/api/") {
			b = nil // the JSON of the new user and session: ids and dates vary
		}
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%s %s: %d %s", method, path, res.StatusCode, b)))
	}
	show(http.MethodGet, "/me", "")
	show(http.MethodPost, "/api/auth/sign-up/email", `{"name":"Ada","email":"ada@example.com","password":"correct horse battery"}`)
	show(http.MethodGet, "/me", "")
	show(http.MethodPost, "/settings/email", "")
}
