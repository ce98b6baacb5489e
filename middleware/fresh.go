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
	// ReauthURL, when set, is where browsers asking for a page are
	// redirected (303) when their session is missing or stale, with the
	// path to return to in ReturnParam. API calls still get 401 or 403.
	ReauthURL string
	// ReturnParam names the return-path query parameter. Default "returnTo".
	ReturnParam string
}

// RequireFreshWithOpts is RequireFresh with a re-authentication redirect
// for pages.
func RequireFreshWithOpts(m *sessionkit.Manager, o RequireFreshOpts) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			l, err := m.LookupHeader(ctx, r.Header, sessionkit.LookupOptions{DisableCookieCache: true, DisableRefresh: true})
			l.WriteCookies(w.Header())
			reauth := func() bool {
				if o.ReauthURL == "" || !WantsHTML(r) {
					return false
				}
				http.Redirect(w, r, WithReturnPath(o.ReauthURL, o.ReturnParam, r), http.StatusSeeOther)
				return true
			}
			switch {
			case errors.Is(err, sessionkit.ErrNoSession):
				if !reauth() {
					sessionkit.WriteError(w, http.StatusUnauthorized, sessionkit.CodeUnauthorized, sessionkit.MessageUnauthorized)
				}
				return
			case err != nil:
				m.Logger().ErrorContext(ctx, "sessionkit: fresh session check", "err", err)
				sessionkit.WriteUnavailable(w)
				return
			}
			if !freshness.IsFresh(l.Found.Session, m.Now(), m.FreshAge()) {
				if !reauth() {
					sessionkit.WriteError(w, http.StatusForbidden, sessionkit.CodeSessionNotFresh, sessionkit.MessageSessionNotFresh)
				}
				return
			}
			next.ServeHTTP(w, r.WithContext(sessionkit.NewContext(ctx, l.Found, nil)))
		})
	}
}
