package social_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/sessionkit/sessionkit/internal/nodetest"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/social/oidctest"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

// TestMain reports the tests skipped for a missing service.
func TestMain(m *testing.M) { testenv.Main(m) }

// interopDir is the interop folder of the repository: ba.mjs and its
// node_modules.
func interopDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "interop")
}

func needNode(t *testing.T) string {
	t.Helper()
	return testenv.NeedNode(t, interopDir(), "better-auth", "better-sqlite3")
}

// newIdP starts the provider, signing in u.
func newIdP(t *testing.T, u oidctest.User) *oidctest.Server {
	t.Helper()
	idp, err := oidctest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(idp.Close)
	idp.SetUser(u)
	return idp
}

type baOp struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Body   any    `json:"body,omitempty"`
	Cookie string `json:"cookie,omitempty"`
	// Chain sends the Cookie header the previous op left (one browser).
	Chain bool `json:"chain,omitempty"`
}

type baResult struct {
	Status   int             `json:"status"`
	Body     json.RawMessage `json:"body"`
	Cookie   string          `json:"cookie"`
	Location *string         `json:"location"`
}

type baGenericOAuth struct {
	ProviderID   string `json:"providerId"`
	DiscoveryURL string `json:"discoveryUrl"`
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

// runBA runs ops against Better Auth 1.7.25 (genericOAuth on the loopback
// provider) on the SQLite file db, in one process.
func runBA(t *testing.T, node, db string, idp *oidctest.Server, ops ...baOp) []baResult {
	t.Helper()
	var res []baResult
	nodetest.Run(t, node, interopDir(), "ba.mjs", map[string]any{
		"config": map[string]any{"db": db, "secret": testSecret, "baseURL": "http://localhost:3000", "strategy": "none",
			"genericOAuth": baGenericOAuth{"mock", idp.Issuer + "/.well-known/openid-configuration", idp.ClientID, idp.ClientSecret}},
		"ops": ops,
	}, &res)
	if len(res) != len(ops) {
		t.Fatalf("ba.mjs answered %d ops of %d", len(res), len(ops))
	}
	return res
}

// baSignIn signs in on Better Auth through the provider and returns where
// its callback redirected, and the user id of its session ("" for none).
func baSignIn(t *testing.T, node, db string, idp *oidctest.Server) (string, string) {
	t.Helper()
	start := runBA(t, node, db, idp, baOp{Method: "POST", Path: "/sign-in/social",
		Body: map[string]any{"provider": "mock", "callbackURL": "/dashboard", "newUserCallbackURL": "/welcome", "errorCallbackURL": "/oops"}})[0]
	var out struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(start.Body, &out); err != nil || out.URL == "" {
		t.Fatalf("Better Auth sign-in/social: %d %s", start.Status, start.Body)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(out.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cb, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || cb.Path != "/api/auth/callback/mock" {
		t.Fatalf("provider redirected to %q", resp.Header.Get("Location"))
	}
	res := runBA(t, node, db, idp,
		baOp{Method: "GET", Path: "/callback/mock?" + cb.RawQuery, Cookie: start.Cookie},
		baOp{Method: "GET", Path: "/get-session", Chain: true},
	)
	if res[0].Location == nil {
		t.Fatalf("Better Auth callback: %d %s", res[0].Status, res[0].Body)
	}
	var body struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	_ = json.Unmarshal(res[1].Body, &body)
	return *res[0].Location, body.User.ID
}

// countAccounts counts the account rows of the provider account.
func countAccounts(t *testing.T, s *sqlite.Store, sub string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(`SELECT count(*) FROM "account" WHERE "providerId" = 'mock' AND "accountId" = ?`, sub).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// sharedHarness is the Go server on the SQLite file db, with the provider
// "mock" at idp, as Better Auth has it.
func sharedHarness(t *testing.T, db string, idp *oidctest.Server) *harness {
	t.Helper()
	s, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	hs := buildHarness(t, idp, "mock", s)
	hs.sqlite = s
	return hs
}

func TestInteropBetterAuthFirst(t *testing.T) {
	node := needNode(t)
	db := filepath.Join(t.TempDir(), "auth.db")
	idp := newIdP(t, oidctest.User{Subject: "sub-grace", Email: "grace@example.com", EmailVerified: true, Name: "Grace"})

	// Better Auth signs Grace up.
	loc, baUser := baSignIn(t, node, db, idp)
	if loc != "/welcome" || baUser == "" {
		t.Fatalf("Better Auth: redirected to %q, user %q", loc, baUser)
	}

	// The Go server, on the same file and provider, finds her.
	hs := sharedHarness(t, db, idp)
	b := hs.browser()
	_, final := b.signIn(hs, map[string]any{"provider": "mock", "callbackURL": "/dashboard", "newUserCallbackURL": "/welcome"})
	if final != "/dashboard" {
		t.Errorf("Go: a user Better Auth created is sent to %q, want /dashboard", final)
	}
	if got := b.session(hs); got != baUser {
		t.Errorf("Go signed in user %q, want Better Auth's %q", got, baUser)
	}
	if n := countAccounts(t, hs.sqlite, "sub-grace"); n != 1 {
		t.Errorf("%d account rows for the provider account, want 1", n)
	}
}

func TestInteropGoFirst(t *testing.T) {
	node := needNode(t)
	db := filepath.Join(t.TempDir(), "auth.db")
	idp := newIdP(t, oidctest.User{Subject: "sub-lin", Email: "lin@example.com", EmailVerified: true, Name: "Lin"})

	hs := sharedHarness(t, db, idp)
	b := hs.browser()
	_, final := b.signIn(hs, map[string]any{"provider": "mock", "callbackURL": "/dashboard", "newUserCallbackURL": "/welcome"})
	goUser := b.session(hs)
	if final != "/welcome" || goUser == "" {
		t.Fatalf("Go: redirected to %q, user %q", final, goUser)
	}
	a, err := hs.sqlite.AccountByProvider(context.Background(), "mock", "sub-lin")
	if err != nil {
		t.Fatal(err)
	}
	hs.m.Close()
	hs.sqlite.Close()

	loc, baUser := baSignIn(t, node, db, idp)
	if loc != "/dashboard" {
		t.Errorf("Better Auth: a user Go created is sent to %q, want /dashboard", loc)
	}
	if baUser != goUser {
		t.Errorf("Better Auth signed in user %q, want Go's %q", baUser, goUser)
	}
	s, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := countAccounts(t, s, "sub-lin"); n != 1 {
		t.Errorf("%d account rows for the provider account, want 1", n)
	}
	// Better Auth updated the tokens of Go's row in place.
	after, err := s.AccountByProvider(context.Background(), "mock", "sub-lin")
	if err != nil {
		t.Fatal(err)
	}
	if after.ID != a.ID || after.AccessToken == a.AccessToken || after.Scope != a.Scope {
		t.Errorf("after Better Auth's sign-in the account is %+v, want row %s with new tokens and scope %q", after, a.ID, a.Scope)
	}
}
