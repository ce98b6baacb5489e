// Package middleware holds the net/http middlewares that put sessions into
// requests: Load, which reads the session of every request into its context,
// RequireSession, which gates routes on one, and RequireFresh, which gates
// sensitive routes on a recent sign-in. Each constructor returns a
// func(http.Handler) http.Handler, so they compose with the standard
// library's ServeMux, chi, gorilla/mux and any other http.Handler router.
//
// The redirect helpers (WantsHTML, WithReturnPath, SafeReturnPath) serve
// the gates' redirects to sign-in pages and your own.
package middleware
