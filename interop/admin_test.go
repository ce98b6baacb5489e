package interop_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/admin"
	"github.com/sessionkit/sessionkit/store"
)

// TestAdminPluginBothWays: the real Better Auth with its admin plugin and
// sessionkit with package admin share one SQLite file.
//
//   - a role set by Go is read by Better Auth (get-session, and ban-user's
//     admin check), and one set by Better Auth's set-role is read by Go;
//   - Better Auth reads Go's cache cookie with its role;
//   - a ban by Better Auth's ban-user is enforced by Go: the cached
//     session is refused within a second (revocation feed), a new sign-in
//     gets 403 BANNED_USER;
//   - a ban by Go's Admin.Ban is enforced by Better Auth: its session is
//     gone and its sign-in answers 403 BANNED_USER.
func TestAdminPluginBothWays(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	for _, strategy := range []string{"compact", "jwt"} {
		t.Run(strategy, func(t *testing.T) {
			t.Parallel()
			cfg := baConfig{DB: filepath.Join(t.TempDir(), "auth.db"), Secret: secret, BaseURL: "http://localhost:3000",
				Strategy: strategy, Admin: json.RawMessage(`{}`)}
			const pw = "correct horse battery staple"
			signUp := func(name string) baOp {
				return baOp{Method: "POST", Path: "/sign-up/email", Body: map[string]any{"name": name, "email": name + "@example.com", "password": pw}}
			}
			res := runBA(t, node, cfg, signUp("root"), signUp("eve"), signUp("bob"))
			for i, r := range res {
				if r.Status != 200 || !strings.Contains(string(r.Body), `"role":"user","banned":false`) {
					t.Fatalf("Better Auth sign-up %d: %d %s", i, r.Status, r.Body)
				}
			}
			root, eve, bob := res[0].auth(t).User.ID, res[1].auth(t).User.ID, res[2].auth(t).User.ID
			rootBA, bobBA := withoutCache(res[0].Cookie), withoutCache(res[2].Cookie)

			opts := admin.Options{}
			fields := opts.Fields(store.AdditionalFields{})
			st := openFieldsStore(t, cfg.DB, fields)
			m, err := sessionkit.New(sessionkit.Config{Secret: cfg.Secret, BaseURL: cfg.BaseURL, Store: st, Fields: fields,
				Rules: []sessionkit.Rule{opts.Rule()}, CookieCache: sessionkit.CookieCache{Enabled: true, Strategy: strategy}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { m.Close() })
			adm, err := admin.New(m, opts)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if _, err := adm.SetRole(ctx, root, "admin"); err != nil {
				t.Fatal(err)
			}
			if _, err := adm.SetRole(ctx, bob, "user", "beta"); err != nil {
				t.Fatal(err)
			}
			acc, err := account.New(m, account.Config{Admin: adm, RateLimit: account.RateLimit{Disabled: true}}) // several sign-ins in a few seconds
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(acc.Handler())
			defer srv.Close()
			api := srv.URL + "/api/auth"
			signInGo := func(email string) (int, string, string) {
				code, body, sc := post(t, api+"/sign-in/email", "", map[string]any{"email": email, "password": pw})
				return code, body, applyCookies("", sc)
			}
			code, body, eveGo := signInGo("eve@example.com")
			if code != 200 {
				t.Fatalf("Go sign-in: %d %s", code, body)
			}
			code, body, bobGo := signInGo("bob@example.com")
			if code != 200 || !strings.Contains(body, `"role":"user,beta"`) {
				t.Fatalf("Go sign-in: %d %s", code, body)
			}
			_, _, rootGo := signInGo("root@example.com")
			// The admin endpoints' refusals, from Go, to compare with
			// Better Auth's below.
			goAdmin := func(cookie string, body any) string {
				code, b, _ := postFrom(t, cfg.BaseURL, api+"/admin/ban-user", cookie, body)
				return fmt.Sprint(code, " ", b)
			}
			goNotAdmin := goAdmin(bobGo, map[string]any{"userId": eve})
			goNoUser := goAdmin(rootGo, map[string]any{"userId": "nobody"})
			goSelf := goAdmin(rootGo, map[string]any{"userId": root})
			deadline := time.Now().Add(5 * time.Second)
			for {
				s, err := getSession(m, ctx, cookieHeader(eveGo))
				if err != nil {
					t.Fatal(err)
				}
				if s.Source != sessionkit.SourceStore {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("sessionkit never answered from the cache")
				}
				time.Sleep(10 * time.Millisecond)
			}

			res = runBA(t, node, cfg,
				baOp{Method: "GET", Path: "/get-session", Cookie: rootBA},
				baOp{Method: "POST", Path: "/admin/ban-user", Cookie: rootBA, Body: map[string]any{"userId": eve, "banReason": "spam"}},
				baOp{Method: "GET", Path: "/get-session", Cookie: bobGo},
				baOp{Method: "POST", Path: "/admin/ban-user", Cookie: bobBA, Body: map[string]any{"userId": eve}},
				baOp{Method: "POST", Path: "/admin/set-role", Cookie: rootBA, Body: map[string]any{"userId": bob, "role": []string{"user", "admin"}}},
				baOp{Method: "POST", Path: "/admin/ban-user", Cookie: rootBA, Body: map[string]any{"userId": "nobody"}},
				baOp{Method: "POST", Path: "/admin/ban-user", Cookie: rootBA, Body: map[string]any{"userId": root}},
			)
			for i, goAnswer := range []string{goNotAdmin, "", goNoUser, goSelf} {
				r := res[3+i]
				if goAnswer == "" {
					continue // set-role
				}
				if ba := fmt.Sprint(r.Status, " ", string(r.Body)); ba != goAnswer {
					t.Errorf("ban-user refusal %d: Better Auth %s, sessionkit %s", i, ba, goAnswer)
				}
			}
			if r := res[0]; r.Status != 200 || !strings.Contains(string(r.Body), `"role":"admin"`) {
				t.Fatalf("Better Auth get-session of the admin Go made: %d %s", r.Status, r.Body)
			}
			if r := res[1]; r.Status != 200 || !strings.Contains(string(r.Body), `"banned":true,"banReason":"spam"`) {
				t.Fatalf("Better Auth ban-user: %d %s", r.Status, r.Body)
			}
			if r := res[2]; r.Status != 200 || !strings.Contains(string(r.Body), `"role":"user,beta"`) || touches(r.SQL, "session") {
				t.Fatalf("Better Auth get-session with Go's %s cache cookie: %d %s (SQL %q)", strategy, r.Status, r.Body, r.SQL)
			}
			if r := res[4]; r.Status != 200 {
				t.Fatalf("Better Auth set-role: %d %s", r.Status, r.Body)
			}

			// Better Auth's ban reaches Go's cached session within a second.
			start := time.Now()
			for {
				_, err := getSession(m, ctx, cookieHeader(eveGo))
				if errors.Is(err, sessionkit.ErrNoSession) {
					t.Logf("Better Auth's ban refused by sessionkit %v after its answer", time.Since(start))
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if time.Since(start) > time.Second {
					t.Fatal("sessionkit still answers the cached session 1s after Better Auth banned its user")
				}
				time.Sleep(2 * time.Millisecond)
			}
			code, body, cookie := signInGo("eve@example.com")
			if want := `{"message":"` + admin.DefaultBannedUserMessage + `","code":"BANNED_USER"}`; code != 403 || body != want || cookie != "" {
				t.Fatalf("Go sign-in of a user Better Auth banned: %d %s %q, want 403 %s", code, body, cookie, want)
			}
			s, err := getSession(m, ctx, cookieHeader(withoutCache(bobGo)))
			if err != nil || s.Role() != "user,admin" || !s.HasRole("admin") || !adm.IsAdmin(s) {
				t.Fatalf("Go reads Better Auth's set-role: %v %q", err, s.Role())
			}

			// Go's ban is enforced by Better Auth.
			if _, err := adm.Ban(ctx, bob, "go", time.Hour); err != nil {
				t.Fatal(err)
			}
			res = runBA(t, node, cfg,
				baOp{Method: "GET", Path: "/get-session", Cookie: bobBA},
				baOp{Method: "POST", Path: "/sign-in/email", Body: map[string]any{"email": "bob@example.com", "password": pw}},
				baOp{Method: "POST", Path: "/admin/unban-user", Cookie: rootBA, Body: map[string]any{"userId": eve}},
			)
			if r := res[0]; r.Status != 200 || string(r.Body) != "null" {
				t.Fatalf("Better Auth get-session of a session Go's ban revoked: %d %s", r.Status, r.Body)
			}
			if r := res[1]; r.Status != 403 || !strings.Contains(string(r.Body), `"code":"BANNED_USER"`) || r.Cookie != "" {
				t.Fatalf("Better Auth sign-in of a user Go banned: %d %s", r.Status, r.Body)
			}
			if r := res[2]; r.Status != 200 {
				t.Fatalf("Better Auth unban-user: %d %s", r.Status, r.Body)
			}
			// Better Auth's unban lets Go sign the user in again.
			if code, body, _ := signInGo("eve@example.com"); code != 200 {
				t.Fatalf("Go sign-in after Better Auth's unban: %d %s", code, body)
			}
		})
	}
}

// touches reports whether one of the statements names table.
func touches(sql []string, table string) bool {
	for _, s := range sql {
		if strings.Contains(s, `"`+table+`"`) {
			return true
		}
	}
	return false
}
