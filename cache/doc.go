// Package cache holds the cookie-cache codecs: it turns a session and its
// user into the value of Better Auth's session_data cookie and back, byte
// compatible with Better Auth 1.7.25.
//
// A cache cookie lets a request be answered without reading the store: the
// signed or encrypted payload carries the session, the user, when it was
// minted, a version and an expiry. Four strategies implement Codec:
//
//   - NewCompact: Better Auth's default ("compact"), base64url JSON with an
//     HMAC-SHA256 signature. Its verifier works on the raw bytes of the
//     payload and its encoder writes JSON exactly as JavaScript does, so
//     cookies cross between Go and Better Auth in both directions.
//   - NewJWT: "jwt", an HS256 JWS.
//   - NewJWE: "jwe", dir + A256CBC-HS512 with an HKDF-derived key, Better
//     Auth's default in stateless mode.
//   - NewSecureCookie: gorilla/securecookie, for deployments where only Go
//     reads the cache. Better Auth can't read it.
//
// Memo remembers the values a codec verified, for a caller that sees the
// same value again and again (every request of a browser until the cache is
// re-minted): it skips the decode, never the value's own expiry.
//
// Split and Join handle chunking: Better Auth spreads a value that doesn't
// fit in one cookie over cookies named <name>.0, <name>.1, ….
//
// What the package is not: it does not read or write HTTP headers, choose
// cookie names or attributes, or decide whether a decoded payload may be
// used. Decode only proves the value authentic, well formed and unexpired;
// the caller still compares the session token with the session_token
// cookie, compares the version with the configured one (treating "" as
// "1"), checks the session's own expiry, and falls back to the store on any
// error. It knows nothing of handlers or of the Manager, and imports only
// package store for the records (and internal/memo for Memo's table).
package cache
