package oauthcookie_test

import (
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit/oauthcookie"
	"github.com/sessionkit/sessionkit/store"
)

// An oauth_state value as Better Auth's generateGenericState mints it with
// state kept in a cookie, opened by the callback with its state parameter.
func ExampleStateCodec() {
	codec := oauthcookie.NewStateCodec([]byte("the-app-secret-of-at-least-32-bytes!"))
	now := time.Now()
	st := &oauthcookie.State{CallbackURL: "/dashboard", CodeVerifier: "pkce-verifier", ExpiresAt: now.Add(oauthcookie.StateLifetime)}
	value, err := codec.Encode(st) // the cookie's value; st.OAuthState is the state parameter
	if err != nil {
		panic(err)
	}
	_, err = codec.Open(value, "a forged state", now)
	fmt.Println(err)
	got, err := codec.Open(value, st.OAuthState, now)
	fmt.Println(got.CallbackURL, err)
	// Output:
	// oauthcookie: state parameter does not match the state cookie
	// /dashboard <nil>
}

// An account_data value as Better Auth's setAccountCookie mints it; a long
// one is split into cookies with cache.Split.
func ExampleAccountCodec() {
	codec := oauthcookie.NewAccountCodec([]byte("the-app-secret-of-at-least-32-bytes!"))
	now := time.Now()
	value, err := codec.Encode(&oauthcookie.Account{Account: store.Account{
		AccountID: "1234", ProviderID: "github", UserID: "u1", AccessToken: "gho_token",
	}}, now, 5*time.Minute)
	if err != nil {
		panic(err)
	}
	a, exp, err := codec.Decode(value, now)
	fmt.Println(a.ProviderID, a.AccessToken, exp.Sub(now.Truncate(time.Second)) <= 5*time.Minute, err)
	_, _, err = codec.Decode(value, now.Add(5*time.Minute))
	fmt.Println(err)
	// Output:
	// github gho_token true <nil>
	// oauthcookie: cookie value expired: account cookie
}
