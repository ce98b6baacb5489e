// Package oauthcookie holds the codecs of the two cookies Better Auth 1.7.25
// writes for social sign-in without a database, byte compatible with it:
//
//   - oauth_state (StateCodec), when state is kept in a cookie instead of
//     the verification table (account.storeStateStrategy "cookie"): the
//     flow's state (code verifier, callback URLs, expiry, the state
//     parameter sent to the provider) encrypted with XChaCha20-Poly1305
//     under a key derived from the secret for that purpose alone.
//   - account_data (AccountCodec), when account.storeAccountCookie is on:
//     the provider account and its tokens as a JWE (dir + A256CBC-HS512)
//     under the HKDF salt "better-auth-account", chunked like session_data
//     (cache.Split, cache.Join).
//
// The package proves values authentic and well formed; it knows no HTTP and
// no cookie attributes. The Manager of package sessionkit reads and writes
// these cookies (Manager.SetOAuthState, TakeOAuthState, SetAccountCookie,
// AccountCookie), so that sign-out clears them with the session's.
package oauthcookie
