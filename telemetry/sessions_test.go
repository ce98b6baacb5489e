package telemetry_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/sqlite"
	"github.com/sessionkit/sessionkit/store/storetest"
	"github.com/sessionkit/sessionkit/telemetry"
)

// TestActiveSessions: the gauge reads the live sessions of the SQLite
// store at each collection (under its renamed tables too), leaving out
// expired ones; when the count fails there is no reading rather than a
// wrong one.
func TestActiveSessions(t *testing.T) {
	t.Parallel()
	for name, schema := range map[string]store.Schema{"default": {}, "Drizzle": storetest.DrizzleSchema()} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testActiveSessions(t, schema)
		})
	}
}

func testActiveSessions(t *testing.T, schema store.Schema) {
	db, err := sqlite.OpenWith(filepath.Join(t.TempDir(), "gauge.db"), sqlite.Options{SweepInterval: -1, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, telemetry.SQLiteSessions(db))
	ctx := context.Background()
	now := store.Truncate(time.Now())
	if err := db.CreateUser(ctx, store.User{ID: "u1", Name: "Ada", Email: "ada@example.com", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	for i, expires := range []time.Duration{time.Hour, 2 * time.Hour, -time.Minute} {
		s := store.Session{ID: string(rune('a' + i)), Token: store.NewID(), UserID: "u1", ExpiresAt: now.Add(expires), CreatedAt: now, UpdatedAt: now}
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	gauge := func() (int64, int) {
		m, ok, _ := h.metric(t, "sessionkit.sessions.active")
		if !ok {
			return 0, 0
		}
		g := m.Data.(metricdata.Gauge[int64])
		if len(g.DataPoints) == 0 {
			return 0, 0
		}
		return g.DataPoints[0].Value, len(g.DataPoints)
	}
	if n, points := gauge(); n != 2 || points != 1 {
		t.Errorf("active sessions: %d (%d points), want 2", n, points)
	}
	db.Close()
	if _, _, err := h.metric(t, "sessionkit.sessions.active"); err == nil {
		t.Error("a failed count was not reported to the reader")
	}
	if n, points := gauge(); points != 0 {
		t.Errorf("after the store closed: %d (%d points), want no reading", n, points)
	}
}
