package middleware

import (
	"errors"
	"net/http"

	"github.com/sessionkit/sessionkit"
)

// Load reads the session of every request (from the cookie cache or the
// store), puts it into the request context for sessionkit.FromContext, and
// adds the Set-Cookie lines the lookup produced (a slid expiry, a new cache
// cookie, the deletion of cookies that name no session) to the response
// before the next handler runs, so they precede its first byte.
//
// A request without a valid session goes on with none: gate routes with
// RequireSession. A store failure is logged and recorded
// (sessionkit.LookupError); gated routes then answer 503.
func Load(m *sessionkit.Manager) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler { return &loader{m: m, next: next} }
}

// loader is Load's handler. A method rather than a closure: Load is small
// enough to be inlined into its caller, and a closure would be compiled
// there without LookupHeader inlined into it, which costs the Lookup an
// allocation.
type loader struct {
	m    *sessionkit.Manager
	next http.Handler
}

func (h *loader) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l, err := h.m.LookupHeader(ctx, r.Header, sessionkit.LookupOptions{})
	if err != nil {
		if errors.Is(err, sessionkit.ErrNoSession) {
			err = nil
		} else {
			h.m.LogStoreError(ctx, "load session", err)
		}
	}
	l.WriteCookies(w.Header())
	h.next.ServeHTTP(w, r.WithContext(sessionkit.NewContext(ctx, l.Found, err)))
}
