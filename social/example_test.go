package social_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/social"
	"github.com/sessionkit/sessionkit/social/oidctest"
	"github.com/sessionkit/sessionkit/store/memory"
)

// Mount the handler beside the JSON API: Better Auth's client calls
// POST /api/auth/sign-in/social, and the provider sends the browser back to
// /api/auth/callback/<provider>.
func ExampleNew() {
	auth, err := sessionkit.New(sessionkit.Config{
		Secret:  "a-secret-of-at-least-32-bytes-0123456789",
		BaseURL: "https://app.example.com",
		Store:   memory.New(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()
	soc, err := social.New(auth, social.Config{
		Providers: []social.Provider{
			social.GitHub("github-client-id", "github-client-secret"),
			social.Google("google-client-id", "google-client-secret"),
			social.OIDC("keycloak", "https://sso.example.com/realms/app", "client-id", "client-secret"),
		},
		TrustedProviders: []string{"google"},
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/auth/sign-in/social", soc)
	mux.Handle("/api/auth/callback/", soc)
	fmt.Println("ok")
	// Output: ok
}

// Start begins a sign-in from a server-rendered form: redirect the browser
// to the URL it returns.
func ExampleHandler_Start() {
	idp, err := oidctest.NewServer() // a provider on loopback
	if err != nil {
		log.Fatal(err)
	}
	defer idp.Close()
	auth, err := sessionkit.New(sessionkit.Config{
		Secret:  "a-secret-of-at-least-32-bytes-0123456789",
		BaseURL: "http://localhost:8080",
		Store:   memory.New(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()
	soc, err := social.New(auth, social.Config{
		Providers: []social.Provider{social.OIDC("demo", idp.Issuer, idp.ClientID, idp.ClientSecret)},
	})
	if err != nil {
		log.Fatal(err)
	}
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/sign-in/social", nil)
	to, err := soc.Start(w, r, social.StartOptions{Provider: "demo", CallbackURL: "/dashboard", ErrorCallbackURL: "/sign-in"})
	if err != nil {
		log.Fatal(err)
	}
	u, _ := url.Parse(to)
	fmt.Println(strings.HasPrefix(to, idp.Issuer+"/authorize?"), u.Query().Get("code_challenge_method"), u.Query().Get("redirect_uri"))
	fmt.Println(strings.HasPrefix(w.Header().Get("Set-Cookie"), "better-auth.state="))
	// Output:
	// true S256 http://localhost:8080/api/auth/callback/demo
	// true
}
