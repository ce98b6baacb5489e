package admin_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/admin"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

// Add the admin plugin's fields and rule to a Manager, make a user an
// admin, gate a route on the role, and ban a user: the ban ends their
// sessions and refuses their next sign-in with Better Auth's BANNED_USER.
func Example() {
	opts := admin.Options{}
	fields := opts.Fields(store.AdditionalFields{})           // the app's own fields go here
	db, err := memory.NewWith(memory.Options{Fields: fields}) // or sqlite.Options{Fields: fields}
	if err != nil {
		log.Fatal(err)
	}
	auth, err := sessionkit.New(sessionkit.Config{
		Secret: "example-secret-0123456789abcdefghijklmnop",
		Store:  db,
		Fields: fields,
		Rules:  []sessionkit.Rule{opts.Rule()},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()
	adm, err := admin.New(auth, opts)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	now := auth.Now()
	ada := store.User{ID: store.NewID(), Name: "Ada", Email: "ada@example.com", CreatedAt: now, UpdatedAt: now}
	eve := store.User{ID: store.NewID(), Name: "Eve", Email: "eve@example.com", CreatedAt: now, UpdatedAt: now}
	for _, u := range []store.User{ada, eve} {
		if err := db.CreateUser(ctx, u); err != nil {
			log.Fatal(err)
		}
	}
	if _, err := adm.SetRole(ctx, ada.ID, "admin", "user"); err != nil {
		log.Fatal(err)
	}

	signIn := func(id string) ([]*http.Cookie, error) {
		rec := httptest.NewRecorder()
		_, err := auth.SignIn(rec, httptest.NewRequest("POST", "/", nil), id, sessionkit.SignInOptions{})
		return rec.Result().Cookies(), err
	}
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromContext(r.Context())
		fmt.Fprintf(w, "hello %s (%s)", s.User.Name, s.Role())
	})
	adminOnly := middleware.Load(auth)(middleware.RequireRole("admin")(page))
	visit := func(cookies []*http.Cookie) {
		req := httptest.NewRequest("GET", "/admin", nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		adminOnly.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body.String())
	}

	adaCookies, _ := signIn(ada.ID)
	eveCookies, _ := signIn(eve.ID)
	visit(adaCookies)
	visit(eveCookies)

	if _, err := adm.Ban(ctx, eve.ID, "spam", 24*time.Hour); err != nil {
		log.Fatal(err) // the ban is recorded; call Ban again to revoke
	}
	visit(eveCookies)
	_, err = signIn(eve.ID)
	var refused *sessionkit.RefusedError
	fmt.Println(errors.As(err, &refused), refused.Code)
	// Output:
	// 200 hello Ada (admin,user)
	// 403 {"message":"You are not allowed to access this resource","code":"FORBIDDEN"}
	// 401 {"message":"Unauthorized","code":"UNAUTHORIZED"}
	// true BANNED_USER
}
