package telemetry

import (
	"fmt"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of every instrument and span.
const ScopeName = "github.com/sessionkit/sessionkit/telemetry"

// Options configures New. The zero value uses the global providers and
// reports no session count.
type Options struct {
	// MeterProvider creates the instruments. Nil means
	// otel.GetMeterProvider().
	MeterProvider metric.MeterProvider
	// TracerProvider creates the store spans. Nil means
	// otel.GetTracerProvider().
	TracerProvider trace.TracerProvider
	// Sessions, when set, counts live sessions for the
	// sessionkit.sessions.active gauge at each collection (SQLiteSessions
	// for the SQLite store). Nil means no gauge.
	Sessions SessionCounter
}

// Telemetry holds the instruments. Create it with New; it is safe for
// concurrent use.
type Telemetry struct {
	tracer     trace.Tracer
	lookups    [numLookupKinds]paddedCount // read by the sessionkit.lookups callback
	storeTime  metric.Float64Histogram
	authReqs   metric.Int64Counter
	rejections metric.Int64Counter

	// Attribute sets built once, so recording allocates nothing for them.
	storeOpts  [numOps][numStoreOutcomes][]metric.RecordOption
	authOpts   map[string]map[int][]metric.AddOption // endpoint, status
	rejectOpts map[string][]metric.AddOption         // endpoint
}

// Attribute keys.
const (
	keyLookupSource   = attribute.Key("sessionkit.lookup.source")
	keyLookupOutcome  = attribute.Key("sessionkit.lookup.outcome")
	keyStoreOperation = attribute.Key("sessionkit.store.operation")
	keyStoreOutcome   = attribute.Key("sessionkit.store.outcome")
	keyAuthEndpoint   = attribute.Key("sessionkit.auth.endpoint")
	keyAuthOutcome    = attribute.Key("sessionkit.auth.outcome")
	keyHTTPStatus     = attribute.Key("http.response.status_code")
)

// New creates the instruments from o's providers.
func New(o Options) (*Telemetry, error) {
	mp, tp := o.MeterProvider, o.TracerProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	meter := mp.Meter(ScopeName)
	t := &Telemetry{tracer: tp.Tracer(ScopeName)}
	var err error
	if err := t.registerLookups(meter); err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	if t.storeTime, err = meter.Float64Histogram("sessionkit.store.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of session store calls."),
		metric.WithExplicitBucketBoundaries(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)); err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	if t.authReqs, err = meter.Int64Counter("sessionkit.auth.requests", metric.WithUnit("{request}"),
		metric.WithDescription("Answers of the JSON API's sign-in and sign-up endpoints.")); err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	if t.rejections, err = meter.Int64Counter("sessionkit.rate_limit.rejections", metric.WithUnit("{request}"),
		metric.WithDescription("Requests of the JSON API refused by rate limiting (429).")); err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	if o.Sessions != nil {
		if err := registerSessionGauge(meter, o.Sessions); err != nil {
			return nil, fmt.Errorf("telemetry: %w", err)
		}
	}
	t.buildAttributeSets()
	return t, nil
}

func addOpt(kvs ...attribute.KeyValue) []metric.AddOption {
	return []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(kvs...))}
}

func (t *Telemetry) buildAttributeSets() {
	for op := range numOps {
		for out := range numStoreOutcomes {
			set := attribute.NewSet(keyStoreOperation.String(opNames[op]), keyStoreOutcome.String(storeOutcomes[out]))
			t.storeOpts[op][out] = []metric.RecordOption{metric.WithAttributeSet(set)}
		}
	}

	t.authOpts = map[string]map[int][]metric.AddOption{}
	for _, ep := range loginEndpoints {
		byStatus := map[int][]metric.AddOption{}
		for status, outcome := range authOutcomes {
			byStatus[status] = addOpt(keyAuthEndpoint.String(ep), keyAuthOutcome.String(outcome), keyHTTPStatus.Int(status))
		}
		t.authOpts[ep] = byStatus
	}
	t.rejectOpts = map[string][]metric.AddOption{}
	for _, ep := range append(apiEndpoints, "other") {
		t.rejectOpts[ep] = addOpt(keyAuthEndpoint.String(ep))
	}
}
