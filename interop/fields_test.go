package interop_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

// A Better Auth app's additionalFields, and the same declaration in Go.
// Better Auth keeps its declaration's order, so the JSON text is written
// out, not marshalled from a map.
const (
	baUserFields = `{
		"role": {"type": "string", "defaultValue": "user", "input": false},
		"plan": {"type": "string", "required": false},
		"tenantId": {"type": "string", "required": false},
		"seats": {"type": "number", "required": false},
		"beta": {"type": "boolean", "required": false, "defaultValue": false},
		"trialEndsAt": {"type": "date", "required": false},
		"tags": {"type": "string[]", "required": false},
		"banned": {"type": "boolean", "required": false, "input": false}
	}`
	baSessionFields = `{"device": {"type": "string", "required": false}}`
)

var goFields = store.AdditionalFields{
	User: []store.Field{
		{Name: "role", Type: store.FieldString, Required: true, Default: "user"},
		{Name: "plan", Type: store.FieldString, Input: true},
		{Name: "tenantId", Type: store.FieldString, Input: true},
		{Name: "seats", Type: store.FieldNumber, Input: true},
		{Name: "beta", Type: store.FieldBoolean, Input: true, Default: false},
		{Name: "trialEndsAt", Type: store.FieldDate, Input: true},
		{Name: "tags", Type: store.FieldStrings, Input: true},
		{Name: "banned", Type: store.FieldBoolean},
	},
	Session: []store.Field{{Name: "device", Type: store.FieldString, Input: true}},
}

var signUpFields = map[string]any{
	"plan": "pro", "tenantId": "acme", "seats": 3, "beta": true,
	"trialEndsAt": "2030-01-02T03:04:05.678Z", "tags": []string{"a", "b<c>&"}, "role": "admin",
}

// signUpBody is a sign-up of Ada with signUpFields.
func signUpBody() map[string]any {
	body := map[string]any{"name": "Ada", "email": "ada@example.com", "password": "correct horse battery staple"}
	for k, v := range signUpFields {
		body[k] = v
	}
	return body
}

// wantUserFields is the user's fields as both sides answer them after a
// sign-up with signUpFields (role: input false, so its default).
const wantUserFields = `"role":"user","plan":"pro","tenantId":"acme","seats":3,"beta":true,"trialEndsAt":"2030-01-02T03:04:05.678Z","tags":["a","b<c>&"],"banned":null,"id":"`

func fieldsConfigs(t *testing.T) []baConfig {
	var out []baConfig
	for _, strategy := range []string{"compact", "jwt", "jwe"} {
		out = append(out, baConfig{
			DB: filepath.Join(t.TempDir(), "auth.db"), Secret: secret, BaseURL: "http://localhost:3000", Strategy: strategy,
			UserFields: json.RawMessage(baUserFields), SessionFields: json.RawMessage(baSessionFields),
		})
	}
	return out
}

func openFieldsStore(t *testing.T, path string, f store.AdditionalFields) *countingStore {
	t.Helper()
	db, err := sqlite.OpenWith(path, sqlite.Options{Fields: f, SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &countingStore{Store: db}
}

func newFieldsManager(t *testing.T, cfg baConfig, st store.Store) *sessionkit.Manager {
	t.Helper()
	m, err := sessionkit.New(sessionkit.Config{Secret: cfg.Secret, BaseURL: cfg.BaseURL, Store: st,
		CookieCache: sessionkit.CookieCache{Enabled: true, Strategy: cfg.Strategy}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// cacheValue returns the session_data cookie's value in a Cookie header.
func cacheValue(t *testing.T, cookie string) string {
	t.Helper()
	for _, p := range strings.Split(cookie, "; ") {
		if name, v, ok := strings.Cut(p, "="); ok && strings.HasSuffix(name, "session_data") {
			return v
		}
	}
	t.Fatalf("no session_data in %q", cookie)
	return ""
}

func fieldsCodec(t *testing.T, strategy string) cache.Codec {
	t.Helper()
	var c cache.Codec
	switch strategy {
	case "compact":
		c = cache.NewCompact([]byte(secret))
	case "jwt":
		c = cache.NewJWT([]byte(secret))
	default:
		c = cache.NewJWE([]byte(secret))
	}
	c, err := cache.WithFields(c, goFields)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var iatRe = regexp.MustCompile(`"iat":\d+`)

// sameCookie checks that Go re-encodes the payload it decoded from Better
// Auth's cookie value into the same bytes: compact exactly; jwt exactly
// when jose's iat fell in updatedAt's second, else the claims with iat
// aside.
func sameCookie(t *testing.T, strategy, baValue string, p *cache.Payload, c cache.Codec) {
	t.Helper()
	got, err := c.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	if got == baValue {
		return
	}
	if strategy == "jwt" {
		claims := func(v string) string {
			parts := strings.Split(v, ".")
			b, _ := base64.RawURLEncoding.DecodeString(parts[1])
			return iatRe.ReplaceAllString(string(b), `"iat":0`)
		}
		if claims(got) == claims(baValue) {
			return
		}
		t.Fatalf("jwt claims differ:\n go: %s\n ba: %s", claims(got), claims(baValue))
	}
	b1, _ := base64.RawURLEncoding.DecodeString(got)
	b2, _ := base64.RawURLEncoding.DecodeString(baValue)
	t.Fatalf("compact value differs:\n go: %s\n ba: %s", b1, b2)
}

// TestFieldsBetterAuthMintsSessionkitReads: a Better Auth app with
// additional fields signs up; sessionkit with the same declaration reads
// its rows and its cache cookies with the fields intact, and re-encodes
// compact and jwt cookies byte for byte.
func TestFieldsBetterAuthMintsSessionkitReads(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	for _, cfg := range fieldsConfigs(t) {
		t.Run(cfg.Strategy, func(t *testing.T) {
			t.Parallel()
			body := signUpBody()
			res := runBA(t, node, cfg,
				baOp{Method: "POST", Path: "/sign-up/email", Body: body},
				baOp{Method: "POST", Path: "/sign-up/email", Body: map[string]any{"name": "B", "email": "b@example.com", "password": "correct horse battery staple", "banned": true}},
				baOp{Method: "POST", Path: "/sign-up/email", Body: map[string]any{"name": "B", "email": "b@example.com", "password": "correct horse battery staple", "banned": false}},
			)
			if res[0].Status != 200 || !strings.Contains(string(res[0].Body), wantUserFields) {
				t.Fatalf("Better Auth sign-up: %d %s\nwant %s", res[0].Status, res[0].Body, wantUserFields)
			}
			if res[1].Status != 400 || res[2].Status != 200 {
				t.Fatalf("Better Auth with banned true/false: %d %s / %d", res[1].Status, res[1].Body, res[2].Status)
			}
			st := openFieldsStore(t, cfg.DB, goFields)
			m := newFieldsManager(t, cfg, st)
			ctx := context.Background()
			check := func(what string, s *sessionkit.Session) {
				t.Helper()
				f := s.User.Fields
				if f.String("role") != "user" || f.String("plan") != "pro" || f.Int("seats") != 3 || !f.Bool("beta") ||
					!f.Time("trialEndsAt").Equal(time.Date(2030, 1, 2, 3, 4, 5, 678e6, time.UTC)) ||
					strings.Join(f.Strings("tags"), ",") != "a,b<c>&" {
					t.Errorf("%s: user fields %v", what, f.Map())
				}
				if _, ok := s.Session.Fields.Lookup("device"); ok || s.Session.Fields.Len() != 1 {
					t.Errorf("%s: session fields %v", what, s.Session.Fields.Map())
				}
			}
			before := st.reads.Load()
			l, err := m.LookupHeader(ctx, cookieHeader(res[0].Cookie), sessionkit.LookupOptions{DisableRefresh: true})
			if err != nil {
				t.Fatal(err)
			}
			if st.reads.Load() != before || l.Found.Source != cfg.Strategy {
				t.Fatalf("Better Auth's %s cookie was not a cache hit (source %s)", cfg.Strategy, l.Found.Source)
			}
			check("cache", l.Found)
			s, err := getSession(m, ctx, cookieHeader(withoutCache(res[0].Cookie)))
			if err != nil {
				t.Fatal(err)
			}
			check("row", s)
			if cfg.Strategy != "jwe" {
				value := cacheValue(t, res[0].Cookie)
				c := fieldsCodec(t, cfg.Strategy)
				p, err := c.Decode(value, time.Now())
				if err != nil {
					t.Fatal(err)
				}
				sameCookie(t, cfg.Strategy, value, p, c)
			}
			// Better Auth's error for a field clients may not set is
			// sessionkit's, byte for byte.
			srv := httptest.NewServer(newAccounts(t, m).Handler())
			defer srv.Close()
			code, got, _ := post(t, srv.URL+"/api/auth/sign-up/email", "", map[string]any{"name": "C", "email": "c@example.com", "password": "correct horse battery staple", "banned": true})
			if code != res[1].Status || got != string(res[1].Body) {
				t.Errorf("sessionkit: %d %s\nBetter Auth: %d %s", code, got, res[1].Status, res[1].Body)
			}
		})
	}
}

// TestFieldsSessionkitMintsBetterAuthReads: sessionkit signs up with
// additional fields and updates them; Better Auth reads its cache cookies
// (without SQL: the signature and JSON match) and its rows with the fields
// intact, and refuses a field update as sessionkit does.
func TestFieldsSessionkitMintsBetterAuthReads(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	for _, cfg := range fieldsConfigs(t) {
		t.Run(cfg.Strategy, func(t *testing.T) {
			t.Parallel()
			// Better Auth's migrator creates the tables first, as in an
			// app that already runs.
			runBA(t, node, cfg, baOp{Method: "GET", Path: "/ok"})
			st := openFieldsStore(t, cfg.DB, goFields)
			m := newFieldsManager(t, cfg, st)
			srv := httptest.NewServer(newAccounts(t, m).Handler())
			defer srv.Close()
			api := srv.URL + "/api/auth"
			body := signUpBody()
			code, got, sc := post(t, api+"/sign-up/email", "", body)
			if code != 200 || !strings.Contains(got, wantUserFields) {
				t.Fatalf("sessionkit sign-up: %d %s\nwant %s", code, got, wantUserFields)
			}
			cookie := applyCookies("", sc)
			origin := cfg.BaseURL // the origin the server trusts
			code, got, sc = postFrom(t, origin, api+"/update-user", cookie, map[string]any{"plan": "team", "seats": 4.5})
			if code != 200 {
				t.Fatalf("update-user: %d %s", code, got)
			}
			cookie = applyCookies(cookie, sc)
			res := runBA(t, node, cfg,
				baOp{Method: "GET", Path: "/get-session", Cookie: cookie},
				baOp{Method: "GET", Path: "/get-session?disableCookieCache=true", Cookie: cookie},
				baOp{Method: "POST", Path: "/update-user", Cookie: cookie, Body: map[string]any{"role": "admin"}},
			)
			want := strings.Replace(strings.Replace(wantUserFields, `"plan":"pro"`, `"plan":"team"`, 1), `"seats":3`, `"seats":4.5`, 1)
			// From the database, Better Auth answers in its adapter's order;
			// from the cache, in its zod schema's (core members first), so
			// the cache read is checked member by member.
			if r := res[1]; r.Status != 200 || !strings.Contains(string(r.Body), want) || !strings.Contains(string(r.Body), `"device":null,"id":"`) {
				t.Errorf("Better Auth get-session from its database: %d %s\nwant %s", r.Status, r.Body, want)
			}
			for _, member := range append(strings.Split(strings.TrimSuffix(want, `,"id":"`), `,"`), `"device":null`) {
				if r := res[0]; r.Status != 200 || !strings.Contains(string(r.Body), strings.TrimPrefix(member, `"`)) {
					t.Errorf("Better Auth get-session from the cookie: %d %s\nlacks %s", r.Status, r.Body, member)
				}
			}
			if len(res[0].SQL) != 0 {
				t.Errorf("Better Auth read the database despite sessionkit's %s cookie: %q", cfg.Strategy, res[0].SQL)
			}
			for _, line := range res[0].SetCookie {
				if strings.Contains(line, "Max-Age=0") {
					t.Errorf("Better Auth rejected a cookie: %s", line)
				}
			}
			code, got, _ = postFrom(t, origin, api+"/update-user", cookie, map[string]any{"role": "admin"})
			if code != res[2].Status || got != string(res[2].Body) {
				t.Errorf("update-user role: sessionkit %d %s, Better Auth %d %s", code, got, res[2].Status, res[2].Body)
			}
		})
	}
}

// TestFieldsUnknownDropped: fields only the Better Auth app declares (in
// its cache cookie and its tables) never break a read: sessionkit, with
// part of the declaration or none, reads Better Auth's cookies and drops
// them.
func TestFieldsUnknownDropped(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	for _, cfg := range fieldsConfigs(t) {
		t.Run(cfg.Strategy, func(t *testing.T) {
			t.Parallel()
			// Better Auth declares more: a json field, a number[] and a
			// session field sessionkit knows nothing of, between known ones.
			cfg.UserFields = json.RawMessage(strings.Replace(baUserFields, `"plan":`,
				`"legacy": {"type": "json", "required": false}, "scores": {"type": "number[]", "required": false}, "plan":`, 1))
			cfg.SessionFields = json.RawMessage(`{"impersonatedBy": {"type": "string", "required": false}, "device": {"type": "string", "required": false}}`)
			body := signUpBody()
			body["legacy"], body["scores"] = map[string]any{"a": []any{1, "x", nil}}, []float64{1.5, -2}
			res := runBA(t, node, cfg, baOp{Method: "POST", Path: "/sign-up/email", Body: body})
			if res[0].Status != 200 || !strings.Contains(string(res[0].Body), `"legacy":{"a":[1,"x",null]}`) {
				t.Fatalf("Better Auth sign-up: %d %s", res[0].Status, res[0].Body)
			}
			for _, decl := range []store.AdditionalFields{goFields, {}} {
				st := openFieldsStore(t, cfg.DB, decl)
				m := newFieldsManager(t, cfg, st)
				before := st.reads.Load()
				l, err := m.LookupHeader(context.Background(), cookieHeader(res[0].Cookie), sessionkit.LookupOptions{DisableRefresh: true})
				if err != nil || st.reads.Load() != before {
					t.Fatalf("declaring %d fields: not a cache hit: %v", len(decl.User), err)
				}
				f := l.Found.User.Fields
				if _, ok := f.Lookup("legacy"); ok {
					t.Error("an undeclared field was kept")
				}
				if len(decl.User) > 0 && (f.String("plan") != "pro" || f.Int("seats") != 3) {
					t.Errorf("declared fields lost: %v", f.Map())
				}
				if len(decl.User) == 0 && f.Len() != 0 {
					t.Errorf("no declaration, fields %v", f.Map())
				}
			}
		})
	}
}

// TestFieldsBetterAuthClient: Better Auth's own client signs up, reads and
// updates additional fields on a sessionkit server.
func TestFieldsBetterAuthClient(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	cfg := fieldsConfigs(t)[0]
	cfg.BaseURL = "" // the server's own origin
	st := openFieldsStore(t, cfg.DB, goFields)
	m := newFieldsManager(t, cfg, st)
	srv := httptest.NewServer(newAccounts(t, m).Handler())
	defer srv.Close()
	runClient(t, node, "fields-client.mjs", srv.URL, 5)
}
