// Package loadbench runs an authenticated request through middleware.Load
// on any store, for the stores' benchmarks: each compares it, in the same
// run, with its raw driver's point lookup.
package loadbench

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store"
)

const secret = "loadbench-secret-0123456789abcdefghijklmnopq"

// cookie returns the Cookie header a browser sends for token: Better
// Auth's signed session_token, made here from the public format.
func cookie(token string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(token))
	sig := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	sig = strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(sig)
	return "better-auth.session_token=" + token + "." + sig
}

// Run measures requests carrying the sessions of tokens, in rotation,
// through middleware.Load on st (cookie cache off, so every request reads
// the store), and fails if one finds no session.
func Run(b *testing.B, st store.Store, tokens []string) {
	b.Helper()
	m, err := sessionkit.New(sessionkit.Config{Secret: secret, Store: st})
	if err != nil {
		b.Fatal(err)
	}
	var found bool
	h := middleware.Load(m)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, found = sessionkit.FromContext(r.Context())
	}))
	reqs := make([]*http.Request, len(tokens))
	for i, tok := range tokens {
		reqs[i] = httptest.NewRequest("GET", "/", nil)
		reqs[i].Header.Set("Cookie", cookie(tok))
	}
	w := discard{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := CPU(b)
	for i := 0; b.Loop(); i++ {
		h.ServeHTTP(w, reqs[i%len(reqs)])
		if !found {
			b.Fatal("no session")
		}
	}
	ReportCPU(b, cpu)
}

// discard is a ResponseWriter that keeps nothing, so the benchmark
// measures Load and not a recorder.
type discard struct{ h http.Header }

func (d discard) Header() http.Header         { return d.h }
func (d discard) Write(p []byte) (int, error) { return len(p), nil }
func (d discard) WriteHeader(int)             {}
