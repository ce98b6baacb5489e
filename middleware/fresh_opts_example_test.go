package middleware_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store/memory"
)

// The re-authentication flow of a server-rendered app: a day after sign-in,
// a browser opening the settings page is sent to confirm its password, with
// the page to come back to; an API call gets the JSON 403.
func ExampleRequireFreshWithOpts() {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	auth, err := sessionkit.New(sessionkit.Config{
		Secret: "example-secret-0123456789abcdefghijklmnop",
		Store:  memory.New(),
		Now:    func() time.Time { return now },
	})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()
	u, _ := addUser(auth, "Ada", "ada@example.com")
	rec := httptest.NewRecorder()
	auth.SignIn(rec, httptest.NewRequest("POST", "/sign-in", nil), u.ID, sessionkit.SignInOptions{})
	cookies := rec.Result().Cookies()

	settings := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "settings") })
	fresh := middleware.RequireFreshWithOpts(auth, middleware.RequireFreshOpts{ReauthURL: "/reauth"})
	h := fresh(settings)
	try := func(accept string) {
		req := httptest.NewRequest("GET", "/settings?tab=email", nil)
		req.Header.Set("Accept", accept)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if loc := rec.Header().Get("Location"); loc != "" {
			fmt.Println(rec.Code, loc)
			return
		}
		fmt.Println(rec.Code, rec.Body)
	}

	try("text/html")
	now = now.Add(25 * time.Hour)
	try("text/html")
	try("application/json")
	// The /reauth page checks the password again and signs in anew
	// (auth.SignIn), which makes the session fresh, then redirects to
	// middleware.SafeReturnPath(r.FormValue("returnTo"), "/").
	// Output:
	// 200 settings
	// 303 /reauth?returnTo=%2Fsettings%3Ftab%3Demail
	// 403 {"message":"Session is not fresh","code":"SESSION_NOT_FRESH"}
}
