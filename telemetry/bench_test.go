package telemetry_test

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store/memory"
)

// discard is a ResponseWriter that keeps nothing, so the benchmarks
// measure Load and not a recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// cacheHit returns a request whose session the compact cookie cache
// answers, and the Load middlewares without and with telemetry.
func cacheHit(tb testing.TB) (req *http.Request, off, on http.Handler) {
	h := newHarness(tb, nil)
	m, err := sessionkit.New(sessionkit.Config{Secret: secret, Store: memory.New(),
		CookieCache: sessionkit.CookieCache{Enabled: true, Strategy: "compact"}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Close() })
	req = httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range signedIn(tb, m) {
		req.AddCookie(c)
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s, ok := sessionkit.FromContext(r.Context()); !ok || s.Source != "compact" {
			tb.Fatal("not a compact cache hit")
		}
	})
	return req, middleware.Load(m)(app), h.tel.Load(m)(app)
}

// BenchmarkLoad measures a compact cache hit through middleware.Load and
// through telemetry's Load, for their allocations (b.ReportAllocs). Their
// times are compared by BenchmarkLoadOverhead, which interleaves them.
func BenchmarkLoad(b *testing.B) {
	req, off, on := cacheHit(b)
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"telemetry=off", off}, {"telemetry=on", on}} {
		b.Run(c.name, func(b *testing.B) {
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				c.h.ServeHTTP(w, req)
			}
		})
	}
}

// BenchmarkLoadOverhead runs a compact cache hit through middleware.Load
// and through telemetry's Load in alternating blocks of the same loop, so
// that a machine busy with other work slows both alike, and reports the
// time of each and their ratio (on/off):
//
//	go test -run '^$' -bench LoadOverhead -count 6
func BenchmarkLoadOverhead(b *testing.B) {
	req, off, on := cacheHit(b)
	w := &discard{h: http.Header{}}
	const block = 16
	var tOff, tOn time.Duration
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range []struct {
			h http.Handler
			t *time.Duration
		}{{off, &tOff}, {on, &tOn}} {
			start := time.Now()
			for range block {
				clear(w.h)
				c.h.ServeHTTP(w, req)
			}
			*c.t += time.Since(start)
		}
		n += block
	}
	b.ReportMetric(float64(tOff.Nanoseconds())/float64(n), "off-ns/hit")
	b.ReportMetric(float64(tOn.Nanoseconds())/float64(n), "on-ns/hit")
	b.ReportMetric(float64(tOn)/float64(tOff), "on/off")
}

// TestLoadAllocatesNothing: counting a lookup adds no allocation to a
// cache hit. The two are measured in alternating blocks and compared per
// request, so that allocations elsewhere (a background goroutine's) fall
// on both alike: one allocation per request
// would show as 1, none shows as about 0.
func TestLoadAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector (run without -race: .ci/run does)")
	}
	req, off, on := cacheHit(t)
	w := &discard{h: http.Header{}}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var ms runtime.MemStats
	mallocs := func(h http.Handler, n int) uint64 {
		runtime.ReadMemStats(&ms)
		before := ms.Mallocs
		for range n {
			clear(w.h)
			h.ServeHTTP(w, req)
		}
		runtime.ReadMemStats(&ms)
		return ms.Mallocs - before
	}
	mallocs(on, 10) // warm up
	mallocs(off, 10)
	const rounds, block = 20, 100
	var mOff, mOn uint64
	for range rounds {
		mOff += mallocs(off, block)
		mOn += mallocs(on, block)
	}
	perOff, perOn := float64(mOff)/(rounds*block), float64(mOn)/(rounds*block)
	if perOn-perOff > 0.25 {
		t.Errorf("a compact cache hit allocates %.2f times with telemetry, %.2f without", perOn, perOff)
	}
}

// TestLoadAllocs guards what a compact cache hit through middleware.Load
// allocates: the Session, the session state (the request context) and the
// request copy. The Lookup stays on the stack: Load is built here, in the
// caller, as an application builds it (see middleware's loader).
func TestLoadAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector (run without -race: .ci/run does)")
	}
	req, off, _ := cacheHit(t)
	w := &discard{h: http.Header{}}
	const most = 3
	got := testing.AllocsPerRun(200, func() {
		clear(w.h)
		off.ServeHTTP(w, req)
	})
	if got > most {
		t.Errorf("a compact cache hit through middleware.Load allocates %v times, want at most %d", got, most)
	}
}
