package account

import "net/http"

// OriginPolicy is the JSON API's origin rules for the handlers of other
// packages (social sign-in) mounted beside it, so that every endpoint of
// the app trusts the same origins and the same callback URLs.
type OriginPolicy struct{ o origins }

// NewOriginPolicy returns the rules for a site at baseURL (the Manager's
// BaseURL) that trusts the trusted origins too (Config.TrustedOrigins).
func NewOriginPolicy(baseURL string, trusted []string) OriginPolicy {
	return OriginPolicy{newOrigins(baseURL, trusted)}
}

// Check is Better Auth's origin check of a state-changing request (see
// Handler): it answers 403 with Better Auth's codes and returns false when
// it refuses the request.
func (p OriginPolicy) Check(w http.ResponseWriter, r *http.Request) bool {
	return p.o.check(w, r, false)
}

// RedirectAllowed reports whether a callbackURL may be redirected to: a
// path of this site, or a URL at the base or a trusted origin.
func (p OriginPolicy) RedirectAllowed(cb string) bool { return p.o.redirectAllowed(cb) }
