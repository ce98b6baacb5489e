package multisession_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/multisession"
)

// TestRateLimited: the plugin's endpoints count against the JSON API's
// per-address limit, Better Auth's default rule (100 per 10 seconds).
func TestRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{rate: true})
	for _, path := range []string{multisession.PathList, multisession.PathSetActive} {
		method := "GET"
		var body any
		if path == multisession.PathSetActive {
			method, body = "POST", map[string]any{"sessionToken": "x"}
		}
		for i := range 100 {
			if res := e.do(nil, method, path, body); res.status == 429 {
				t.Fatalf("%s: refused at request %d", path, i+1)
			}
		}
		res := e.do(nil, method, path, body)
		if res.status != 429 || res.body != `{"message":"Too many requests. Please try again later."}` {
			t.Fatalf("%s: request 101: %d %s", path, res.status, res.body)
		}
	}
}

// TestManyMultiCookies: a request with thousands of multi cookies costs at
// most 2 × MaximumSessions signature checks and store reads, and is
// answered; the sign-in hook adds no cookie past the maximum.
func TestManyMultiCookies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	b := newBrowser()
	e.signIn(b, e.user("Ada"))
	valid := b.header()
	// 5000 validly signed cookies of unknown tokens: each would be a
	// store read if read at all.
	var parts []string
	for i := range 5000 {
		tok := fmt.Sprintf("tok%029d", i)
		c := e.m.SignedCookie(e.p.CookieName(tok), tok, e.m.ExpiresIn())
		parts = append(parts, c.Name+"="+c.Value)
	}
	r, _ := http.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", strings.Join(parts, "; ")+"; "+valid)
	before := e.st.reads.Load()
	list, err := e.p.List(r)
	if err != nil {
		t.Fatal(err)
	}
	if reads := e.st.reads.Load() - before; reads > 2*multisession.DefaultMaximumSessions {
		t.Fatalf("%d store reads for one list", reads)
	}
	if len(list) != 0 {
		t.Fatalf("listed %d sessions; the valid one is past the read limit", len(list))
	}
	// A sign-in with them: signed in, no multi cookie (past the maximum).
	bob := e.user("Bob")
	r, _ = http.NewRequest("POST", "/", nil)
	r.Header.Set("Cookie", strings.Join(parts, "; "))
	w := &headerRecorder{h: http.Header{}}
	u, _ := e.m.Store().UserByEmail(context.Background(), bob)
	before = e.st.reads.Load()
	s, err := e.p.SignIn(w, r, u.ID, sessionkit.SignInOptions{KeepPrevious: true})
	if err != nil {
		t.Fatal(err)
	}
	if reads := e.st.reads.Load() - before; reads > 2*multisession.DefaultMaximumSessions {
		t.Fatalf("%d store reads for one sign-in", reads)
	}
	for _, line := range w.h.Values("Set-Cookie") {
		if strings.HasPrefix(line, e.p.CookieName(s.Session.Token)) {
			t.Fatalf("a multi cookie past the maximum: %s", line)
		}
	}
}

// TestPluginConfig: account.New refuses plugin endpoints it cannot serve.
func TestPluginConfig(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	h := http.NotFoundHandler()
	for name, eps := range map[string][]account.Endpoint{
		"a built-in path":  {{Method: "GET", Path: "/get-session", Handler: h}},
		"twice":            {{Method: "GET", Path: "/x", Handler: h}, {Method: "GET", Path: "/x", Handler: h}},
		"no leading slash": {{Method: "GET", Path: "x", Handler: h}},
		"no handler":       {{Method: "GET", Path: "/x"}},
	} {
		_, err := account.New(e.m, account.Config{Plugins: []account.Plugin{fixedPlugin(eps)}})
		if err == nil {
			t.Fatalf("%s: accepted", name)
		}
	}
	// The plugin twice serves its paths twice.
	if _, err := account.New(e.m, account.Config{Plugins: []account.Plugin{e.p, e.p}}); err == nil {
		t.Fatal("the plugin twice: accepted")
	}
}

type fixedPlugin []account.Endpoint

func (f fixedPlugin) Endpoints() []account.Endpoint                 { return f }
func (f fixedPlugin) Wrap(_ string, next http.Handler) http.Handler { return next }

// FuzzReadCookies: any Cookie header is read without a panic; List never
// errs on it, and reads the store at most 2 × MaximumSessions times.
func FuzzReadCookies(f *testing.F) {
	e := newEnv(f, envOpts{})
	good := e.m.SignedCookie(e.p.CookieName("abcDEF123"), "abcDEF123", e.m.ExpiresIn())
	for _, seed := range []string{
		"",
		good.Name + "=" + good.Value,
		good.Name + "=\"" + good.Value + "\"; " + good.Name + "=x",
		"better-auth.session_token_multi-=x; better-auth.session_token_multi-a=; =; ;;",
		"better-auth.session_token_multi-abc=abc.%ZZ; better-auth.session_token=x.y",
		strings.Repeat("better-auth.session_token_multi-a=b;", 50),
		"better-auth.session_token_multi-" + strings.Repeat("a", 70) + "=v",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, cookie string) {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", cookie)
		before := e.st.reads.Load()
		list, err := e.p.List(r)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 0 {
			t.Fatalf("listed %d sessions of a made-up header", len(list))
		}
		if reads := e.st.reads.Load() - before; reads > 2*multisession.DefaultMaximumSessions {
			t.Fatalf("%d store reads", reads)
		}
	})
}
