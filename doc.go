// Package sessionkit brings Better Auth's session management to net/http.
//
// A Manager signs users in, reads their session from the request's cookies,
// slides its expiry, and revokes it, speaking Better Auth 1.7.25's wire
// format: the same cookie names, the same signed session_token, the same
// SQLite schema. A Go service and a Better Auth app can share one database
// and one set of cookies.
//
// The Manager is the one place that writes and clears cookies. The
// middlewares in package middleware (Load, RequireSession, RequireFresh)
// wrap it for any router that speaks http.Handler; handlers
// read the session with FromContext.
package sessionkit
