package middleware

import (
	"errors"
	"net/http"

	"github.com/sessionkit/sessionkit"
)

// ErrRole is the 403 of RequireRole: the session's user has none of the
// roles the route requires.
var ErrRole = errors.New("middleware: role not allowed")

// Better Auth's shape for a refusal by role.
const (
	CodeForbidden    = "FORBIDDEN"
	MessageForbidden = "You are not allowed to access this resource"
)

// RequireRole lets through requests whose session's user has one of roles
// (sessionkit.Session.HasRole: the role field, comma-separated as Better
// Auth's admin plugin writes "admin,user"). Without a session it answers as
// RequireSession does (401, or 503 when the store failed); with a session
// but no such role, 403 {"message":"You are not allowed to access this
// resource","code":"FORBIDDEN"}, or a small HTML page for a browser
// navigation (WantsHTML). It must run inside Load. With no roles nothing
// passes.
//
// The role is read from what Load found, so with the cookie cache on a
// role taken away reaches the gate when the cache cookie is re-minted
// (CookieCache.MaxAge); package admin's bans revoke sessions and so take
// effect at once.
func RequireRole(roles ...string) func(http.Handler) http.Handler {
	return RequireRoleWithOpts(RequireRoleOpts{Roles: roles})
}

// RequireRoleOpts configures RequireRoleWithOpts.
type RequireRoleOpts struct {
	// Roles are the roles let through (any one of them).
	Roles []string
	// LoginURL, ReturnParam and FormPage send browsers without a session
	// to a sign-in page, as in RequireSessionOpts. A browser with a
	// session but not the role is not redirected: signing in again would
	// not help.
	LoginURL    string
	ReturnParam string
	FormPage    string
	// OnDenied, when set, answers 401, 403 (ErrRole) and 503 in place of
	// the JSON bodies and the HTML page.
	OnDenied DeniedFunc
}

// RequireRoleWithOpts is RequireRole with a login redirect and an
// OnDenied hook.
func RequireRoleWithOpts(o RequireRoleOpts) func(http.Handler) http.Handler {
	roles := append([]string(nil), o.Roles...)
	return func(next http.Handler) http.Handler {
		gate := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, _ := sessionkit.FromContext(r.Context())
			if s == nil || !s.HasRole(roles...) {
				deny(w, r, http.StatusForbidden, ErrRole, "", "", "", o.OnDenied)
				return
			}
			next.ServeHTTP(w, r)
		})
		return RequireSessionWithOpts(RequireSessionOpts{LoginURL: o.LoginURL, ReturnParam: o.ReturnParam, FormPage: o.FormPage, OnDenied: o.OnDenied})(gate)
	}
}
