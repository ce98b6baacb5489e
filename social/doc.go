// Package social is sign-in with an OAuth 2 or OpenID Connect provider,
// Better Auth's social sign-in: POST /sign-in/social sends the browser to
// the provider (authorization code with PKCE, a state and, for OpenID
// Connect, a nonce), and GET|POST /callback/<provider> takes the answer,
// verifies it, finds or creates the user and its account row, and starts a
// session with the sessionkit.Manager.
//
// Providers: GitHub (OAuth 2 and its REST API), Google (OpenID Connect),
// and any OpenID Connect provider by its issuer (discovery). Tokens are
// exchanged with golang.org/x/oauth2; ID tokens are verified with
// github.com/coreos/go-oidc/v3 (signature from the provider's JWKS, issuer,
// audience, expiry) and the nonce is checked here.
//
// Where things are kept is pluggable: a StateStore keeps the state of a
// sign-in between the redirect and the callback (DatabaseState: Better
// Auth's `verification` table), an AccountStore keeps the provider
// accounts (DatabaseAccounts: Better Auth's `account` table). Users always
// live in the Manager's store.
//
// It is a module of its own so that the core module does not depend on
// the OAuth libraries. Package oidctest is a small OpenID Connect provider
// for tests and demos.
package social
