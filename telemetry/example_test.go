package telemetry_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/store/memory"
	"github.com/sessionkit/sessionkit/telemetry"
)

// The three wrappers go where sessionkit's pieces go: the store into the
// Config, the JSON API handler into the mux, and Load in place of
// middleware.Load. Here the metrics are read with the SDK's ManualReader;
// an app passes the MeterProvider of its exporter (Prometheus, OTLP).
func Example() {
	reader := sdkmetric.NewManualReader()
	tel, err := telemetry.New(telemetry.Options{MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := sessionkit.New(sessionkit.Config{
		Secret:      "example-secret-0123456789abcdefghijklmnop",
		Store:       tel.WrapStore(memory.New()),
		CookieCache: sessionkit.CookieCache{Enabled: true, Strategy: "compact"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()

	accounts, err := account.New(auth, account.Config{})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/auth/", tel.Handler(accounts.Handler()))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {})
	app := tel.Load(auth)(mux)

	// A signed-in browser loads two pages: the cache cookie answers both.
	u, _ := accounts.CreateUser(context.Background(), "Ada", "ada@example.com", "")
	rec := httptest.NewRecorder()
	auth.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{})
	for range 2 {
		req := httptest.NewRequest("GET", "/", nil)
		for _, c := range rec.Result().Cookies() {
			req.AddCookie(c)
		}
		app.ServeHTTP(httptest.NewRecorder(), req)
	}

	var rm metricdata.ResourceMetrics
	reader.Collect(context.Background(), &rm)
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if m.Name == "sessionkit.lookups" {
			for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
				src, _ := p.Attributes.Value("sessionkit.lookup.source")
				fmt.Println(m.Name, src.AsString(), p.Value)
			}
		}
	}
	// Output:
	// sessionkit.lookups compact 2
}
