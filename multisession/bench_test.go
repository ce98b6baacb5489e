package multisession_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
)

// BenchmarkGetSession is the JSON API's get-session of a browser with two
// accounts, without the plugin and with it (its hook reads the answer's
// Set-Cookie lines as the answer is sent): the cost the plugin adds to the
// most frequent API call. Cache on, so the store is not what is measured.
func BenchmarkGetSession(b *testing.B) {
	e := newEnv(b, envOpts{cfg: sessionkit.Config{CookieCache: sessionkit.CookieCache{Enabled: true, Strategy: "compact"}}})
	br := newBrowser()
	e.signIn(br, e.user("Ada"))
	e.signIn(br, e.user("Bob"))
	e.do(br, "GET", "/get-session", nil) // the cache cookie
	plain, err := account.New(e.m, account.Config{RateLimit: account.RateLimit{Disabled: true}})
	if err != nil {
		b.Fatal(err)
	}
	cookie := br.header()
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"plain", plain.Handler()}, {"multisession", e.api}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			r := httptest.NewRequest("GET", e.base+"/api/auth/get-session", nil)
			r.Header.Set("Cookie", cookie)
			for b.Loop() {
				w := httptest.NewRecorder()
				bc.h.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
