package middleware_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

// signedIn returns a Manager and the cookies of a session it started.
func signedIn() (*sessionkit.Manager, []*http.Cookie) {
	auth, err := sessionkit.New(sessionkit.Config{
		Secret: "example-secret-0123456789abcdefghijklmnop",
		Store:  memory.New(),
	})
	if err != nil {
		log.Fatal(err)
	}
	u, err := addUser(auth, "Ada", "ada@example.com")
	if err != nil {
		log.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if _, err := auth.SignIn(rec, httptest.NewRequest("POST", "/sign-in", nil), u.ID, sessionkit.SignInOptions{}); err != nil {
		log.Fatal(err)
	}
	return auth, rec.Result().Cookies()
}

func get(h http.Handler, path string, cookies []*http.Cookie, accept string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Load reads the session of every request once, so any handler can ask for
// it with sessionkit.FromContext. Requests without a session go on too.
func ExampleLoad() {
	auth, cookies := signedIn()
	defer auth.Close()

	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s, ok := sessionkit.FromContext(r.Context()); ok {
			fmt.Fprintf(w, "hello, %s", s.User.Name)
			return
		}
		fmt.Fprint(w, "hello, stranger")
	})
	h := middleware.Load(auth)(hello)

	fmt.Println(get(h, "/", cookies, "").Body)
	fmt.Println(get(h, "/", nil, "").Body)
	// Output:
	// hello, Ada
	// hello, stranger
}

// RequireSession gates API routes: without a session they answer 401 with
// Better Auth's JSON body. It runs inside Load.
func ExampleRequireSession() {
	auth, cookies := signedIn()
	defer auth.Close()

	mux := http.NewServeMux()
	mux.Handle("GET /api/orders", middleware.RequireSession()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "[]")
	})))
	h := middleware.Load(auth)(mux)

	rec := get(h, "/api/orders", cookies, "")
	fmt.Println(rec.Code, rec.Body)
	rec = get(h, "/api/orders", nil, "")
	fmt.Print(rec.Code, " ", rec.Body)
	// Output:
	// 200 []
	// 401 {"message":"Unauthorized","code":"UNAUTHORIZED"}
}

// RequireSessionWithOpts suits pages: a browser without a session is sent
// to the sign-in page, with the way back; API calls still get 401.
func ExampleRequireSessionWithOpts() {
	auth, _ := signedIn()
	defer auth.Close()

	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "dashboard") })
	h := middleware.Load(auth)(middleware.RequireSessionWithOpts(middleware.RequireSessionOpts{LoginURL: "/sign-in"})(page))

	rec := get(h, "/dashboard", nil, "text/html")
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	rec = get(h, "/dashboard", nil, "application/json")
	fmt.Println(rec.Code)
	// Output:
	// 303 /sign-in?returnTo=%2Fdashboard
	// 401
}

// addUser registers a user in the Manager's store (sign-up with a password
// is package account's).
func addUser(auth *sessionkit.Manager, name, email string) (store.User, error) {
	now := auth.Now()
	u := store.User{ID: store.NewID(), Name: name, Email: email, CreatedAt: now, UpdatedAt: now}
	return u, auth.Store().CreateUser(context.Background(), u)
}
