package account_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/store/memory"
)

// exampleCall sends one request to h, with the cookies in jar, and adds the
// cookies of the answer to jar, as a browser would.
func exampleCall(h http.Handler, jar map[string]string, method, path, body string) (int, string) {
	return exampleCallType(h, jar, method, path, body, "application/json")
}

// exampleCallType is exampleCall with a body of another content type.
func exampleCallType(h http.Handler, jar map[string]string, method, path, body, contentType string) (int, string) {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	// A browser's fetch names the page's origin; Better Auth refuses a
	// state change with cookies but without one.
	req.Header.Set("Origin", "http://example.com")
	for name, value := range jar {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(jar, c.Name)
		} else {
			jar[c.Name] = c.Value
		}
	}
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, strings.TrimSpace(string(b))
}

// Mount the Better Auth-compatible JSON API, so Better Auth's client
// (createAuthClient from "better-auth/client") and front ends written for
// Better Auth work with a Go server.
func ExampleAccounts_Handler() {
	auth, err := sessionkit.New(sessionkit.Config{
		Secret: "example-secret-0123456789abcdefghijklmnop",
		Store:  memory.New(), // the default is a SQLite file
	})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()
	accounts, err := account.New(auth, account.Config{})
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.Handle("/api/auth/", accounts.Handler())

	jar := map[string]string{}
	code, _ := exampleCall(mux, jar, "POST", "/api/auth/sign-up/email",
		`{"name":"Ada","email":"ada@example.com","password":"correct horse battery"}`)
	fmt.Println("sign-up:", code, "cookie set:", jar["better-auth.session_token"] != "")

	code, body := exampleCall(mux, jar, "GET", "/api/auth/get-session", "")
	fmt.Println("get-session:", code, strings.Contains(body, `"email":"ada@example.com"`))

	code, body = exampleCall(mux, map[string]string{}, "POST", "/api/auth/sign-in/email",
		`{"email":"ada@example.com","password":"wrong password"}`)
	fmt.Println("wrong password:", code, body)

	code, body = exampleCall(mux, jar, "POST", "/api/auth/sign-out", "")
	fmt.Println("sign-out:", code, body)

	_, body = exampleCall(mux, jar, "GET", "/api/auth/get-session", "")
	fmt.Println("get-session:", body)
	// Output:
	// sign-up: 200 cookie set: true
	// get-session: 200 true
	// wrong password: 401 {"message":"Invalid email or password","code":"INVALID_EMAIL_OR_PASSWORD"}
	// sign-out: 200 {"success":true}
	// get-session: null
}

// Serve the API under another path, and let a front end on another origin
// call it. Browser requests from any other site that would change state are
// refused.
func ExampleConfig() {
	auth, err := sessionkit.New(sessionkit.Config{
		Secret: "example-secret-0123456789abcdefghijklmnop",
		Store:  memory.New(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()

	accounts, err := account.New(auth, account.Config{
		BasePath:       "/auth",
		TrustedOrigins: []string{"https://admin.example.com"},
	})
	if err != nil {
		log.Fatal(err)
	}
	api := accounts.Handler()
	for _, origin := range []string{"https://admin.example.com", "https://evil.example"} {
		req := httptest.NewRequest("POST", "/auth/sign-out", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		fmt.Println(origin, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// https://admin.example.com 200 {"success":true}
	// https://evil.example 403 {"message":"Invalid origin","code":"INVALID_ORIGIN"}
}
