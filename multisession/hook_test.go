package multisession_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
)

// outer is an app's handler around the JSON API that sets a header and a
// cookie of its own before the API runs.
func outer(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Outer", "kept")
		w.Header().Add("Set-Cookie", "app=1; Path=/")
		api.ServeHTTP(w, r)
	})
}

func signInRequest(e *env, b *browser, email string) *http.Request {
	raw, _ := json.Marshal(map[string]any{"email": email, "password": password})
	r := httptest.NewRequest("POST", e.base+"/api/auth/sign-in/email", bytes.NewReader(raw))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Origin", e.base)
	r.RemoteAddr = "192.0.2.1:1234"
	if len(b.vals) > 0 {
		r.Header.Set("Cookie", b.header())
	}
	return r
}

// TestHookAnswerHeaders: the hook runs as the endpoint sends its status,
// on the endpoint's own Set-Cookie lines. When it succeeds, the headers set
// before the API ran are kept beside the endpoint's and the hook's; when it
// fails, the 503 keeps those headers and none of the endpoint's, and none
// of the endpoint's body.
func TestHookAnswerHeaders(t *testing.T) {
	e := newEnv(t, envOpts{})
	ada := e.user("Ada")
	h := outer(e.api)

	b := newBrowser()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, signInRequest(e, b, ada))
	set := w.Result().Header.Values("Set-Cookie")
	token, _, _ := e.m.CookieNames()
	multi := slices.ContainsFunc(set, func(l string) bool { return strings.HasPrefix(l, token+"_multi-") })
	if w.Code != 200 || w.Header().Get("X-Outer") != "kept" || set[0] != "app=1; Path=/" || !multi {
		t.Fatalf("sign-in through an outer handler: %d %v %q", w.Code, w.Header(), set)
	}
	b.apply(set)
	t1 := e.active(b)

	e.st.setFailRead(t1) // the hook cannot tell whose the browser's session is
	w = httptest.NewRecorder()
	h.ServeHTTP(w, signInRequest(e, b, ada))
	set = w.Result().Header.Values("Set-Cookie")
	if w.Code != 503 || w.Header().Get("X-Outer") != "kept" || !slices.Equal(set, []string{"app=1; Path=/"}) {
		t.Fatalf("hook failing: %d %v %q", w.Code, w.Header(), set)
	}
	if !strings.Contains(w.Body.String(), sessionkit.CodeStoreUnavailable) || strings.Contains(w.Body.String(), "token") {
		t.Fatalf("hook failing: the body is %s", w.Body.String())
	}
	e.st.setFailRead()
}

// TestGetSessionAllocs: the plugin's hook adds at most one allocation to
// get-session, the JSON API's most frequent call (it used to hold every
// answer in a recorder: four).
func TestGetSessionAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	e := newEnv(t, envOpts{cfg: sessionkit.Config{CookieCache: sessionkit.CookieCache{Enabled: true, Strategy: "compact"}}})
	b := newBrowser()
	e.signIn(b, e.user("Ada"))
	e.signIn(b, e.user("Bob"))
	e.do(b, "GET", "/get-session", nil) // the cache cookie
	plain, err := account.New(e.m, account.Config{RateLimit: account.RateLimit{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", e.base+"/api/auth/get-session", nil)
	r.Header.Set("Cookie", b.header())
	allocs := func(h http.Handler) float64 {
		return testing.AllocsPerRun(200, func() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 200 || len(w.Result().Cookies()) != 0 {
				t.Fatalf("get-session: %d %v", w.Code, w.Result().Cookies())
			}
		})
	}
	without, with := allocs(plain.Handler()), allocs(e.api)
	t.Logf("get-session allocations: %v without the plugin, %v with it", without, with)
	if with > without+1 {
		t.Errorf("the plugin adds %v allocations to get-session, want at most 1", with-without)
	}
}
