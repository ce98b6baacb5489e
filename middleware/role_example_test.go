package middleware_test

import (
	"fmt"
	"net/http"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
)

// RequireRole gates a route on Better Auth's role field (package admin
// declares it): a user whose roles ("user,admin") include one of the
// route's passes; another gets 403.
func ExampleRequireRole() {
	for _, role := range []string{"user,admin", "user"} {
		auth, cookies := roleManager(role)
		dashboard := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, _ := sessionkit.FromContext(r.Context())
			fmt.Fprintf(w, "admin dashboard for %s", s.User.Name)
		})
		h := middleware.Load(auth)(middleware.RequireRole("admin", "owner")(dashboard))
		rec := get(h, "/admin", cookies, "")
		fmt.Println(role+":", rec.Code, rec.Body.String())
		auth.Close()
	}
	// Output:
	// user,admin: 200 admin dashboard for Ada
	// user: 403 {"message":"You are not allowed to access this resource","code":"FORBIDDEN"}
}
