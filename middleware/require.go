package middleware

import (
	"net/http"

	"github.com/sessionkit/sessionkit"
)

// RequireSession lets through requests that middleware.Load found a session
// for, and answers the others 401 with Better Auth's body
// {"message":"Unauthorized","code":"UNAUTHORIZED"}. It must run inside Load:
// without it every request is answered 500, naming the missing middleware,
// and the mistake is logged once (slog.Default).
// For pages that should send browsers to a sign-in form instead, use
// RequireSessionWithOpts.
func RequireSession() func(http.Handler) http.Handler {
	return RequireSessionWithOpts(RequireSessionOpts{})
}

// RequireSessionOpts configures RequireSessionWithOpts.
type RequireSessionOpts struct {
	// LoginURL, when set, is where browser navigations and form posts
	// (WantsHTML) are redirected (303) instead of getting 401; a form post
	// returns to the page that sent it (see WithReturnPath). API calls
	// still get 401 JSON.
	LoginURL string
	// ReturnParam is the query parameter of LoginURL that carries the path
	// to come back to after sign-in. Default "returnTo". The value is always
	// a path of this site (path and query, no scheme or host), so it cannot
	// be abused as an open redirect.
	ReturnParam string
	// FormPage is the path a redirected form post returns to when it
	// has no same-origin Referer (some browsers and proxies drop it):
	// the page of the form. Default: no return path.
	FormPage string
	// OnDenied, when set, answers the refusals that are not redirected,
	// 401 and 503 (a store failure), in place of the JSON bodies.
	OnDenied DeniedFunc
}

// RequireSessionWithOpts is RequireSession with a login redirect for pages.
func RequireSessionWithOpts(o RequireSessionOpts) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		var wrong misuse
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if _, ok := sessionkit.FromContext(ctx); ok {
				next.ServeHTTP(w, r)
				return
			}
			if !sessionkit.Loaded(ctx) {
				wrong.fail(w, r)
				return
			}
			if err := sessionkit.LookupError(ctx); err != nil {
				deny(w, r, http.StatusServiceUnavailable, err, "", "", "", o.OnDenied)
				return
			}
			deny(w, r, http.StatusUnauthorized, sessionkit.ErrNoSession, o.LoginURL, o.ReturnParam, o.FormPage, o.OnDenied)
		})
	}
}
