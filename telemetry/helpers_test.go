package telemetry_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/telemetry"
)

const secret = "telemetry-test-secret-0123456789abcdefghij"

// harness reads what a Telemetry emitted, with the SDK's in-memory reader
// and span exporter.
type harness struct {
	tel    *telemetry.Telemetry
	reader *sdkmetric.ManualReader
	spans  *tracetest.InMemoryExporter
	tracer trace.Tracer // the test's own spans
}

func newHarness(t testing.TB, sessions telemetry.SessionCounter) *harness {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	t.Cleanup(func() { mp.Shutdown(context.Background()); tp.Shutdown(context.Background()) })
	tel, err := telemetry.New(telemetry.Options{MeterProvider: mp, TracerProvider: tp, Sessions: sessions})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{tel: tel, reader: reader, spans: spans, tracer: tp.Tracer("test")}
}

// metric returns the named metric of the last collection, or false.
func (h *harness) metric(t testing.TB, name string) (metricdata.Metrics, bool, error) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	err := h.reader.Collect(context.Background(), &rm)
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != telemetry.ScopeName {
			t.Errorf("scope %q", sm.Scope.Name)
		}
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m, true, err
			}
		}
	}
	return metricdata.Metrics{}, false, err
}

// has reports whether set holds every one of kvs.
func has(set attribute.Set, kvs []attribute.KeyValue) bool {
	for _, kv := range kvs {
		if v, ok := set.Value(kv.Key); !ok || v != kv.Value {
			return false
		}
	}
	return true
}

// count sums the named counter's points that carry every one of kvs.
func (h *harness) count(t testing.TB, name string, kvs ...attribute.KeyValue) int64 {
	t.Helper()
	m, ok, _ := h.metric(t, name)
	if !ok {
		return 0
	}
	sum, isSum := m.Data.(metricdata.Sum[int64])
	if !isSum {
		t.Fatalf("%s is %T", name, m.Data)
	}
	var n int64
	for _, p := range sum.DataPoints {
		if has(p.Attributes, kvs) {
			n += p.Value
		}
	}
	return n
}

// observations counts the named histogram's recordings that carry every
// one of kvs.
func (h *harness) observations(t testing.TB, name string, kvs ...attribute.KeyValue) uint64 {
	t.Helper()
	m, ok, _ := h.metric(t, name)
	if !ok {
		return 0
	}
	hist, isHist := m.Data.(metricdata.Histogram[float64])
	if !isHist {
		t.Fatalf("%s is %T", name, m.Data)
	}
	var n uint64
	for _, p := range hist.DataPoints {
		if has(p.Attributes, kvs) {
			n += p.Count
		}
	}
	return n
}

func str(k, v string) attribute.KeyValue { return attribute.String(k, v) }

// failing is a store whose session and user reads fail, as a database
// that went away does.
type failing struct{ store.Store }

var errDown = errors.New("database down")

func (failing) SessionByToken(context.Context, string) (store.Session, store.User, error) {
	return store.Session{}, store.User{}, errDown
}

func (failing) UserByEmail(context.Context, string) (store.User, error) {
	return store.User{}, errDown
}

// post sends a JSON body to h with cookies and returns the recorder.
func post(h http.Handler, path, body string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// signedIn starts a session of a new user on m and returns its cookies.
func signedIn(t testing.TB, m *sessionkit.Manager) []*http.Cookie {
	t.Helper()
	now := m.Now()
	u := store.User{ID: store.NewID(), Name: "Ada", Email: "ada@example.com", CreatedAt: now, UpdatedAt: now}
	if err := m.Store().CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if _, err := m.SignIn(rec, httptest.NewRequest(http.MethodPost, "/", nil), u.ID, sessionkit.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	return rec.Result().Cookies()
}
