package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/postgres"
	"github.com/sessionkit/sessionkit/store/secondary"
	"github.com/sessionkit/sessionkit/store/sqlite"
	"github.com/sessionkit/sessionkit/telemetry"
)

// observer instruments the app with package telemetry and serves the
// metrics for Prometheus (-metrics-addr). A nil observer leaves the app
// bare.
type observer struct {
	tel  *telemetry.Telemetry
	mp   *sdkmetric.MeterProvider
	srv  *http.Server
	addr net.Addr // where /metrics is served
}

// startMetrics serves OpenTelemetry's Prometheus exporter at
// http://o.metricsAddr/metrics, on a listener of its own so the metrics
// are never reachable where the app is. It returns st (which run opens
// itself with -metrics-addr, rather than leave it to the Manager) wrapped
// for store metrics and spans. Without -metrics-addr it returns a nil
// observer and st as it is.
func startMetrics(o options, st store.Store, log *slog.Logger) (*observer, store.Store, error) {
	if o.metricsAddr == "" {
		return nil, st, nil
	}
	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, st, err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	tel, err := telemetry.New(telemetry.Options{MeterProvider: mp, Sessions: sessionCounter(st)})
	if err != nil {
		return nil, st, err
	}
	ln, err := net.Listen("tcp", o.metricsAddr)
	if err != nil {
		return nil, st, fmt.Errorf("-metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError)}))
	obs := &observer{tel: tel, mp: mp, srv: newHTTPServer(mux, serverTimeouts), addr: ln.Addr()}
	go func() {
		if err := obs.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", "err", err)
		}
	}()
	log.Info("metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	return obs, tel.WrapStore(st), nil
}

// Close stops serving the metrics.
func (obs *observer) Close() error {
	if obs == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(obs.srv.Shutdown(ctx), obs.mp.Shutdown(ctx))
}

// load is middleware.Load, counting lookups when metrics are on.
func (obs *observer) load(m *sessionkit.Manager) func(http.Handler) http.Handler {
	if obs == nil {
		return middleware.Load(m)
	}
	return obs.tel.Load(m)
}

// api is the JSON API handler, counting sign-in outcomes when metrics are on.
func (obs *observer) api(h http.Handler) http.Handler {
	if obs == nil {
		return h
	}
	return obs.tel.Handler(h)
}

// sessionCounter counts the live sessions of the database behind st, or
// returns nil when it cannot.
func sessionCounter(st store.Store) telemetry.SessionCounter {
	if sec, ok := st.(*secondary.Store); ok {
		st = sec.Primary()
	}
	switch db := st.(type) {
	case *sqlite.Store:
		return telemetry.SQLiteSessions(db)
	case *postgres.Store:
		return postgresSessions{db}
	}
	return nil
}

// postgresSessions counts a PostgreSQL store's live sessions.
type postgresSessions struct{ s *postgres.Store }

func (p postgresSessions) CountSessions(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := p.s.Pool().QueryRow(ctx, `SELECT count(*) FROM "session" WHERE "expiresAt" > $1`, now).Scan(&n)
	return n, err
}
