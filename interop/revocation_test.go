package interop_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"
)

// TestBetterAuthRevocationReachesSessionkitCache: sessionkit answers three
// sessions of one user from the cookie cache; the real Better Auth, on the
// same SQLite file, revokes them (revoke-session, sign-out,
// revoke-other-sessions); sessionkit refuses each cached session within a
// second of Better Auth's answer, through the revocation feed.
func TestBetterAuthRevocationReachesSessionkitCache(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	for _, strategy := range []string{"compact", "jwe"} {
		t.Run(strategy, func(t *testing.T) {
			t.Parallel()
			cfg := baConfig{DB: filepath.Join(t.TempDir(), "auth.db"), Secret: secret, BaseURL: "http://localhost:3000", Strategy: strategy}
			st := openStore(t, cfg.DB)
			m := newManager(t, cfg, st)
			srv := httptest.NewServer(newAccounts(t, m).Handler())
			defer srv.Close()
			api := srv.URL + "/api/auth"
			const pw = "correct horse battery staple"
			code, body, sc := post(t, api+"/sign-up/email", "", map[string]any{"name": "Ada", "email": "ada@example.com", "password": pw})
			if code != 200 {
				t.Fatalf("sign-up: %d %s", code, body)
			}
			cookies := []string{applyCookies("", sc)}
			tokens := []string{}
			var up authBody
			json.Unmarshal([]byte(body), &up)
			tokens = append(tokens, up.Token)
			for range 3 {
				code, body, sc := post(t, api+"/sign-in/email", "", map[string]any{"email": "ada@example.com", "password": pw})
				if code != 200 {
					t.Fatalf("sign-in: %d %s", code, body)
				}
				var in authBody
				json.Unmarshal([]byte(body), &in)
				cookies = append(cookies, applyCookies("", sc))
				tokens = append(tokens, in.Token)
			}
			ctx := context.Background()
			cached := func(cookie string) { t.Helper(); waitCached(t, m, cookie) }
			refused := func(what, cookie string) {
				t.Helper()
				t.Logf("%s: refused %v after Better Auth answered", what, refusedWithin(t, m, cookie, time.Second))
			}
			for _, c := range cookies {
				cached(c)
			}

			// cookies[0] revoked by cookies[1] through revoke-session.
			res := runBA(t, node, cfg, baOp{Method: "POST", Path: "/revoke-session", Cookie: withoutCache(cookies[1]), Body: map[string]any{"token": tokens[0]}})
			if res[0].Status != 200 {
				t.Fatalf("Better Auth revoke-session: %d %s", res[0].Status, res[0].Body)
			}
			refused("revoke-session", cookies[0])
			cached(cookies[1])

			// cookies[1] signs out on Better Auth.
			res = runBA(t, node, cfg, baOp{Method: "POST", Path: "/sign-out", Cookie: withoutCache(cookies[1])})
			if res[0].Status != 200 {
				t.Fatalf("Better Auth sign-out: %d %s", res[0].Status, res[0].Body)
			}
			refused("sign-out", cookies[1])
			cached(cookies[3])

			// cookies[2] ends cookies[3] through revoke-other-sessions.
			res = runBA(t, node, cfg, baOp{Method: "POST", Path: "/revoke-other-sessions", Cookie: withoutCache(cookies[2])})
			if res[0].Status != 200 {
				t.Fatalf("Better Auth revoke-other-sessions: %d %s", res[0].Status, res[0].Body)
			}
			refused("revoke-other-sessions", cookies[3])
			if s, err := getSession(m, ctx, cookieHeader(cookies[2])); err != nil || s.Session.Token != tokens[2] {
				t.Fatalf("the session that revoked the others: %v", err)
			}
		})
	}
}
