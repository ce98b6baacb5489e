package middleware

import (
	"errors"
	"net/http"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/freshness"
)

// RequireFresh lets through requests whose session, read again from the
// store, is fresh under the Manager's FreshAge (freshness.IsFresh), as
// Better Auth's freshSessionMiddleware does. Otherwise it
// answers 401 (no session) or 403
// {"message":"Session is not fresh","code":"SESSION_NOT_FRESH"}.
//
// It bypasses the cookie cache, so a revoked session never passes it. In
// stateless mode (sessionkit.Config.Stateless) the cookie is the record,
// and the gate reads it. It does not need Load.
func RequireFresh(m *sessionkit.Manager) func(http.Handler) http.Handler {
	return RequireFreshWithOpts(m, RequireFreshOpts{})
}

// RequireFreshOpts configures RequireFreshWithOpts.
type RequireFreshOpts struct {
	// ReauthURL, when set, is where browser navigations and form posts
	// (WantsHTML) are redirected (303) when their session is missing or
	// stale, with the path to return to in ReturnParam: for a form post,
	// the page that sent it (see WithReturnPath). API calls still get 401
	// or 403.
	ReauthURL string
	// ReturnParam names the return-path query parameter. Default "returnTo".
	ReturnParam string
	// FormPage is the path a redirected form post returns to when it
	// has no same-origin Referer (some browsers and proxies drop it):
	// the page of the form. Default: no return path.
	FormPage string
	// OnDenied, when set, answers the refusals that are not redirected,
	// 401, 403 and 503 (a store failure), in place of the JSON bodies.
	OnDenied DeniedFunc
}

// RequireFreshWithOpts is RequireFresh with a re-authentication redirect
// for pages.
func RequireFreshWithOpts(m *sessionkit.Manager, o RequireFreshOpts) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			l, err := m.LookupHeader(ctx, r.Header, sessionkit.LookupOptions{DisableCookieCache: true, DisableRefresh: true})
			l.WriteCookies(w.Header())
			switch {
			case errors.Is(err, sessionkit.ErrNoSession):
				deny(w, r, http.StatusUnauthorized, err, o.ReauthURL, o.ReturnParam, o.FormPage, o.OnDenied)
				return
			case err != nil:
				m.LogStoreError(ctx, "fresh session check", err)
				deny(w, r, http.StatusServiceUnavailable, err, "", "", "", o.OnDenied)
				return
			}
			if !freshness.IsFresh(l.Found.Session, m.Now(), m.FreshAge()) {
				deny(w, r, http.StatusForbidden, ErrNotFresh, o.ReauthURL, o.ReturnParam, o.FormPage, o.OnDenied)
				return
			}
			next.ServeHTTP(w, r.WithContext(sessionkit.NewContext(ctx, l.Found, nil)))
		})
	}
}
