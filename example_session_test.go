package sessionkit_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

// newExampleManager is a Manager over an in-memory store holding one user,
// Ada, whose id it returns.
func newExampleManager() (*sessionkit.Manager, string) {
	st := memory.New()
	now := time.Now().UTC().Truncate(time.Millisecond)
	ada := store.User{ID: store.NewID(), Name: "Ada", Email: "ada@example.com", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateUser(context.Background(), ada); err != nil {
		log.Fatal(err)
	}
	auth, err := sessionkit.New(sessionkit.Config{Secret: "example-secret-at-least-32-bytes-long!!", Store: st})
	if err != nil {
		log.Fatal(err)
	}
	return auth, ada.ID
}

// After the password checked out (account.Accounts.CheckPassword, or your
// own), SignIn starts the session and sets its cookie: Better Auth's
// signed token, HttpOnly, SameSite=Lax, for the session's 7 days.
func ExampleManager_SignIn() {
	auth, userID := newExampleManager()
	defer auth.Close()

	signIn := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// … check the password, then:
		if _, err := auth.SignIn(w, r, userID, sessionkit.SignInOptions{}); err != nil {
			sessionkit.WriteUnavailable(w)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	rec := httptest.NewRecorder()
	signIn.ServeHTTP(rec, httptest.NewRequest("POST", "/sign-in", nil))

	fmt.Println(rec.Code, rec.Header().Get("Location"))
	for _, c := range rec.Result().Cookies() {
		fmt.Println(c.Name, c.HttpOnly, c.SameSite == http.SameSiteLaxMode, c.MaxAge)
	}
	// Output:
	// 303 /
	// better-auth.session_token true true 604800
}

// SignOut deletes the session from the store, then expires every session
// cookie (the token, the cache, remember-me); the old cookie names no
// session any more.
func ExampleManager_SignOut() {
	auth, userID := newExampleManager()
	defer auth.Close()
	rec := httptest.NewRecorder()
	auth.SignIn(rec, httptest.NewRequest("POST", "/sign-in", nil), userID, sessionkit.SignInOptions{})
	cookies := rec.Result().Cookies()
	withCookies := func(r *http.Request) *http.Request {
		for _, c := range cookies {
			r.AddCookie(c)
		}
		return r
	}

	rec = httptest.NewRecorder()
	if err := auth.SignOut(rec, withCookies(httptest.NewRequest("POST", "/sign-out", nil))); err != nil {
		// The store failed: the session is still live, and the browser keeps
		// the cookie to retry with.
		fmt.Println(err)
		return
	}
	for _, c := range rec.Result().Cookies() {
		fmt.Println(c.Name, c.MaxAge < 0)
	}
	_, err := auth.LookupHeader(context.Background(), withCookies(httptest.NewRequest("GET", "/", nil)).Header, sessionkit.LookupOptions{})
	fmt.Println(err)
	// Output:
	// better-auth.session_token true
	// better-auth.session_data true
	// better-auth.dont_remember true
	// sessionkit: no session
}

// Handlers behind middleware.Load read the request's session from its
// context.
func ExampleFromContext() {
	auth, userID := newExampleManager()
	defer auth.Close()
	rec := httptest.NewRecorder()
	auth.SignIn(rec, httptest.NewRequest("POST", "/sign-in", nil), userID, sessionkit.SignInOptions{})
	cookies := rec.Result().Cookies()

	home := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := sessionkit.FromContext(r.Context())
		if !ok {
			fmt.Fprint(w, "Hello, stranger")
			return
		}
		fmt.Fprint(w, "Hello, ", s.User.Name)
	})
	h := middleware.Load(auth)(home)

	for _, signedIn := range []bool{true, false} {
		req := httptest.NewRequest("GET", "/", nil)
		if signedIn {
			for _, c := range cookies {
				req.AddCookie(c)
			}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Body)
	}
	// Output:
	// Hello, Ada
	// Hello, stranger
}
