package account_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

const apiSecret = "api-test-secret-0123456789abcdefghijklmnopqrstu"

// apiStore is a memory store that counts writes, so tests can prove a
// refused request changed nothing.
type apiStore struct {
	*memory.Store
	writes atomic.Int64
	// failAccounts makes every credential-account write fail, as a
	// database whose account insert breaks would.
	failAccounts atomic.Bool
	// noFeed hides the memory store's revocation feed, as a store without
	// one (Better Auth's behaviour: a cache cookie outlives a revocation).
	noFeed bool
	// failUsers makes UpdateUser and DeleteUser fail, as a broken
	// database would (users_test.go).
	failUsers atomic.Bool
	// failRevoke makes DeleteUserSessions fail.
	failRevoke atomic.Bool
}

func (s *apiStore) WatchRevocations(ctx context.Context, since time.Time, sink store.RevocationSink) error {
	if s.noFeed {
		return store.ErrNoRevocationFeed
	}
	return s.Store.WatchRevocations(ctx, since, sink)
}

var errAccountInsert = errors.New("apiStore: injected account insert failure")

// count counts a write that succeeded.
func (s *apiStore) count(err error) error {
	if err == nil {
		s.writes.Add(1)
	}
	return err
}

func (s *apiStore) CreateUser(ctx context.Context, u store.User) error {
	return s.count(s.Store.CreateUser(ctx, u))
}

func (s *apiStore) CreateSession(ctx context.Context, ss store.Session) error {
	return s.count(s.Store.CreateSession(ctx, ss))
}

func (s *apiStore) SlideSession(ctx context.Context, token string, e, u time.Time) (store.Session, error) {
	ss, err := s.Store.SlideSession(ctx, token, e, u)
	return ss, s.count(err)
}

func (s *apiStore) DeleteSession(ctx context.Context, token string) error {
	return s.count(s.Store.DeleteSession(ctx, token))
}

func (s *apiStore) DeleteUserSessions(ctx context.Context, userID string) error {
	if s.failRevoke.Load() {
		return errUserWrite
	}
	return s.count(s.Store.DeleteUserSessions(ctx, userID))
}

func (s *apiStore) DeleteOtherSessions(ctx context.Context, userID, keep string) error {
	return s.count(s.Store.DeleteOtherSessions(ctx, userID, keep))
}

func (s *apiStore) SetPassword(ctx context.Context, userID, hash string, now time.Time) error {
	if s.failAccounts.Load() {
		return errAccountInsert
	}
	return s.count(s.Store.SetPassword(ctx, userID, hash, now))
}

// CreateUserWithPassword fails as a transactional store does when the
// account insert fails: nothing is kept.
func (s *apiStore) CreateUserWithPassword(ctx context.Context, u store.User, hash string) error {
	if s.failAccounts.Load() {
		return errAccountInsert
	}
	return s.count(s.Store.CreateUserWithPassword(ctx, u, hash))
}

// apiEnv is a Manager's Handler on an httptest server, with a settable clock.
type apiEnv struct {
	t     *testing.T
	m     *sessionkit.Manager
	a     *account.Accounts
	st    *apiStore
	srv   *httptest.Server
	now   atomic.Int64 // ms since epoch
	start time.Time
}

// newAPIEnv turns rate limiting off: most tests sign in more than 3 times
// under a pinned clock. newLimitedAPIEnv keeps it (ratelimiting_test.go).
func newAPIEnv(t *testing.T, cfg sessionkit.Config, o account.Config) *apiEnv {
	t.Helper()
	o.RateLimit.Disabled = true
	return newLimitedAPIEnv(t, cfg, o)
}

func newLimitedAPIEnv(t *testing.T, cfg sessionkit.Config, o account.Config) *apiEnv {
	t.Helper()
	st, ok := cfg.Store.(*apiStore)
	if !ok {
		st = &apiStore{Store: memory.New()}
	}
	e := &apiEnv{t: t, st: st, start: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
	e.now.Store(e.start.UnixMilli())
	cfg.Secret = apiSecret
	cfg.Store = e.st
	cfg.Now = func() time.Time { return time.UnixMilli(e.now.Load()) }
	m, err := sessionkit.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.m = m
	a, err := account.New(m, o)
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	e.a = a
	mux := http.NewServeMux()
	base := o.BasePath
	if base == "" {
		base = account.DefaultBasePath
	}
	mux.Handle(strings.TrimSuffix(base, "/")+"/", a.Handler())
	e.srv = httptest.NewServer(mux)
	t.Cleanup(func() { e.srv.Close(); m.Close() })
	return e
}

func (e *apiEnv) advance(d time.Duration) { e.now.Add(d.Milliseconds()) }

// apiClient is a browser-like client of the API: a cookie jar, and the
// Origin and Sec-Fetch headers of a same-origin fetch.
type apiClient struct {
	e   *apiEnv
	hc  *http.Client
	hdr http.Header // sent with every request
}

func (e *apiEnv) client() *apiClient {
	jar, _ := cookiejar.New(nil)
	return &apiClient{e: e, hc: &http.Client{Jar: jar}, hdr: http.Header{
		"Origin":         {e.srv.URL},
		"Sec-Fetch-Site": {"same-origin"},
		"Sec-Fetch-Mode": {"cors"},
	}}
}

type apiResponse struct {
	status int
	header http.Header
	body   string
}

func (r apiResponse) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
}

func (c *apiClient) do(method, path, contentType, body string) apiResponse {
	c.e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, rd)
	if err != nil {
		c.e.t.Fatal(err)
	}
	for k, v := range c.hdr {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	// WriteError ends its body with a newline; JSON does not care.
	return apiResponse{res.StatusCode, res.Header, strings.TrimSuffix(string(b), "\n")}
}

func (c *apiClient) post(path, body string) apiResponse {
	c.e.t.Helper()
	return c.do("POST", "/api/auth"+path, "application/json", body)
}

func (c *apiClient) get(path string) apiResponse {
	c.e.t.Helper()
	return c.do("GET", "/api/auth"+path, "", "")
}

type apiUser struct {
	ID, Name, Email      string
	EmailVerified        bool
	Image                *string
	CreatedAt, UpdatedAt string
}

type apiSession struct {
	ID, Token, UserID, IPAddress, UserAgent string
	ExpiresAt, CreatedAt, UpdatedAt         string
}

var (
	isoMs       = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	userShape   = regexp.MustCompile(`^\{"name":"[^"]*","email":"[^"]*","emailVerified":false,"image":(null|"[^"]*"),"createdAt":"[^"]+","updatedAt":"[^"]+","id":"[A-Za-z0-9]{32}"\}$`)
	sessionKeys = `^\{"expiresAt":"[^"]+","token":"[A-Za-z0-9]{32}","createdAt":"[^"]+","updatedAt":"[^"]+","ipAddress":"[^"]*","userAgent":"[^"]*","userId":"[A-Za-z0-9]{32}","id":"[A-Za-z0-9]{32}"\}`
	sessionRe   = regexp.MustCompile(sessionKeys + `$`)
)

// members returns the raw JSON members of an object body.
func members(t *testing.T, body string) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	return m
}

func TestHandlerFlow(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, sessionkit.Config{}, account.Config{})
	laptop, phone := e.client(), e.client()

	if r := laptop.get("/get-session"); r.status != 200 || r.body != "null" ||
		r.header.Get("Cache-Control") != "no-store" || r.header.Get("Pragma") != "no-cache" ||
		r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("get-session signed out: %d %q %v", r.status, r.body, r.header)
	}

	r := laptop.post("/sign-up/email", `{"name":"Ada <Lovelace>","email":"Ada@Example.com","password":"correct horse battery"}`)
	if r.status != 200 {
		t.Fatalf("sign-up: %d %s", r.status, r.body)
	}
	m := members(t, r.body)
	if !userShape.Match(m["user"]) || !strings.HasPrefix(r.body, `{"token":"`) {
		t.Fatalf("sign-up body shape: %s", r.body)
	}
	var up struct {
		Token string
		User  apiUser
	}
	r.decode(t, &up)
	if up.User.Name != "Ada <Lovelace>" || up.User.Email != "ada@example.com" || up.User.Image != nil ||
		!isoMs.MatchString(up.User.CreatedAt) || len(up.Token) != 32 {
		t.Fatalf("sign-up user: %+v", up)
	}
	if !strings.Contains(r.body, `"Ada <Lovelace>"`) {
		t.Fatalf("HTML characters must not be escaped, as in JavaScript: %s", r.body)
	}
	if sc := r.header.Values("Set-Cookie"); len(sc) == 0 || !strings.HasPrefix(sc[0], "better-auth.session_token=") || !strings.Contains(sc[0], "Max-Age=604800") {
		t.Fatalf("sign-up cookies: %q", sc)
	}

	r = laptop.get("/get-session")
	if r.status != 200 || !sessionRe.Match(members(t, r.body)["session"]) || !userShape.Match(members(t, r.body)["user"]) {
		t.Fatalf("get-session: %d %s", r.status, r.body)
	}
	var got struct {
		Session apiSession
		User    apiUser
	}
	r.decode(t, &got)
	if got.Session.Token != up.Token || got.User.ID != up.User.ID || got.Session.UserID != up.User.ID ||
		got.Session.IPAddress != "127.0.0.1" || got.Session.UserAgent != "Go-http-client/1.1" {
		t.Fatalf("get-session: %+v", got)
	}

	// The phone signs in without "remember me", a minute later.
	e.advance(time.Minute)
	r = phone.post("/sign-in/email", `{"email":"ADA@example.com","password":"correct horse battery","rememberMe":false}`)
	if r.status != 200 || !strings.HasPrefix(r.body, `{"redirect":false,"token":"`) || strings.Contains(r.body, `"url"`) {
		t.Fatalf("sign-in: %d %s", r.status, r.body)
	}
	var in struct{ Token string }
	r.decode(t, &in)
	sc := strings.Join(r.header.Values("Set-Cookie"), "\n")
	if strings.Contains(sc, "Max-Age") || !strings.Contains(sc, "better-auth.dont_remember=true.") {
		t.Fatalf("rememberMe:false cookies: %s", sc)
	}

	r = laptop.get("/list-sessions")
	var list []apiSession
	r.decode(t, &list)
	if r.status != 200 || len(list) != 2 || list[0].Token != up.Token || list[1].Token != in.Token {
		t.Fatalf("list-sessions: %d %s", r.status, r.body)
	}

	// Callback URLs: a path of this site is echoed, another site refused.
	r = phone.post("/sign-in/email", `{"email":"ada@example.com","password":"correct horse battery","callbackURL":"/dashboard"}`)
	if r.status != 200 || !strings.HasPrefix(r.body, `{"redirect":true,"token":"`) || !strings.Contains(r.body, `"url":"/dashboard"`) ||
		r.header.Get("Location") != "/dashboard" {
		t.Fatalf("sign-in with callbackURL: %d %s", r.status, r.body)
	}
	var third struct{ Token string }
	r.decode(t, &third)

	// The laptop ends the phone's first session, then every other one.
	if r = laptop.post("/revoke-session", `{"token":"`+in.Token+`"}`); r.status != 200 || r.body != `{"status":true}` {
		t.Fatalf("revoke-session: %d %s", r.status, r.body)
	}
	if _, _, err := e.st.Store.SessionByToken(context.Background(), in.Token); err == nil {
		t.Fatal("revoked session still in the store")
	}
	if r = laptop.post("/revoke-other-sessions", ``); r.status != 200 || r.body != `{"status":true}` {
		t.Fatalf("revoke-other-sessions: %d %s", r.status, r.body)
	}
	if r = phone.get("/get-session"); r.body != "null" {
		t.Fatalf("phone after revoke-other-sessions: %s", r.body)
	}
	if _, _, err := e.st.Store.SessionByToken(context.Background(), third.Token); err == nil {
		t.Fatal("other session still in the store")
	}
	if r = laptop.get("/get-session"); r.status != 200 || r.body == "null" {
		t.Fatalf("laptop lost its own session: %s", r.body)
	}

	// Revoking its own token signs the laptop out and clears its cookies.
	r = laptop.post("/revoke-session", `{"token":"`+up.Token+`"}`)
	if r.status != 200 || !strings.Contains(strings.Join(r.header.Values("Set-Cookie"), "\n"), "better-auth.session_token=; Path=/; Max-Age=0") {
		t.Fatalf("revoke own session: %d %q", r.status, r.header.Values("Set-Cookie"))
	}
	if r = laptop.get("/get-session"); r.body != "null" {
		t.Fatalf("after revoking own session: %s", r.body)
	}

	// Sign in again, then revoke-sessions ends everything.
	laptop.post("/sign-in/email", `{"email":"ada@example.com","password":"correct horse battery"}`)
	phone.post("/sign-in/email", `{"email":"ada@example.com","password":"correct horse battery"}`)
	if r = phone.post("/revoke-sessions", `{}`); r.status != 200 || r.body != `{"status":true}` {
		t.Fatalf("revoke-sessions: %d %s", r.status, r.body)
	}
	if a, b := laptop.get("/get-session"), phone.get("/get-session"); a.body != "null" || b.body != "null" {
		t.Fatalf("after revoke-sessions: %s %s", a.body, b.body)
	}

	// Sign out.
	laptop.post("/sign-in/email", `{"email":"ada@example.com","password":"correct horse battery"}`)
	if r = laptop.post("/update-session", `{"name":"x"}`); r.status != 400 || r.body != `{"message":"No fields to update"}` {
		t.Fatalf("update-session: %d %s", r.status, r.body)
	}
	r = laptop.post("/sign-out", ``)
	if r.status != 200 || r.body != `{"success":true}` {
		t.Fatalf("sign-out: %d %s", r.status, r.body)
	}
	if r = laptop.get("/get-session"); r.body != "null" {
		t.Fatalf("after sign-out: %s", r.body)
	}
	if r = laptop.post("/sign-out", `{}`); r.status != 200 {
		t.Fatalf("sign-out without a session: %d %s", r.status, r.body)
	}
}

func TestHandlerSignUpImageAndRememberMe(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, sessionkit.Config{}, account.Config{})
	c := e.client()
	r := c.post("/sign-up/email", `{"name":"Bo","email":"bo@example.com","password":"12345678","image":"https://example.com/bo.png","rememberMe":false}`)
	if r.status != 200 || !strings.Contains(r.body, `"image":"https://example.com/bo.png"`) {
		t.Fatalf("sign-up with image: %d %s", r.status, r.body)
	}
	if sc := strings.Join(r.header.Values("Set-Cookie"), "\n"); strings.Contains(sc, "Max-Age") || !strings.Contains(sc, "dont_remember") {
		t.Fatalf("sign-up rememberMe:false cookies: %s", sc)
	}
	if r = c.get("/get-session"); !strings.Contains(r.body, `"image":"https://example.com/bo.png"`) {
		t.Fatalf("get-session image: %s", r.body)
	}
	// The password was stored in Better Auth's format: it signs in.
	if r = e.client().post("/sign-in/email", `{"email":"bo@example.com","password":"12345678"}`); r.status != 200 {
		t.Fatalf("sign-in after sign-up with image: %d %s", r.status, r.body)
	}
}

func TestHandlerGetSessionQuery(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, sessionkit.Config{UpdateAge: time.Hour}, account.Config{})
	c := e.client()
	c.post("/sign-up/email", `{"name":"Cy","email":"cy@example.com","password":"12345678"}`)
	e.advance(2 * time.Hour)
	writes := e.st.writes.Load()
	for _, q := range []string{"?disableRefresh=true", "?disableRefresh=1", "?disableRefresh=yes"} {
		if r := c.get("/get-session" + q); r.status != 200 || r.body == "null" || len(r.header.Values("Set-Cookie")) != 0 {
			t.Fatalf("%s: %d %s %q", q, r.status, r.body, r.header.Values("Set-Cookie"))
		}
	}
	if e.st.writes.Load() != writes {
		t.Fatal("disableRefresh slid the session")
	}
	r := c.get("/get-session?disableRefresh=false")
	if sc := r.header.Values("Set-Cookie"); len(sc) != 1 || !strings.Contains(sc[0], "Max-Age=604800") || e.st.writes.Load() != writes+1 {
		t.Fatalf("refresh due: %q, writes %d", sc, e.st.writes.Load()-writes)
	}
}

func TestHandlerListSessionsNeedsFreshSession(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, sessionkit.Config{}, account.Config{})
	c := e.client()
	c.post("/sign-up/email", `{"name":"Di","email":"di@example.com","password":"12345678"}`)
	if r := c.get("/list-sessions"); r.status != 200 {
		t.Fatalf("fresh: %d %s", r.status, r.body)
	}
	e.advance(sessionkit.DefaultFreshAge - time.Millisecond)
	if r := c.get("/list-sessions"); r.status != 200 {
		t.Fatalf("just fresh: %d %s", r.status, r.body)
	}
	e.advance(time.Millisecond)
	r := c.get("/list-sessions")
	if r.status != 403 || r.body != `{"message":"Session is not fresh","code":"SESSION_NOT_FRESH"}` {
		t.Fatalf("stale: %d %s", r.status, r.body)
	}
	if r := e.client().get("/list-sessions"); r.status != 401 || r.body != `{"message":"Unauthorized","code":"UNAUTHORIZED"}` {
		t.Fatalf("no session: %d %s", r.status, r.body)
	}

	// FreshAge Disabled lets any session list.
	e2 := newAPIEnv(t, sessionkit.Config{FreshAge: sessionkit.Disabled}, account.Config{})
	c2 := e2.client()
	c2.post("/sign-up/email", `{"name":"Di","email":"di@example.com","password":"12345678"}`)
	e2.advance(5 * 24 * time.Hour)
	if r := c2.get("/list-sessions"); r.status != 200 {
		t.Fatalf("freshness off: %d %s", r.status, r.body)
	}
}

// TestHandlerListSessionsRereadsStore: list-sessions hands out every
// device's token, so it never answers from the cookie cache: a session
// revoked a moment ago (the cache cookie still valid) gets 401.
func TestHandlerListSessionsRereadsStore(t *testing.T) {
	t.Parallel()
	for _, strategy := range []string{"compact", "jwt", "jwe", "securecookie"} {
		t.Run(strategy, func(t *testing.T) {
			t.Parallel()
			noFeed := &apiStore{Store: memory.New(), noFeed: true}
			e := newAPIEnv(t, sessionkit.Config{Store: noFeed, CookieCache: sessionkit.CookieCache{Enabled: true, Strategy: strategy}}, account.Config{})
			c := e.client()
			var up, other struct{ Token string }
			c.post("/sign-up/email", `{"name":"Di","email":"di@example.com","password":"12345678"}`).decode(t, &up)
			e.client().post("/sign-in/email", `{"email":"di@example.com","password":"12345678"}`).decode(t, &other)
			if r := c.get("/list-sessions"); r.status != 200 || !strings.Contains(r.body, other.Token) {
				t.Fatalf("before revocation: %d %s", r.status, r.body)
			}
			if err := e.m.Store().DeleteSession(context.Background(), up.Token); err != nil {
				t.Fatal(err)
			}
			if r := c.get("/get-session"); r.status != 200 || r.body == "null" {
				t.Fatalf("the cache cookie no longer answers get-session, the test proves nothing: %d %s", r.status, r.body)
			}
			if r := c.get("/list-sessions"); r.status != 401 || strings.Contains(r.body, other.Token) {
				t.Fatalf("a revoked session listed the other device: %d %s", r.status, r.body)
			}
		})
	}
}

// TestHandlerBadInput sends what Better Auth 1.7.25 answers with an error
// (statuses, codes and messages checked against a real run) and what it
// does not bound (body size, unknown routes), and checks nothing reached
// the store.
func TestHandlerBadInput(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, sessionkit.Config{}, account.Config{})
	signedIn := e.client()
	if r := signedIn.post("/sign-up/email", `{"name":"Ed","email":"ed@example.com","password":"12345678"}`); r.status != 200 {
		t.Fatalf("sign-up: %d %s", r.status, r.body)
	}
	json1 := "application/json"
	big := `{"name":"` + strings.Repeat("x", account.MaxBodyBytes) + `"}`
	tests := []struct {
		name                 string
		client               *apiClient
		method, path, ctype  string
		body                 string
		status               int
		code, message        string // message "" = not checked
		exactBody, noCookies bool
	}{
		{name: "short password", method: "POST", path: "/sign-up/email", ctype: json1, body: `{"name":"A","email":"a@example.com","password":"short"}`,
			status: 400, code: "PASSWORD_TOO_SHORT", message: "Password too short"},
		{name: "long password", method: "POST", path: "/sign-up/email", ctype: json1, body: `{"name":"A","email":"a@example.com","password":"` + strings.Repeat("x", 129) + `"}`,
			status: 400, code: "PASSWORD_TOO_LONG", message: "Password too long"},
		{name: "128 UTF-16 units is too long when one is an emoji pair", method: "POST", path: "/sign-up/email", ctype: json1, body: `{"name":"A","email":"a@example.com","password":"` + strings.Repeat("x", 127) + `😀"}`,
			status: 400, code: "PASSWORD_TOO_LONG"},
		{name: "invalid email", method: "POST", path: "/sign-up/email", ctype: json1, body: `{"name":"A","email":"not-an-email","password":"password123"}`,
			status: 400, code: "VALIDATION_ERROR", message: "[body.email] Invalid email address"},
		{name: "email with spaces", method: "POST", path: "/sign-up/email", ctype: json1, body: `{"name":"A","email":" a@example.com ","password":"password123"}`,
			status: 400, code: "VALIDATION_ERROR", message: "[body.email] Invalid email address"},
		{name: "taken email", method: "POST", path: "/sign-up/email", ctype: json1, body: `{"name":"A","email":"ED@example.com","password":"password123"}`,
			status: 422, code: "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL", message: "User already exists. Use another email."},
		{name: "missing name", method: "POST", path: "/sign-up/email", ctype: json1, body: `{"email":"a@example.com","password":"password123"}`,
			status: 400, code: "VALIDATION_ERROR", message: "[body.name] Invalid input: expected string, received undefined"},
		{name: "number name", method: "POST", path: "/sign-up/email", ctype: json1, body: `{"name":5,"email":"a@example.com","password":"password123"}`,
			status: 400, code: "VALIDATION_ERROR", message: "[body.name] Invalid input: expected string, received number"},
		{name: "empty password", method: "POST", path: "/sign-up/email", ctype: json1, body: `{"name":"A","email":"a@example.com","password":""}`,
			status: 400, code: "VALIDATION_ERROR", message: "[body.password] Too small: expected string to have >=1 characters"},
		{name: "string rememberMe", method: "POST", path: "/sign-up/email", ctype: json1, body: `{"name":"A","email":"a@example.com","password":"password123","rememberMe":"yes"}`,
			status: 400, code: "VALIDATION_ERROR", message: "[body.rememberMe] Invalid input: expected boolean, received string"},
		{name: "two issues", method: "POST", path: "/sign-up/email", ctype: json1, body: `{"email":"a@example.com"}`,
			status: 400, code: "VALIDATION_ERROR", message: "[body.name] Invalid input: expected string, received undefined; [body.password] Invalid input: expected string, received undefined"},
		{name: "malformed JSON", method: "POST", path: "/sign-up/email", ctype: json1, body: `{bad json`,
			status: 400, code: "BAD_REQUEST", message: "Invalid JSON in request body"},
		{name: "trailing garbage", method: "POST", path: "/sign-up/email", ctype: json1, body: `{}x`,
			status: 400, code: "BAD_REQUEST", message: "Invalid JSON in request body"},
		{name: "array body", method: "POST", path: "/sign-up/email", ctype: json1, body: `[]`,
			status: 400, code: "VALIDATION_ERROR", message: "[body] Invalid input: expected object, received array"},
		{name: "null body", method: "POST", path: "/sign-up/email", ctype: json1, body: `null`,
			status: 400, code: "VALIDATION_ERROR", message: "[body] Invalid input: expected object, received null"},
		{name: "no body", method: "POST", path: "/sign-up/email", ctype: json1,
			status: 400, code: "VALIDATION_ERROR", message: "[body] Invalid input: expected object, received undefined"},
		{name: "text/plain", method: "POST", path: "/sign-up/email", ctype: "text/plain", body: `{}`,
			status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: `Content-Type "text/plain" is not allowed. Allowed types: application/x-www-form-urlencoded, application/json`},
		{name: "multipart", method: "POST", path: "/sign-in/email", ctype: "multipart/form-data; boundary=x", body: "--x--",
			status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: `Content-Type "multipart/form-data; boundary=x" is not allowed. Allowed types: application/x-www-form-urlencoded, application/json`},
		{name: "form post", method: "POST", path: "/sign-in/email", ctype: "application/x-www-form-urlencoded", body: `email=a%40example.com&password=x`,
			status: 401, code: "INVALID_EMAIL_OR_PASSWORD", message: "Invalid email or password"},
		{name: "form post with charset", method: "POST", path: "/sign-in/email", ctype: "Application/X-WWW-Form-Urlencoded; charset=UTF-8", body: `email=a%40example.com&password=x`,
			status: 401, code: "INVALID_EMAIL_OR_PASSWORD"},
		{name: "form rememberMe is a string", method: "POST", path: "/sign-in/email", ctype: "application/x-www-form-urlencoded", body: `email=a%40example.com&password=x&rememberMe=false`,
			status: 400, code: "VALIDATION_ERROR", message: "[body.rememberMe] Invalid input: expected boolean, received string"},
		{name: "form sign-up without password", method: "POST", path: "/sign-up/email", ctype: "application/x-www-form-urlencoded", body: `name=A&email=a%40example.com`,
			status: 400, code: "VALIDATION_ERROR", message: "[body.password] Invalid input: expected string, received undefined"},
		{name: "form post to sign-out", client: signedIn, method: "POST", path: "/sign-out", ctype: "application/x-www-form-urlencoded", body: `a=b`,
			status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: `Content-Type "application/x-www-form-urlencoded" is not allowed. Allowed types: application/json`},
		{name: "JSON with odd parameters", method: "POST", path: "/sign-in/email", ctype: "application/json; charset=utf-8; x", body: `{"email":"a@example.com","password":"x"}`,
			status: 401, code: "INVALID_EMAIL_OR_PASSWORD"},
		{name: "no content type", method: "POST", path: "/sign-in/email", body: `{}`,
			status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: "Content-Type is required. Allowed types: application/x-www-form-urlencoded, application/json"},
		{name: "oversized body", method: "POST", path: "/sign-up/email", ctype: json1, body: big,
			status: 413, code: "PAYLOAD_TOO_LARGE"},
		{name: "wrong password", method: "POST", path: "/sign-in/email", ctype: json1, body: `{"email":"ed@example.com","password":"wrong password"}`,
			status: 401, code: "INVALID_EMAIL_OR_PASSWORD", message: "Invalid email or password", exactBody: true},
		{name: "unknown email", method: "POST", path: "/sign-in/email", ctype: json1, body: `{"email":"nobody@example.com","password":"wrong password"}`,
			status: 401, code: "INVALID_EMAIL_OR_PASSWORD", message: "Invalid email or password"},
		{name: "sign-in short password is just wrong", method: "POST", path: "/sign-in/email", ctype: json1, body: `{"email":"ed@example.com","password":"x"}`,
			status: 401, code: "INVALID_EMAIL_OR_PASSWORD"},
		{name: "sign-in long password", method: "POST", path: "/sign-in/email", ctype: json1, body: `{"email":"ed@example.com","password":"` + strings.Repeat("x", 129) + `"}`,
			status: 400, code: "PASSWORD_TOO_LONG", message: "Password too long"},
		{name: "sign-in bad email", method: "POST", path: "/sign-in/email", ctype: json1, body: `{"email":"bad","password":"wrong password"}`,
			status: 400, code: "INVALID_EMAIL", message: "Invalid email"},
		{name: "sign-in missing password", method: "POST", path: "/sign-in/email", ctype: json1, body: `{"email":"ed@example.com"}`,
			status: 400, code: "VALIDATION_ERROR", message: "[body.password] Invalid input: expected string, received undefined"},
		{name: "sign-in null rememberMe", method: "POST", path: "/sign-in/email", ctype: json1, body: `{"email":"ed@example.com","password":"12345678","rememberMe":null}`,
			status: 400, code: "VALIDATION_ERROR", message: "[body.rememberMe] Invalid input: expected boolean, received null"},
		{name: "foreign callbackURL", method: "POST", path: "/sign-in/email", ctype: json1, body: `{"email":"ed@example.com","password":"12345678","callbackURL":"https://evil.example/x"}`,
			status: 403, code: "INVALID_CALLBACK_URL", message: "Invalid callbackURL"},
		{name: "protocol-relative callbackURL", method: "POST", path: "/sign-in/email", ctype: json1, body: `{"email":"ed@example.com","password":"12345678","callbackURL":"//evil.example"}`,
			status: 403, code: "INVALID_CALLBACK_URL"},
		{name: "revoke-session without token", client: signedIn, method: "POST", path: "/revoke-session", ctype: json1, body: `{}`,
			status: 400, code: "VALIDATION_ERROR", message: "[body.token] Invalid input: expected string, received undefined"},
		{name: "revoke-session number token", client: signedIn, method: "POST", path: "/revoke-session", ctype: json1, body: `{"token":5}`,
			status: 400, code: "VALIDATION_ERROR", message: "[body.token] Invalid input: expected string, received number"},
		{name: "revoke-session without session", method: "POST", path: "/revoke-session", ctype: json1, body: `{"token":"nope"}`,
			status: 401, code: "UNAUTHORIZED", message: "Unauthorized"},
		{name: "revoke-sessions without session", method: "POST", path: "/revoke-sessions",
			status: 401, code: "UNAUTHORIZED", message: "Unauthorized"},
		{name: "revoke-other-sessions without session", method: "POST", path: "/revoke-other-sessions",
			status: 401, code: "UNAUTHORIZED"},
		{name: "revoke-other-sessions text body", client: signedIn, method: "POST", path: "/revoke-other-sessions", ctype: "text/plain", body: "hello",
			status: 415, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "sign-out text body", client: signedIn, method: "POST", path: "/sign-out", ctype: "text/plain", body: "hello",
			status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: `Content-Type "text/plain" is not allowed. Allowed types: application/json`},
		{name: "list-sessions without session", method: "GET", path: "/list-sessions",
			status: 401, code: "UNAUTHORIZED"},
		{name: "update-session without session", method: "POST", path: "/update-session", ctype: json1, body: `{}`,
			status: 401, code: "UNAUTHORIZED", message: "Unauthorized"},
		{name: "update-session array", client: signedIn, method: "POST", path: "/update-session", ctype: json1, body: `[]`,
			status: 400, code: "VALIDATION_ERROR"},
		{name: "update-session no body", client: signedIn, method: "POST", path: "/update-session", ctype: json1,
			status: 400, code: "VALIDATION_ERROR"},
		{name: "POST get-session", method: "POST", path: "/get-session", ctype: json1, body: `{}`,
			status: 405, code: "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED", message: "POST method requires deferSessionRefresh to be enabled in session config"},
		{name: "GET sign-out", client: signedIn, method: "GET", path: "/sign-out",
			status: 405, code: "METHOD_NOT_ALLOWED", message: "Method Not Allowed"},
		{name: "DELETE sign-up", method: "DELETE", path: "/sign-up/email",
			status: 405, code: "METHOD_NOT_ALLOWED"},
		{name: "unknown route", method: "GET", path: "/nope",
			status: 404, code: "NOT_FOUND", message: "Not Found", exactBody: true},
		{name: "trailing slash", method: "GET", path: "/get-session/",
			status: 404, code: "NOT_FOUND"},
		{name: "sign-in prefix", method: "POST", path: "/sign-in", ctype: json1, body: `{}`,
			status: 404, code: "NOT_FOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.client
			if c == nil {
				c = e.client()
			}
			before := e.st.writes.Load()
			r := c.do(tt.method, "/api/auth"+tt.path, tt.ctype, tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			var got struct{ Code, Message string }
			r.decode(t, &got)
			if got.Code != tt.code || (tt.message != "" && got.Message != tt.message) {
				t.Fatalf("got %s, want code %q message %q", r.body, tt.code, tt.message)
			}
			if tt.exactBody {
				want, _ := json.Marshal(struct {
					Message string `json:"message"`
					Code    string `json:"code"`
				}{tt.message, tt.code})
				if strings.TrimSpace(r.body) != string(want) {
					t.Fatalf("body %s, want %s", r.body, want)
				}
			}
			if w := e.st.writes.Load(); w != before {
				t.Fatalf("%d store writes for a refused request", w-before)
			}
			if sc := r.header.Values("Set-Cookie"); len(sc) > 0 && c == signedIn {
				t.Fatalf("refused request changed the cookies: %q", sc)
			}
		})
	}
	if r := signedIn.get("/get-session"); r.body == "null" {
		t.Fatal("bad requests ended the session")
	}
}

// TestHandlerCrossOrigin checks the CSRF defence: a forged cross-site
// request is refused and changes nothing, same-origin requests (including
// Node's fetch, which sends Sec-Fetch-Mode: cors and an Origin but no
// Sec-Fetch-Site) and trusted origins pass.
func TestHandlerCrossOrigin(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, sessionkit.Config{}, account.Config{TrustedOrigins: []string{"https://app.example.com/"}})
	victim := e.client()
	victim.post("/sign-up/email", `{"name":"Vi","email":"vi@example.com","password":"12345678"}`)

	invalid := `{"message":"Invalid origin","code":"INVALID_ORIGIN"}`
	forged := []struct {
		name string
		hdr  http.Header
		want string
	}{
		{"browser fetch metadata", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}, invalid},
		{"same-site sibling", http.Header{"Sec-Fetch-Site": {"same-site"}, "Origin": {"https://evil.example.com"}}, invalid},
		{"old browser, Origin only", http.Header{"Origin": {"https://evil.example"}}, invalid},
		{"null origin", http.Header{"Origin": {"null"}}, `{"message":"Missing or null Origin","code":"MISSING_OR_NULL_ORIGIN"}`},
	}
	for _, f := range forged {
		for _, path := range []string{"/sign-out", "/revoke-sessions", "/revoke-session", "/sign-up/email", "/sign-in/email", "/update-session"} {
			t.Run(f.name+path, func(t *testing.T) {
				before := e.st.writes.Load()
				victim.hdr = f.hdr
				r := victim.post(path, `{"token":"x","name":"Mal","email":"mal@example.com","password":"12345678"}`)
				if r.status != 403 || r.body != f.want {
					t.Fatalf("forged %s: %d %s", path, r.status, r.body)
				}
				if len(r.header.Values("Set-Cookie")) != 0 || e.st.writes.Load() != before {
					t.Fatal("forged request changed state")
				}
			})
		}
	}
	victim.hdr = http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}
	if r := victim.get("/get-session"); r.body == "null" {
		t.Fatal("cross-site GET must still read (safe method), and the session must be intact")
	}
	if _, err := e.m.Store().UserByEmail(context.Background(), "mal@example.com"); err == nil {
		t.Fatal("forged sign-up created a user")
	}

	allowed := []struct {
		name    string
		hdr     http.Header
		signOut int // status; Better Auth refuses cookies without an Origin
	}{
		{"trusted origin", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://app.example.com"}}, 200},
		{"node fetch, same origin", http.Header{"Sec-Fetch-Mode": {"cors"}, "Origin": {e.srv.URL}}, 200},
		{"non-browser client", http.Header{}, 403},
	}
	for _, a := range allowed {
		c := e.client()
		c.hdr = a.hdr
		if r := c.post("/sign-in/email", `{"email":"vi@example.com","password":"12345678"}`); r.status != 200 {
			t.Fatalf("%s: sign-in %d %s", a.name, r.status, r.body)
		}
		if r := c.post("/sign-out", ``); r.status != a.signOut {
			t.Fatalf("%s: sign-out %d %s", a.name, r.status, r.body)
		}
	}
	victim.hdr = http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {e.srv.URL}}
	if r := victim.post("/sign-out", ``); r.status != 200 {
		t.Fatalf("same-origin sign-out: %d %s", r.status, r.body)
	}
}

func TestHandlerTrustedOriginPanics(t *testing.T) {
	t.Parallel()
	m, err := sessionkit.New(sessionkit.Config{Secret: apiSecret, Store: memory.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := account.New(m, account.Config{TrustedOrigins: []string{"https://app.example.com/path"}}); !errors.Is(err, sessionkit.ErrConfig) {
		t.Fatalf("a malformed trusted origin: err = %v, want ErrConfig", err)
	}
}

func TestHandlerBasePath(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ base, mount, path string }{
		{"/auth", "/auth/", "/auth/get-session"},
		{"/auth/", "/auth/", "/auth/get-session"},
		{"/", "/", "/get-session"},
	} {
		m, err := sessionkit.New(sessionkit.Config{Secret: apiSecret, Store: memory.New()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		a, err := account.New(m, account.Config{BasePath: tt.base})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
		if rec.Code != 200 || rec.Body.String() != "null" {
			t.Fatalf("BasePath %q: %s: %d %s", tt.base, tt.path, rec.Code, rec.Body)
		}
		rec = httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/auth/get-session", nil))
		if tt.base != "/" && rec.Code != 404 {
			t.Fatalf("BasePath %q: answered under the default path: %d", tt.base, rec.Code)
		}
	}
}

// FuzzHandlerBody sends arbitrary bodies and content types to the
// endpoints that decode JSON: the answer is JSON, never a 5xx, and nothing
// is written for a request without a session.
func FuzzHandlerBody(f *testing.F) {
	for _, s := range []string{`{}`, `{"token":"x"}`, `[]`, `null`, `{"a":`, `"x"`, `{"token":5}`, `{"token":"\ud800"}`,
		`{"name":"A","email":"a@b.co","password":"12345678","rememberMe":true}`, strings.Repeat("[", 20000), "\xff"} {
		f.Add(s, "application/json")
	}
	f.Add(`{}`, "application/json; charset=utf-8")
	f.Add(`{}`, "text/plain")
	f.Add(`{}`, "")
	st := &apiStore{Store: memory.New()}
	m, err := sessionkit.New(sessionkit.Config{Secret: apiSecret, Store: st})
	if err != nil {
		f.Fatal(err)
	}
	a, err := account.New(m, account.Config{})
	if err != nil {
		f.Fatal(err)
	}
	h := a.Handler()
	f.Fuzz(func(t *testing.T, body, contentType string) {
		// sign-in and sign-up share the decoder; they are left out because
		// their scrypt would slow the fuzzer a thousandfold.
		for _, path := range []string{"/revoke-session", "/update-session", "/sign-out"} {
			req := httptest.NewRequest("POST", "/api/auth"+path, strings.NewReader(body))
			if contentType != "" {
				req.Header.Set("Content-Type", contentType)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s: answer is not JSON: %q", path, rec.Body)
			}
		}
		if n := st.writes.Load(); n != 0 {
			t.Fatalf("%d store writes", n)
		}
	})
}

// TestHandlerSignUpAccountFailure fails the credential-account insert: the
// sign-up answers 503 and sets no cookie, the e-mail stays free, and the
// retry signs up and signs in.
func TestHandlerSignUpAccountFailure(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, sessionkit.Config{}, account.Config{})
	const body = `{"name":"Eve","email":"eve@example.com","password":"correct horse battery"}`
	e.st.failAccounts.Store(true)
	r := e.client().post("/sign-up/email", body)
	if r.status != http.StatusServiceUnavailable || len(r.header.Values("Set-Cookie")) != 0 {
		t.Fatalf("sign-up while account inserts fail: %d %s %q, want 503 and no cookie", r.status, r.body, r.header.Values("Set-Cookie"))
	}
	if _, err := e.m.Store().UserByEmail(context.Background(), "eve@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("user after the failed sign-up: err = %v, want ErrNotFound", err)
	}
	e.st.failAccounts.Store(false)
	if r = e.client().post("/sign-up/email", body); r.status != http.StatusOK {
		t.Fatalf("retried sign-up: %d %s, want 200", r.status, r.body)
	}
	if r = e.client().post("/sign-in/email", `{"email":"eve@example.com","password":"correct horse battery"}`); r.status != http.StatusOK {
		t.Fatalf("sign-in after the retried sign-up: %d %s", r.status, r.body)
	}
}

// TestHandlerFormBodies: an HTML form posting straight to sign-up and
// sign-in (application/x-www-form-urlencoded) signs up and in, as with
// Better Auth.
func TestHandlerFormBodies(t *testing.T) {
	t.Parallel()
	const form = "application/x-www-form-urlencoded"
	e := newAPIEnv(t, sessionkit.Config{}, account.Config{})
	c := e.client()
	r := c.do("POST", "/api/auth/sign-up/email", form, "name=Di+Ana&email=di%40example.com&password=pass+word%2B1&ignored=x")
	if r.status != 200 || !strings.Contains(r.body, `"name":"Di Ana"`) || !strings.Contains(r.body, `"email":"di@example.com"`) {
		t.Fatalf("form sign-up: %d %s", r.status, r.body)
	}
	if r = c.get("/get-session"); !strings.Contains(r.body, `"email":"di@example.com"`) {
		t.Fatalf("get-session after form sign-up: %s", r.body)
	}
	// The password was "pass word+1": "+" is a space, %2B a plus.
	r = e.client().do("POST", "/api/auth/sign-in/email", form, "email=di%40example.com&password=pass+word%2B1")
	if r.status != 200 || !strings.Contains(r.body, `"redirect":false`) {
		t.Fatalf("form sign-in: %d %s", r.status, r.body)
	}
	r = e.client().do("POST", "/api/auth/sign-in/email", form, "email=di%40example.com&password=pass+word%2B1&callbackURL=%2Fhome")
	if r.status != 200 || !strings.Contains(r.body, `"url":"/home"`) {
		t.Fatalf("form sign-in with callbackURL: %d %s", r.status, r.body)
	}
}

// TestHandlerSignUpBlankName: Better Auth takes an empty name; so does
// sessionkit (a blank one is trimmed to empty).
func TestHandlerSignUpBlankName(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, sessionkit.Config{}, account.Config{})
	for i, name := range []string{"", "   "} {
		r := e.client().post("/sign-up/email", `{"name":"`+name+`","email":"blank`+strconv.Itoa(i)+`@example.com","password":"password123"}`)
		if r.status != 200 || !strings.Contains(r.body, `"name":""`) {
			t.Fatalf("sign-up with name %q: %d %s", name, r.status, r.body)
		}
	}
}
