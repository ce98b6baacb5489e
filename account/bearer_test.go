package account_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
)

// bearerClient is an API client as a mobile app or a CLI is: no cookie
// jar, no Origin, no fetch metadata; it keeps the Set-Auth-Token of its
// sign-in and sends it as "Authorization: Bearer".
func (e *apiEnv) bearerClient() *apiClient {
	return &apiClient{e: e, hc: &http.Client{}, hdr: http.Header{}}
}

// keep stores r's Set-Auth-Token as the client's credential.
func (c *apiClient) keep(r apiResponse) {
	c.e.t.Helper()
	tok := r.header.Get("Set-Auth-Token")
	if tok == "" {
		c.e.t.Fatalf("no Set-Auth-Token: %d %v %s", r.status, r.header, r.body)
	}
	c.hdr.Set("Authorization", "Bearer "+tok)
}

// TestBearerAPI: a client with nothing but its bearer token uses every
// endpoint of the JSON API; sign-up, sign-in and a change of password
// that ends the other sessions hand it its token.
func TestBearerAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, sessionkit.Config{Bearer: sessionkit.Bearer{Enabled: true}}, account.Config{})
	const pw, pw2 = "correct horse battery", "another horse battery"
	phone, cli := e.bearerClient(), e.bearerClient()

	r := phone.post("/sign-up/email", `{"name":"Ada","email":"ada@example.com","password":"`+pw+`"}`)
	if r.status != 200 || r.header.Get("Access-Control-Expose-Headers") != "set-auth-token" {
		t.Fatalf("sign-up: %d %v %s", r.status, r.header, r.body)
	}
	phone.keep(r)
	var up struct{ Token string }
	r.decode(t, &up)
	if !strings.HasPrefix(r.header.Get("Set-Auth-Token"), up.Token+".") {
		t.Fatalf("Set-Auth-Token %q is not the signed %q", r.header.Get("Set-Auth-Token"), up.Token)
	}
	r = cli.post("/sign-in/email", `{"email":"ada@example.com","password":"`+pw+`"}`)
	if r.status != 200 {
		t.Fatalf("sign-in: %d %s", r.status, r.body)
	}
	cli.keep(r)
	var in struct{ Token string }
	r.decode(t, &in)

	var got struct {
		Session apiSession
		User    apiUser
	}
	if r = phone.get("/get-session"); r.status != 200 {
		t.Fatalf("get-session: %d %s", r.status, r.body)
	}
	r.decode(t, &got)
	if got.Session.Token != up.Token || got.User.Email != "ada@example.com" {
		t.Fatalf("get-session with the bearer token: %s", r.body)
	}
	if r = cli.get("/list-sessions"); r.status != 200 || strings.Count(r.body, `"token"`) != 2 {
		t.Fatalf("list-sessions: %d %s", r.status, r.body)
	}
	if r = phone.post("/update-user", `{"name":"Ada King"}`); r.status != 200 {
		t.Fatalf("update-user: %d %s", r.status, r.body)
	}
	if r = phone.post("/update-session", `{}`); r.status != 400 {
		t.Fatalf("update-session: %d %s", r.status, r.body)
	}
	// The phone ends the CLI's session by its token.
	if r = phone.post("/revoke-session", `{"token":"`+in.Token+`"}`); r.status != 200 {
		t.Fatalf("revoke-session: %d %s", r.status, r.body)
	}
	if r = cli.get("/get-session"); r.status != 200 || r.body != "null" {
		t.Fatalf("revoked bearer token: %d %s", r.status, r.body)
	}
	if r = cli.post("/update-user", `{"name":"Mal"}`); r.status != 401 {
		t.Fatalf("update-user with a revoked bearer token: %d %s", r.status, r.body)
	}
	cli.keep(cli.post("/sign-in/email", `{"email":"ada@example.com","password":"`+pw+`"}`))
	if r = cli.post("/revoke-other-sessions", ``); r.status != 200 {
		t.Fatalf("revoke-other-sessions: %d %s", r.status, r.body)
	}
	if r = phone.get("/get-session"); r.body != "null" {
		t.Fatalf("phone after revoke-other-sessions: %s", r.body)
	}
	// A new password, every other session ended: a new session, and its
	// token for the client.
	old := cli.hdr.Get("Authorization")
	r = cli.post("/change-password", `{"currentPassword":"`+pw+`","newPassword":"`+pw2+`","revokeOtherSessions":true}`)
	if r.status != 200 {
		t.Fatalf("change-password: %d %s", r.status, r.body)
	}
	cli.keep(r)
	if cli.hdr.Get("Authorization") == old {
		t.Fatal("change-password handed back the old token")
	}
	if r = cli.get("/get-session"); r.status != 200 || r.body == "null" {
		t.Fatalf("get-session with the new token: %d %s", r.status, r.body)
	}
	if r = cli.post("/revoke-sessions", ``); r.status != 200 {
		t.Fatalf("revoke-sessions: %d %s", r.status, r.body)
	}
	if r = cli.get("/get-session"); r.body != "null" {
		t.Fatalf("after revoke-sessions: %s", r.body)
	}
	cli.keep(cli.post("/sign-in/email", `{"email":"ada@example.com","password":"`+pw2+`"}`))
	if r = cli.post("/sign-out", ``); r.status != 200 {
		t.Fatalf("sign-out: %d %s", r.status, r.body)
	}
	if r = cli.get("/get-session"); r.body != "null" {
		t.Fatalf("after sign-out: %s", r.body)
	}
}

// TestBearerOffAPI: with Config.Bearer off (the default) sign-in sends no
// token header and the Authorization header names no session.
func TestBearerOffAPI(t *testing.T) {
	t.Parallel()
	on := newAPIEnv(t, sessionkit.Config{Bearer: sessionkit.Bearer{Enabled: true}}, account.Config{})
	c := on.bearerClient()
	c.keep(c.post("/sign-up/email", `{"name":"Ada","email":"ada@example.com","password":"12345678"}`))

	off := newAPIEnv(t, sessionkit.Config{}, account.Config{})
	d := off.bearerClient()
	r := d.post("/sign-up/email", `{"name":"Ada","email":"ada@example.com","password":"12345678"}`)
	if r.status != 200 || r.header.Get("Set-Auth-Token") != "" || r.header.Get("Access-Control-Expose-Headers") != "" {
		t.Fatalf("sign-up with bearer off: %d %v", r.status, r.header)
	}
	// The same secret signs both: the credential is valid, but not read.
	d.hdr = c.hdr
	if r = d.get("/get-session"); r.body != "null" {
		t.Fatalf("bearer off, get-session: %s", r.body)
	}
}

// TestBearerOriginChecks: a bearer token exempts no request that carries
// cookies from the origin checks, as in Better Auth (it checks the
// request's own Cookie header, not the one its plugin rewrites); a request
// with no cookies, which a browser page of another origin cannot send with
// an Authorization header unless CORS allows it, passes as from curl. A
// browser request from another origin is still refused unless the origin
// is trusted (sessionkit's http.CrossOriginProtection; Better Auth lets it
// through).
func TestBearerOriginChecks(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, sessionkit.Config{Bearer: sessionkit.Bearer{Enabled: true}},
		account.Config{TrustedOrigins: []string{"https://spa.example.com"}})
	owner := e.bearerClient()
	owner.keep(owner.post("/sign-up/email", `{"name":"Ada","email":"ada@example.com","password":"12345678"}`))
	auth := owner.hdr.Get("Authorization")
	tokenName, _, _ := e.m.CookieNames()

	missing := `{"message":"Missing or null Origin","code":"MISSING_OR_NULL_ORIGIN"}`
	invalid := `{"message":"Invalid origin","code":"INVALID_ORIGIN"}`
	for _, tc := range []struct {
		name string
		hdr  http.Header
		want int
		body string
	}{
		{"bearer alone", http.Header{}, 200, ""},
		{"bearer and an unrelated cookie, no Origin", http.Header{"Cookie": {"theme=dark"}}, 403, missing},
		{"bearer and a session cookie, no Origin", http.Header{"Cookie": {tokenName + "=x.y"}}, 403, missing},
		{"bearer and a cookie, foreign Origin", http.Header{"Cookie": {"theme=dark"}, "Origin": {"https://evil.example"}}, 403, invalid},
		{"bearer and a cookie, foreign Referer", http.Header{"Cookie": {"theme=dark"}, "Referer": {"https://evil.example/page"}}, 403, invalid},
		{"bearer and a cookie, null Origin", http.Header{"Cookie": {"theme=dark"}, "Origin": {"null"}}, 403, missing},
		{"bearer and a cookie, own Origin", http.Header{"Cookie": {"theme=dark"}, "Origin": {e.srv.URL}}, 200, ""},
		{"bearer, cross-site browser", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}, 403, invalid},
		{"bearer, trusted origin", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://spa.example.com"}}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.bearerClient()
			for k, v := range tc.hdr {
				c.hdr[k] = v
			}
			c.hdr.Set("Authorization", auth)
			before := e.st.writes.Load()
			r := c.post("/update-user", `{"name":"Changed"}`)
			if r.status != tc.want || tc.body != "" && r.body != tc.body {
				t.Fatalf("update-user: %d %s, want %d %s", r.status, r.body, tc.want, tc.body)
			}
			if tc.want != 200 && e.st.writes.Load() != before {
				t.Fatal("a refused request changed state")
			}
		})
	}
	// Sign-out, the other state change a forger would want, the same.
	c := e.bearerClient()
	c.hdr.Set("Authorization", auth)
	c.hdr.Set("Cookie", "theme=dark")
	if r := c.post("/sign-out", ``); r.status != 403 || r.body != missing {
		t.Fatalf("sign-out with a cookie and no Origin: %d %s", r.status, r.body)
	}
	if r := owner.get("/get-session"); r.body == "null" {
		t.Fatal("the refused sign-out ended the session")
	}
}

// TestBearerRateLimited: bearer requests count against the same per-address
// limits as cookie requests (keys <ip>|<path>), and password checks
// against the per-account one.
func TestBearerRateLimited(t *testing.T) {
	t.Parallel()
	e := newLimitedAPIEnv(t, sessionkit.Config{TrustedIPHeader: "X-Forwarded-For", Bearer: sessionkit.Bearer{Enabled: true}}, account.Config{})
	c := e.bearerClient()
	c.hdr.Set("X-Forwarded-For", "203.0.113.9")
	c.keep(c.post("/sign-up/email", `{"name":"Ada","email":"ada@example.com","password":"12345678"}`))
	const wrong = `{"currentPassword":"wrong password","newPassword":"new password 1"}`
	for i := range 3 {
		if r := c.post("/change-password", wrong); r.status != 400 && r.status != 401 {
			t.Fatalf("change-password #%d: %d %s", i+1, r.status, r.body)
		}
		e.advance(time.Second)
	}
	want429(t, "4th change-password with a bearer token", c.post("/change-password", wrong), 9)
	// The cookie of the same session from the same address shares the
	// counter: the limit is the address's, not the credential's.
	cookie := e.bearerClient()
	cookie.hdr.Set("X-Forwarded-For", "203.0.113.9")
	cookie.hdr.Set("Origin", e.srv.URL)
	tokenName, _, _ := e.m.CookieNames()
	cred := strings.TrimPrefix(c.hdr.Get("Authorization"), "Bearer ")
	cookie.hdr.Set("Cookie", tokenName+"="+cred)
	want429(t, "the same address with the cookie", cookie.post("/change-password", wrong), 9)
}
