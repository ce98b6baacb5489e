package telemetry

import (
	"net/http"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
)

// lookupSources are the values of Session.Source counted under their own
// name; any other (a strategy added later) counts as "other", so the set of
// series stays fixed.
var lookupSources = []string{sessionkit.SourceStore, "compact", "jwt", "jwe", "securecookie", "other"}

// Load is middleware.Load(m) that also counts every lookup in
// sessionkit.lookups, by what answered and its outcome. Use it in place of
// middleware.Load, not beside it: it reads the session once, as Load does.
//
// Counting reads the outcome Load put in the request context and adds to a
// counter with an attribute set built by New: it allocates nothing of its
// own.
func (t *Telemetry) Load(m *sessionkit.Manager) func(http.Handler) http.Handler {
	load := middleware.Load(m)
	return func(next http.Handler) http.Handler {
		return load(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t.countLookup(r)
			next.ServeHTTP(w, r)
		}))
	}
}

func (t *Telemetry) countLookup(r *http.Request) {
	ctx := r.Context()
	if s, ok := sessionkit.FromContext(ctx); ok {
		o, known := t.lookupFound[s.Source]
		if !known {
			o = t.lookupFound["other"]
		}
		t.lookups.Add(ctx, 1, o...)
		return
	}
	if sessionkit.LookupError(ctx) != nil {
		t.lookups.Add(ctx, 1, t.lookupOther[1]...)
		return
	}
	t.lookups.Add(ctx, 1, t.lookupOther[0]...)
}
