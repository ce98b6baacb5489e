package account_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/store/memory"
)

// originAPI is a Handler called directly, so a test sets every header,
// Host included, as a forger would.
type originAPI struct {
	t *testing.T
	h http.Handler
}

func newOriginAPI(t *testing.T, baseURL string, trusted ...string) originAPI {
	t.Helper()
	m, err := sessionkit.New(sessionkit.Config{Secret: apiSecret, BaseURL: baseURL, Store: memory.New()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	a, err := account.New(m, account.Config{TrustedOrigins: trusted, RateLimit: account.RateLimit{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	api := originAPI{t, a.Handler()}
	if rec := api.do("POST", "app.example.com", "/sign-up/email", `{"name":"Ada","email":"ada@example.com","password":"12345678"}`, nil); rec.Code != 200 {
		t.Fatalf("sign-up: %d %s", rec.Code, rec.Body)
	}
	return api
}

func (a originAPI) do(method, host, path, body string, hdr http.Header) *httptest.ResponseRecorder {
	a.t.Helper()
	req := httptest.NewRequest(method, "/api/auth"+path, strings.NewReader(body))
	req.Host = host
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	return rec
}

// cookie signs Ada in as curl would (no cookies, no Origin) and returns the
// Cookie header of her new session.
func (a originAPI) cookie() string {
	a.t.Helper()
	rec := a.do("POST", "app.example.com", "/sign-in/email", `{"email":"ada@example.com","password":"12345678"}`, nil)
	if rec.Code != 200 {
		a.t.Fatalf("sign-in: %d %s", rec.Code, rec.Body)
	}
	return cookieHeader(rec.Result().Cookies())
}

// TestHandlerCallbackURLIgnoresHost checks that a callbackURL is accepted
// for BaseURL's origin and the trusted ones only: a forged Host header
// must not turn sign-in into an open redirect.
func TestHandlerCallbackURLIgnoresHost(t *testing.T) {
	t.Parallel()
	withBase := newOriginAPI(t, "https://app.example.com", "https://admin.example.com")
	noBase := newOriginAPI(t, "")
	tests := []struct {
		name     string
		api      originAPI
		host, cb string
		ok       bool
	}{
		{"forged Host", withBase, "evil.example", "https://evil.example/x", false},
		{"forged Host, no BaseURL", noBase, "evil.example", "https://evil.example/x", false},
		{"Host of the app, no BaseURL", noBase, "app.example.com", "https://app.example.com/x", false},
		{"BaseURL origin", withBase, "evil.example", "https://app.example.com/x", true},
		{"BaseURL origin, default port, capitals", withBase, "app.example.com", "https://APP.example.com:443/x", true},
		{"BaseURL host, other scheme", withBase, "app.example.com", "http://app.example.com/x", false},
		{"trusted origin", withBase, "app.example.com", "https://admin.example.com/x", true},
		{"user info", withBase, "app.example.com", "https://app.example.com@evil.example/x", false},
		{"backslash", withBase, "app.example.com", `https://evil.example\@app.example.com/`, false},
		{"path", noBase, "evil.example", "/dashboard?tab=1", true},
		{"protocol-relative", noBase, "app.example.com", "//evil.example/x", false},
		{"encoded slash", noBase, "app.example.com", "/%2F%2Fevil.example", false},
		{"tab", noBase, "app.example.com", "/\t/evil.example", false},
		{"javascript", withBase, "app.example.com", "javascript:alert(1)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"email":"ada@example.com","password":"12345678","callbackURL":` + strings.ReplaceAll(strings.ReplaceAll(`"`+tt.cb+`"`, `\`, `\\`), "\t", `\t`) + `}`
			rec := tt.api.do("POST", tt.host, "/sign-in/email", body, nil)
			if tt.ok {
				if rec.Code != 200 || rec.Header().Get("Location") != tt.cb {
					t.Fatalf("%d %s, Location %q", rec.Code, rec.Body, rec.Header().Get("Location"))
				}
				return
			}
			if rec.Code != 403 || !strings.Contains(rec.Body.String(), `"code":"INVALID_CALLBACK_URL"`) || rec.Header().Get("Location") != "" {
				t.Fatalf("%d %s, Location %q", rec.Code, rec.Body, rec.Header().Get("Location"))
			}
			if len(rec.Result().Cookies()) != 0 {
				t.Fatal("refused sign-in set cookies")
			}
		})
	}
}

// TestHandlerOriginRules checks Better Auth's origin checks beyond the
// standard library's: cookies need a trusted Origin or Referer, and a login
// with fetch metadata needs one too.
func TestHandlerOriginRules(t *testing.T) {
	t.Parallel()
	const (
		missing   = "MISSING_OR_NULL_ORIGIN"
		invalid   = "INVALID_ORIGIN"
		crossSite = "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED"
	)
	noBase := newOriginAPI(t, "")
	withBase := newOriginAPI(t, "https://app.example.com", "https://admin.example.com")
	signIn := `{"email":"ada@example.com","password":"12345678"}`
	tests := []struct {
		name       string
		api        originAPI
		path, body string
		cookie     bool
		hdr        http.Header
		code       string // "" means allowed
	}{
		// Cookies: every state change needs a trusted Origin or Referer.
		{"cookie, no Origin or Referer", noBase, "/sign-out", "", true, nil, missing},
		{"cookie, Origin null", noBase, "/sign-out", "", true, http.Header{"Origin": {"null"}}, missing},
		{"cookie, fetch metadata, no Origin", noBase, "/sign-out", "", true, http.Header{"Sec-Fetch-Site": {"same-origin"}}, missing},
		{"cookie, foreign Referer", noBase, "/sign-out", "", true, http.Header{"Referer": {"https://evil.example/page"}}, invalid},
		{"cookie, foreign Referer, revoke", noBase, "/revoke-sessions", "", true, http.Header{"Referer": {"https://evil.example/"}}, invalid},
		{"cookie, own Referer", noBase, "/sign-out", "", true, http.Header{"Referer": {"http://app.example.com/settings"}}, ""},
		{"cookie, Origin of the Host but not BaseURL", withBase, "/sign-out", "", true, http.Header{"Origin": {"http://app.example.com"}}, invalid},
		{"cookie, BaseURL origin", withBase, "/sign-out", "", true, http.Header{"Origin": {"https://app.example.com"}}, ""},
		{"cookie, BaseURL Referer", withBase, "/sign-out", "", true, http.Header{"Referer": {"https://app.example.com/x"}}, ""},
		{"cookie, trusted origin", withBase, "/sign-out", "", true, http.Header{"Origin": {"https://admin.example.com"}}, ""},
		{"cookie, null origin from the same origin", noBase, "/sign-out", "", true, http.Header{"Origin": {"null"}, "Sec-Fetch-Site": {"same-origin"}}, ""},
		{"cookie, sign-in without Origin", noBase, "/sign-in/email", signIn, true, nil, missing},
		// Logins without cookies.
		{"cross-site navigation to sign-in", noBase, "/sign-in/email", signIn, false, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Sec-Fetch-Mode": {"navigate"}, "Sec-Fetch-Dest": {"document"}}, crossSite},
		{"cross-site navigation to sign-up", noBase, "/sign-up/email", `{"name":"Mal","email":"mal@example.com","password":"12345678"}`, false, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Sec-Fetch-Mode": {"navigate"}}, crossSite},
		{"sign-in, fetch metadata, no Origin", noBase, "/sign-in/email", signIn, false, http.Header{"Sec-Fetch-Mode": {"cors"}}, missing},
		{"sign-in, fetch metadata, Origin null", noBase, "/sign-in/email", signIn, false, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"null"}}, missing},
		{"sign-in, foreign Referer", noBase, "/sign-in/email", signIn, false, http.Header{"Referer": {"https://evil.example/"}}, invalid},
		{"sign-in, Origin of the Host but not BaseURL", withBase, "/sign-in/email", signIn, false, http.Header{"Origin": {"http://app.example.com"}}, invalid},
		{"sign-in, curl", noBase, "/sign-in/email", signIn, false, nil, ""},
		{"sign-in, curl, BaseURL", withBase, "/sign-in/email", signIn, false, nil, ""},
		{"sign-in, same-origin fetch", withBase, "/sign-in/email", signIn, false, http.Header{"Sec-Fetch-Site": {"same-origin"}, "Sec-Fetch-Mode": {"cors"}, "Origin": {"https://app.example.com"}}, ""},
		{"sign-out without cookies, no Origin", noBase, "/sign-out", "", false, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := http.Header{}
			for k, v := range tt.hdr {
				hdr[k] = v
			}
			if tt.cookie {
				hdr.Set("Cookie", tt.api.cookie())
			}
			rec := tt.api.do("POST", "app.example.com", tt.path, tt.body, hdr)
			if tt.code == "" {
				if rec.Code != 200 {
					t.Fatalf("refused: %d %s", rec.Code, rec.Body)
				}
				return
			}
			if rec.Code != 403 || !strings.Contains(rec.Body.String(), `"code":"`+tt.code+`"`) {
				t.Fatalf("got %d %s, want 403 %s", rec.Code, rec.Body, tt.code)
			}
			if len(rec.Result().Cookies()) != 0 {
				t.Fatal("refused request changed the cookies")
			}
			if tt.cookie {
				get := tt.api.do("GET", "app.example.com", "/get-session", "", http.Header{"Cookie": hdr["Cookie"]})
				if get.Body.String() == "null" {
					t.Fatal("refused request ended the session")
				}
			}
		})
	}
}

// TestHandlerOriginMessages pins Better Auth's exact bodies.
func TestHandlerOriginMessages(t *testing.T) {
	t.Parallel()
	api := newOriginAPI(t, "")
	for hdr, want := range map[string]string{
		"null":     `{"message":"Missing or null Origin","code":"MISSING_OR_NULL_ORIGIN"}`,
		"navigate": `{"message":"Cross-site navigation login blocked. This request appears to be a CSRF attack.","code":"CROSS_SITE_NAVIGATION_LOGIN_BLOCKED"}`,
	} {
		h := http.Header{"Origin": {"null"}, "Cookie": {api.cookie()}}
		path := "/sign-out"
		if hdr == "navigate" {
			h = http.Header{"Sec-Fetch-Site": {"cross-site"}, "Sec-Fetch-Mode": {"navigate"}}
			path = "/sign-in/email"
		}
		rec := api.do("POST", "app.example.com", path, `{"email":"ada@example.com","password":"12345678"}`, h)
		if got := strings.TrimSpace(rec.Body.String()); rec.Code != 403 || got != want {
			t.Errorf("%s: %d %s, want %s", hdr, rec.Code, got, want)
		}
	}
}
