// Package routers shows, as runnable examples, the same sessionkit wiring
// on three routers: the standard library's http.ServeMux, chi and
// gorilla/mux. Each mounts Better Auth's JSON API, loads the session of
// every request with middleware.Load, gates a page with
// middleware.RequireSession and a sensitive action with
// middleware.RequireFresh.
//
// It has no API of its own: read example_test.go, or its examples on the
// package's documentation page.
package routers
