// Package freshness gates sensitive routes on a recent sign-in, as Better
// Auth's freshSessionMiddleware does (spec §4.1). A session is fresh while
// less than FreshAge has passed since it was created; sliding refreshes do
// not make it fresh again, only a new sign-in does.
//
// The gate re-reads the session from the store, bypassing any cookie cache,
// so a revoked session never passes it. In stateless mode
// (sessionkit.Config.Stateless) there is no store for sessions: the cookie
// is the record, and the gate reads it.
package freshness

import (
	"errors"
	"net/http"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store"
)

// IsFresh reports whether s was created less than freshAge before now.
// A freshAge of 0 (or less) disables the check: every session is fresh.
func IsFresh(s store.Session, now time.Time, freshAge time.Duration) bool {
	return freshAge <= 0 || now.Sub(s.CreatedAt) < freshAge
}

// RequireFresh lets through requests whose session, read again from the
// store, is fresh under the Manager's FreshAge. Otherwise it answers 401
// (no session) or 403 {"message":"Session is not fresh","code":"SESSION_NOT_FRESH"}.
func RequireFresh(m *sessionkit.Manager) func(http.Handler) http.Handler {
	return RequireFreshWithOpts(m, Opts{})
}

// Opts configures RequireFreshWithOpts.
type Opts struct {
	// ReauthURL, when set, is where browsers asking for a page are
	// redirected (303) when their session is missing or stale, with the
	// path to return to in ReturnParam. API calls still get 401 or 403.
	ReauthURL string
	// ReturnParam names the return-path query parameter. Default "returnTo".
	ReturnParam string
}

// RequireFreshWithOpts is RequireFresh with a re-authentication redirect
// for pages.
func RequireFreshWithOpts(m *sessionkit.Manager, o Opts) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			l, err := m.LookupHeader(ctx, r.Header, sessionkit.LookupOptions{DisableCookieCache: true, DisableRefresh: true})
			l.WriteCookies(w.Header())
			switch {
			case errors.Is(err, sessionkit.ErrNoSession):
				if o.ReauthURL != "" && middleware.WantsHTML(r) {
					http.Redirect(w, r, middleware.WithReturnPath(o.ReauthURL, o.ReturnParam, r), http.StatusSeeOther)
					return
				}
				sessionkit.WriteError(w, http.StatusUnauthorized, sessionkit.CodeUnauthorized, sessionkit.MessageUnauthorized)
				return
			case err != nil:
				m.Logger().ErrorContext(ctx, "sessionkit: fresh session check", "err", err)
				sessionkit.WriteUnavailable(w)
				return
			}
			if !IsFresh(l.Session.Session, m.Now(), m.FreshAge()) {
				if o.ReauthURL != "" && middleware.WantsHTML(r) {
					http.Redirect(w, r, middleware.WithReturnPath(o.ReauthURL, o.ReturnParam, r), http.StatusSeeOther)
					return
				}
				sessionkit.WriteError(w, http.StatusForbidden, sessionkit.CodeSessionNotFresh, sessionkit.MessageSessionNotFresh)
				return
			}
			next.ServeHTTP(w, r.WithContext(sessionkit.NewContext(ctx, l.Session, nil)))
		})
	}
}
