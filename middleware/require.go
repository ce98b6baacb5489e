package middleware

import (
	"net/http"

	"github.com/sessionkit/sessionkit"
)

// RequireSession lets through requests that middleware.Load found a session
// for, and answers the others 401 with Better Auth's body
// {"message":"Unauthorized","code":"UNAUTHORIZED"}. It must run inside Load.
// For pages that should send browsers to a sign-in form instead, use
// RequireSessionWithOpts.
func RequireSession() func(http.Handler) http.Handler {
	return RequireSessionWithOpts(RequireSessionOpts{})
}

// RequireSessionOpts configures RequireSessionWithOpts.
type RequireSessionOpts struct {
	// LoginURL, when set, is where browsers asking for a page (GET or HEAD
	// with an Accept header naming text/html) are redirected (303) instead
	// of getting 401. API calls still get 401 JSON.
	LoginURL string
	// ReturnParam is the query parameter of LoginURL that carries the path
	// to come back to after sign-in. Default "returnTo". The value is always
	// a path of this site (path and query, no scheme or host), so it cannot
	// be abused as an open redirect.
	ReturnParam string
}

// RequireSessionWithOpts is RequireSession with a login redirect for pages.
func RequireSessionWithOpts(o RequireSessionOpts) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := sessionkit.FromContext(r.Context()); ok {
				next.ServeHTTP(w, r)
				return
			}
			if sessionkit.LookupError(r.Context()) != nil {
				sessionkit.WriteUnavailable(w)
				return
			}
			if o.LoginURL != "" && WantsHTML(r) {
				http.Redirect(w, r, WithReturnPath(o.LoginURL, o.ReturnParam, r), http.StatusSeeOther)
				return
			}
			sessionkit.WriteError(w, http.StatusUnauthorized, sessionkit.CodeUnauthorized, sessionkit.MessageUnauthorized)
		})
	}
}
