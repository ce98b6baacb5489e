package account_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/middleware"
)

// The quick start of the README: a SQLite file by default, accounts with
// passwords, a sign-in form rate limited per address and per account, Load
// on every request, a dashboard behind RequireSession and a sensitive route
// behind RequireFresh.
func Example() {
	dir, _ := os.MkdirTemp("", "sessionkit-example")
	defer os.RemoveAll(dir)
	auth, err := sessionkit.New(sessionkit.Config{
		Secret:       "example-secret-at-least-32-bytes-long!!",
		DatabasePath: filepath.Join(dir, "app.db"), // default: sessionkit.db
	})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()
	accounts, err := account.New(auth, account.Config{})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := accounts.CreateUser(context.Background(), "Ada", "ada@example.com", "correct horse"); err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /sign-in", func(w http.ResponseWriter, r *http.Request) {
		u, err := accounts.CheckPasswordRequest(r, r.FormValue("email"), r.FormValue("password"))
		if err != nil {
			http.Error(w, "wrong email or password", http.StatusUnauthorized)
			return
		}
		auth.SignIn(w, r, u.ID, sessionkit.SignInOptions{DontRemember: r.FormValue("remember") != "on"})
	})
	mux.Handle("GET /dashboard", middleware.RequireSession()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromContext(r.Context())
		fmt.Fprintf(w, "hello %s", s.User.Name)
	})))
	mux.Handle("POST /settings/email", middleware.RequireFresh(auth)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "email changed")
	})))
	app := middleware.Load(auth)(mux) // http.ListenAndServe(":8080", app)

	jar := map[string]string{}
	form := url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}, "remember": {"on"}}.Encode()
	code, _ := exampleForm(app, jar, "POST", "/sign-in", form)
	fmt.Println("sign in:", code)
	code, body := exampleCall(app, jar, "GET", "/dashboard", "")
	fmt.Println("dashboard:", code, body)
	code, body = exampleCall(app, map[string]string{}, "GET", "/dashboard", "")
	fmt.Println("no cookie:", code, body)
	code, body = exampleCall(app, jar, "POST", "/settings/email", "")
	fmt.Println("fresh route:", code, body)
	// Output:
	// sign in: 200
	// dashboard: 200 hello Ada
	// no cookie: 401 {"message":"Unauthorized","code":"UNAUTHORIZED"}
	// fresh route: 200 email changed
}

func exampleForm(h http.Handler, jar map[string]string, method, path, form string) (int, string) {
	return exampleCallType(h, jar, method, path, form, "application/x-www-form-urlencoded")
}
