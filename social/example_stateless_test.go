package social_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/social"
	"github.com/sessionkit/sessionkit/social/oidctest"
)

// Better Auth's stateless seed in Go: no database for sessions, state or
// accounts. Better Auth:
//
//	betterAuth({
//	  session: { cookieCache: { enabled: true, strategy: "jwe", refreshCache: true } },
//	  account: { storeStateStrategy: "cookie", storeAccountCookie: true },
//	  socialProviders: { ... },
//	})
//
// sessionkit: Stateless (the jwe cache cookie is the session, re-minted
// near its end), CookieState (oauth_state), CookieAccounts (account_data).
// Users are kept in the SQLite file at DatabasePath. The provider here is
// the loopback test provider.
func Example_stateless() {
	idp, err := oidctest.NewServer()
	if err != nil {
		panic(err)
	}
	defer idp.Close()
	dir, _ := os.MkdirTemp("", "stateless")
	defer os.RemoveAll(dir)

	mux := http.NewServeMux()
	app := httptest.NewServer(mux)
	defer app.Close()

	m, err := sessionkit.New(sessionkit.Config{
		Secret:       "an-example-secret-of-at-least-32-bytes!!",
		BaseURL:      app.URL,
		Stateless:    true, // CookieCache: jwe, MaxAge = ExpiresIn, re-minted
		DatabasePath: filepath.Join(dir, "users.db"),
		Logger:       slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	defer m.Close()
	h, err := social.New(m, social.Config{
		Providers: []social.Provider{social.OIDC("idp", idp.Issuer, idp.ClientID, idp.ClientSecret)},
		State:     social.NewCookieState(m),         // storeStateStrategy: "cookie"
		Accounts:  social.NewCookieAccounts(m, nil), // storeAccountCookie: true
	})
	if err != nil {
		panic(err)
	}
	mux.Handle("/api/auth/", h)
	mux.Handle("/api/token", middleware.Load(m)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The provider's access token, refreshed when it has expired.
		tok, err := h.AccessToken(w, r, "idp")
		if err != nil {
			http.Error(w, "sign in again", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, len(tok.AccessToken) > 0)
	})))

	// A browser signs in: POST /sign-in/social, the provider, the callback.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", app.URL+"/api/auth/sign-in/social", bytes.NewBufferString(`{"provider":"idp","callbackURL":"/home"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", app.URL)
	resp, _ := browser.Do(req)
	loc := resp.Header.Get("Location") // the provider's authorization URL
	resp.Body.Close()
	for range 2 { // the provider, then the callback
		resp, _ = browser.Get(loc)
		resp.Body.Close()
		loc = resp.Header.Get("Location")
	}
	fmt.Println("signed in, sent to", loc)

	u, _ := url.Parse(app.URL)
	var names []string
	for _, c := range jar.Cookies(u) {
		names = append(names, c.Name)
	}
	slices.Sort(names)
	fmt.Println(names)

	resp, _ = browser.Get(app.URL + "/api/token")
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	resp.Body.Close()
	fmt.Println("access token:", body.String())
	// Output:
	// signed in, sent to /home
	// [better-auth.account_data better-auth.session_data better-auth.session_token]
	// access token: true
}
