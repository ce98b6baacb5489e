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

// RequireFresh gates sensitive routes (change email, delete account) on a
// recent sign-in: a day after it, the same session gets 403 until the user
// signs in again.
func ExampleRequireFresh() {
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
	auth.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{})
	cookies := rec.Result().Cookies()

	changeEmail := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "email changed") })
	h := middleware.Load(auth)(middleware.RequireFresh(auth)(changeEmail))
	try := func() {
		req := httptest.NewRequest("POST", "/settings/email", nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body)
	}

	try()
	now = now.Add(25 * time.Hour)
	try()
	// Output:
	// 200 email changed
	// 403 {"message":"Session is not fresh","code":"SESSION_NOT_FRESH"}
}
