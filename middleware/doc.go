// Package middleware holds the net/http middlewares that put sessions into
// requests: Load, which reads the session of every request into its context,
// and RequireSession, which gates routes on one. Each constructor returns a
// func(http.Handler) http.Handler, so they compose with the standard
// library's ServeMux, chi, gorilla/mux and any other http.Handler router.
//
// Freshness gates (recent sign-in for sensitive actions) live in package
// freshness.
package middleware
