package main

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
)

// curlLine is the dashboard's curl line: the token and the URL.
var curlLine = regexp.MustCompile(`curl -H 'Authorization: Bearer ([^']+)' (\S+)</code>`)

// tokenField is the token's input field.
var tokenField = regexp.MustCompile(`id="api-token-value" readonly value="([^"]+)"`)

// TestAPITokenPanel: with -bearer the dashboard shows the session's API
// token and a curl line; what the curl line sends reads the session from
// the app's get-session, and stops once the session is signed out.
// Without -bearer there is no panel and the token is no credential.
func TestAPITokenPanel(t *testing.T) {
	t.Parallel()
	srv := newServer(t, newTestClock(), sessionkit.Config{Bearer: sessionkit.Bearer{Enabled: true}})
	c := newClient(t, srv)
	c.signUp("Ada", "ada@example.com")
	code, _, body := c.do("GET", "/dashboard", nil)
	m, f := curlLine.FindStringSubmatch(body), tokenField.FindStringSubmatch(body)
	if code != 200 || m == nil || f == nil {
		t.Fatalf("dashboard with -bearer: %d, no API token panel in\n%s", code, body)
	}
	token, endpoint := html.UnescapeString(m[1]), m[2]
	if endpoint != srv.URL+"/api/auth/get-session" || html.UnescapeString(f[1]) != token {
		t.Fatalf("curl line %q, token field %q: want the same token, and the app's get-session", m[0], f[0])
	}
	if res := getWithBearer(t, endpoint, token); res == nil || res.User.Email != "ada@example.com" {
		t.Fatalf("the curl line's request: %+v, want Ada's session", res)
	}
	// The copy buttons' script is the app's own (CSP script-src 'self').
	if res, err := http.Get(srv.URL + "/static/copy.js"); err != nil || res.StatusCode != 200 {
		t.Fatalf("copy.js: %v %v", res, err)
	}
	if code, _, _ := c.do("POST", "/sign-out", nil); code != 303 {
		t.Fatalf("sign-out: %d", code)
	}
	if res := getWithBearer(t, endpoint, token); res != nil {
		t.Fatalf("the token after sign-out: %+v", res)
	}

	off := newServer(t, newTestClock(), sessionkit.Config{})
	d := newClient(t, off)
	d.signUp("Ada", "ada@example.com")
	if _, _, body := d.do("GET", "/dashboard", nil); strings.Contains(body, "API token") || strings.Contains(body, "Bearer") {
		t.Fatalf("dashboard without -bearer shows a token:\n%s", body)
	}
}

// getWithBearer is the curl line: GET url with the bearer token, and the
// session it answers (nil for JSON null).
func getWithBearer(t *testing.T, url, token string) *struct{ User struct{ Email string } } {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out *struct{ User struct{ Email string } }
	if res.StatusCode != 200 || json.Unmarshal(b, &out) != nil {
		t.Fatalf("get-session with the token: %d %s", res.StatusCode, b)
	}
	return out
}

// TestBearerFlag: -bearer (env BEARER) turns bearer tokens on.
func TestBearerFlag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want bool
	}{
		{nil, nil, false},
		{[]string{"-bearer"}, nil, true},
		{nil, map[string]string{"BEARER": "true"}, true},
	} {
		o, err := parseFlags(tc.args, func(k string) string { return tc.env[k] })
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := o.config()
		if err != nil || cfg.Bearer.Enabled != tc.want {
			t.Errorf("%v %v: Bearer.Enabled %v, %v; want %v", tc.args, tc.env, cfg.Bearer.Enabled, err, tc.want)
		}
	}
}
