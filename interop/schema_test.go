package interop_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/sqlite"
	"github.com/sessionkit/sessionkit/store/storetest"
)

// baModel is one model's Better Auth options.
type baModel struct {
	ModelName string            `json:"modelName,omitempty"`
	Fields    map[string]string `json:"fields,omitempty"`
}

// baSchema is the naming options of a Better Auth app.
type baSchema struct {
	UsePlural    bool    `json:"usePlural,omitempty"`
	User         baModel `json:"user"`
	Session      baModel `json:"session"`
	Account      baModel `json:"account"`
	Verification baModel `json:"verification"`
}

// baSchemaOf is the Better Auth configuration that s describes.
func baSchemaOf(s store.Schema) *baSchema {
	m := func(x store.Model) baModel { return baModel{ModelName: x.Name, Fields: x.Fields} }
	return &baSchema{UsePlural: s.UsePlural, User: m(s.User), Session: m(s.Session), Account: m(s.Account), Verification: m(s.Verification)}
}

// TestRenamedPluralSchemaBothWays runs the real Better Auth with a
// Drizzle-style schema (usePlural, snake_case columns, through its Kysely
// adapter) or a Prisma-style one (modelName "User", "Session", …) and
// sessionkit with the same store.Schema on one SQLite file,
// the tables created either by Better Auth's migrator or by sessionkit's
// Open (then Better Auth's migrator must find nothing to do). In both
// directions: sessions signed in on one side are accepted by the other,
// passwords written by one side sign in on the other, sign-out on one side
// ends the session on the other (a cached one within a second, through the
// revocation trigger on the renamed table).
func TestRenamedPluralSchemaBothWays(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	for _, c := range []struct {
		naming, created string
		schema          store.Schema
	}{
		{"Drizzle", "BetterAuth", storetest.DrizzleSchema()},
		{"Drizzle", "sessionkit", storetest.DrizzleSchema()},
		{"Prisma", "BetterAuth", storetest.PrismaSchema()},
		{"Prisma", "sessionkit", storetest.PrismaSchema()},
	} {
		created, schema := c.created, c.schema
		t.Run(c.naming+"/created by "+created, func(t *testing.T) {
			t.Parallel()
			tb, err := schema.Resolve()
			if err != nil {
				t.Fatal(err)
			}
			q := store.Quote
			cfg := baConfig{DB: filepath.Join(t.TempDir(), "auth.db"), Secret: secret, BaseURL: "http://localhost:3000",
				Strategy: "compact", Schema: baSchemaOf(schema)}
			const pw = "correct horse battery staple"
			var first []baResult
			var before []string
			if created == "BetterAuth" {
				first = runBA(t, node, cfg, baOp{Method: "POST", Path: "/sign-up/email", Body: map[string]any{"name": "Ada", "email": "ada@example.com", "password": pw}})
				before = objects(t, cfg.DB)
			}
			st, err := sqlite.OpenWith(cfg.DB, sqlite.Options{SweepInterval: -1, Schema: schema})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			if created == "BetterAuth" {
				if after := objects(t, cfg.DB); !slices.Equal(after, before) {
					t.Errorf("sessionkit's Open changed Better Auth's schema:\n%v\nwas\n%v", after, before)
				}
			} else {
				cfg.Migrate = "check" // every later run: Better Auth's migrator finds the schema complete
				first = runBA(t, node, cfg, baOp{Method: "POST", Path: "/sign-up/email", Body: map[string]any{"name": "Ada", "email": "ada@example.com", "password": pw}})
			}
			if first[0].Status != 200 {
				t.Fatalf("Better Auth sign-up: %d %s", first[0].Status, first[0].Body)
			}
			for _, tbl := range []string{"user", "session", "account", "verification"} {
				if slices.Contains(objects(t, cfg.DB), "table "+tbl) {
					t.Fatalf("a table under the default name %q exists", tbl)
				}
			}
			ada := first[0].auth(t)
			m := newManager(t, cfg, st)
			srv := httptest.NewServer(newAccounts(t, m).Handler())
			defer srv.Close()
			api := srv.URL + "/api/auth"
			ctx := context.Background()

			// Better Auth's session, row and cache cookie read by sessionkit.
			for _, c := range []string{first[0].Cookie, withoutCache(first[0].Cookie)} {
				s, err := getSession(m, ctx, cookieHeader(c))
				if err != nil || s.User.ID != ada.User.ID || s.User.Email != "ada@example.com" || s.Session.Token != ada.Token {
					t.Fatalf("sessionkit reading Better Auth's session: %v %+v", err, s)
				}
			}
			// Better Auth's password signs in on sessionkit.
			code, body, sc := post(t, api+"/sign-in/email", "", map[string]any{"email": "ada@example.com", "password": pw})
			if code != 200 {
				t.Fatalf("sessionkit sign-in with Better Auth's password: %d %s", code, body)
			}
			adaGo := applyCookies("", sc)
			// sessionkit's user, password and session read by Better Auth.
			code, body, sc = post(t, api+"/sign-up/email", "", map[string]any{"name": "Bob", "email": "bob@example.com", "password": pw})
			if code != 200 {
				t.Fatalf("sessionkit sign-up: %d %s", code, body)
			}
			bob := applyCookies("", sc)
			var bobUp authBody
			json.Unmarshal([]byte(body), &bobUp)
			res := runBA(t, node, cfg,
				baOp{Method: "GET", Path: "/get-session?disableCookieCache=true", Cookie: bob},
				baOp{Method: "GET", Path: "/get-session", Cookie: bob},
				baOp{Method: "GET", Path: "/get-session?disableCookieCache=true", Cookie: adaGo},
				baOp{Method: "POST", Path: "/sign-in/email", Body: map[string]any{"email": "bob@example.com", "password": pw}},
			)
			for i, want := range []string{bobUp.User.ID, bobUp.User.ID, ada.User.ID, bobUp.User.ID} {
				if got := res[i].auth(t); res[i].Status != 200 || got.User.ID != want {
					t.Fatalf("Better Auth op %d: %d %s, want user %s", i, res[i].Status, res[i].Body, want)
				}
			}
			if len(res[0].SQL) == 0 || !strings.Contains(strings.Join(res[0].SQL, "\n"), q(tb.Session.Name)) {
				t.Fatalf("Better Auth's get-session did not read the %s table: %q", tb.Session.Name, res[0].SQL)
			}
			bobBA := res[3].Cookie

			// The rows each side wrote, under the renamed columns.
			db, err := sql.Open("sqlite", cfg.DB)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n int
			if err := db.QueryRow(`SELECT count(*) FROM ` + q(tb.Session.Name) + ` AS s JOIN ` + q(tb.User.Name) + ` AS u ON u."id" = s.` + q(tb.Session.Col("userId")) + `
				WHERE s.` + q(tb.Session.Col("expiresAt")) + ` > strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AND u.` + q(tb.User.Col("emailVerified")) + ` = 0`).Scan(&n); err != nil || n != 4 {
				t.Fatalf("live sessions in the renamed tables: %d %v, want 4", n, err)
			}
			if err := db.QueryRow(`SELECT count(*) FROM ` + q(tb.Account.Name) + ` WHERE ` + q(tb.Account.Col("providerId")) + ` = 'credential' AND "password" IS NOT NULL`).Scan(&n); err != nil || n != 2 {
				t.Fatalf("credential accounts: %d %v, want 2", n, err)
			}

			// Sign-out on Better Auth ends sessionkit's session, the cached
			// one too, within a second.
			waitCached(t, m, bob)
			res = runBA(t, node, cfg, baOp{Method: "POST", Path: "/sign-out", Cookie: withoutCache(bob)})
			if res[0].Status != 200 {
				t.Fatalf("Better Auth sign-out: %d %s", res[0].Status, res[0].Body)
			}
			refusedWithin(t, m, bob, time.Second)
			// Sign-out on sessionkit ends Better Auth's session.
			code, body, _ = postFrom(t, cfg.BaseURL, api+"/sign-out", bobBA, nil)
			if code != 200 {
				t.Fatalf("sessionkit sign-out: %d %s", code, body)
			}
			res = runBA(t, node, cfg, baOp{Method: "GET", Path: "/get-session?disableCookieCache=true", Cookie: bobBA})
			if res[0].Status != 200 || string(res[0].Body) != "null" {
				t.Fatalf("Better Auth after sessionkit's sign-out: %d %s", res[0].Status, res[0].Body)
			}
		})
	}
}

// objects lists the tables and indexes of the SQLite file at path, but
// sessionkit's own.
func objects(t *testing.T, path string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sessionkit%' AND name <> 'sqlite_sequence' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// waitCached waits until m answers cookie from its cookie cache.
func waitCached(t *testing.T, m *sessionkit.Manager, cookie string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, err := getSession(m, context.Background(), cookieHeader(cookie))
		if err != nil {
			t.Fatalf("before the revocation: %v", err)
		}
		if s.Source != sessionkit.SourceStore {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("sessionkit never answered from the cache")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// refusedWithin checks that m refuses cookie within d, and returns how
// long it took.
func refusedWithin(t *testing.T, m *sessionkit.Manager, cookie string, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		_, err := getSession(m, context.Background(), cookieHeader(cookie))
		if errors.Is(err, sessionkit.ErrNoSession) {
			return time.Since(start)
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Since(start) > d {
			t.Fatalf("sessionkit still accepts the session %v after it was revoked", d)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
