package middleware

import (
	"net/http"
	"net/url"
	"strings"

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

// WantsHTML reports whether r is a browser asking for a page: a GET or
// HEAD whose Accept header names text/html.
func WantsHTML(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		strings.Contains(r.Header.Get("Accept"), "text/html")
}

// WithReturnPath returns target with param (default "returnTo") set to the
// path and query of r, the place to return to. A request path that a
// browser would read as another host ("//host/…", which routers other than
// ServeMux pass through) is replaced by "/", so the value is always safe
// to redirect to (see SafeReturnPath).
func WithReturnPath(target, param string, r *http.Request) string {
	if param == "" {
		param = "returnTo"
	}
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	q := u.Query()
	q.Set(param, SafeReturnPath(r.URL.RequestURI(), "/"))
	u.RawQuery = q.Encode()
	return u.String()
}

// SafeReturnPath returns p when it is a path on this site ("/…", but not
// "//…" or "/\…", which browsers read as another host), and fallback
// otherwise. Use it on the return parameter before redirecting back.
func SafeReturnPath(p, fallback string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return fallback
	}
	// Browsers delete tabs and newlines from URLs ("/\t/evil.example"
	// becomes "//evil.example"): refuse every control character.
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == 0x7f {
			return fallback
		}
	}
	return p
}
