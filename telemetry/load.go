package telemetry

import (
	"context"
	"net/http"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
)

// Kinds of lookup: an index into lookupKinds and Telemetry.lookups.
const (
	kindStore = iota
	kindCompact
	kindJWT
	kindJWE
	kindSecureCookie
	kindOther // a found session from a strategy added later: the series stay fixed
	kindNone
	kindError
	numLookupKinds
)

// lookupKinds are the attribute values of each kind.
var lookupKinds = [numLookupKinds]struct{ source, outcome string }{
	{sessionkit.SourceStore, "found"}, {"compact", "found"}, {"jwt", "found"}, {"jwe", "found"},
	{"securecookie", "found"}, {"other", "found"}, {"none", "none"}, {"none", "error"},
}

// paddedCount is a counter on a cache line of its own, so that cores
// counting different kinds do not contend.
type paddedCount struct {
	atomic.Int64
	_ [56]byte
}

// Load is middleware.Load(m) that also counts every lookup in
// sessionkit.lookups, by what answered and its outcome. Use it in place of
// middleware.Load, not beside it: it reads the session once, as Load does.
//
// A lookup costs one atomic add: the counts are handed to OpenTelemetry
// when metrics are collected, so the request path allocates nothing and
// never enters the SDK.
func (t *Telemetry) Load(m *sessionkit.Manager) func(http.Handler) http.Handler {
	load := middleware.Load(m)
	return func(next http.Handler) http.Handler {
		return load(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t.lookups[lookupKind(r.Context())].Add(1)
			next.ServeHTTP(w, r)
		}))
	}
}

// lookupKind reads the outcome Load put in ctx.
func lookupKind(ctx context.Context) int {
	s, ok := sessionkit.FromContext(ctx)
	if !ok {
		if sessionkit.LookupError(ctx) != nil {
			return kindError
		}
		return kindNone
	}
	switch s.Source {
	case sessionkit.SourceStore:
		return kindStore
	case "compact":
		return kindCompact
	case "jwt":
		return kindJWT
	case "jwe":
		return kindJWE
	case "securecookie":
		return kindSecureCookie
	}
	return kindOther
}

// registerLookups publishes the counts as the sessionkit.lookups counter.
func (t *Telemetry) registerLookups(meter metric.Meter) error {
	var opts [numLookupKinds][]metric.ObserveOption
	for k, kind := range lookupKinds {
		set := attribute.NewSet(keyLookupSource.String(kind.source), keyLookupOutcome.String(kind.outcome))
		opts[k] = []metric.ObserveOption{metric.WithAttributeSet(set)}
	}
	_, err := meter.Int64ObservableCounter("sessionkit.lookups", metric.WithUnit("{lookup}"),
		metric.WithDescription("Session lookups by middleware.Load, by what answered and outcome."),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			for k := range t.lookups {
				if n := t.lookups[k].Load(); n > 0 {
					o.Observe(n, opts[k]...)
				}
			}
			return nil
		}))
	return err
}
