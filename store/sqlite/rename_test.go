package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/storetest"
)

// namings are the renamed schemas every renamed-schema test runs with.
var namings = []struct {
	name   string
	schema store.Schema
}{
	{"Drizzle", storetest.DrizzleSchema()},
	{"Prisma", storetest.PrismaSchema()},
}

func TestConformanceRenamed(t *testing.T) {
	t.Parallel()
	for _, n := range namings {
		t.Run(n.name, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, func(t *testing.T) store.Store {
				s, err := OpenWith(filepath.Join(t.TempDir(), "sessions.db"), Options{SweepInterval: -1, Schema: n.schema})
				if err != nil {
					t.Fatal(err)
				}
				return s
			})
		})
	}
}

// TestRenamedSchemaObjects: Open creates the renamed tables, Better Auth's
// indexes under their renamed names, and sessionkit's sweep index and
// revocation trigger on the renamed session table; nothing under the
// default names.
func TestRenamedSchemaObjects(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{Schema: storetest.DrizzleSchema()})
	rows, err := s.DB().Query(`SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var typ, name, tbl string
		if err := rows.Scan(&typ, &name, &tbl); err != nil {
			t.Fatal(err)
		}
		got = append(got, typ+" "+name+" on "+tbl)
	}
	want := []string{
		"table accounts on accounts",
		"index accounts_user_id_idx on accounts",
		"index sessionkit_accounts_provider_id_account_id_idx on accounts",
		"table sessionkit_revocation on sessionkit_revocation",
		"index sessionkit_revocation_revokedAt_idx on sessionkit_revocation",
		"index sessionkit_sessions_expires_at_idx on sessions",
		"trigger sessionkit_sessions_revoked on sessions",
		"index sessionkit_verifications_expires_at_idx on verifications",
		"table sessions on sessions",
		"index sessions_user_id_idx on sessions",
		"table sqlite_sequence on sqlite_sequence",
		"table users on users",
		"table verifications on verifications",
		"index verifications_identifier_idx on verifications",
	}
	if !slices.Equal(got, want) {
		t.Errorf("sqlite_master:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var sessionsSQL string
	if err := s.DB().QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'sessions'`).Scan(&sessionsSQL); err != nil {
		t.Fatal(err)
	}
	if want := `CREATE TABLE "sessions" ("id" text not null primary key, "expires_at" date not null, "token" text not null unique, "created_at" date not null, "updated_at" date not null, "ip_address" text, "user_agent" text, "user_id" text not null references "users" ("id") on delete cascade)`; sessionsSQL != want {
		t.Errorf("sessions:\n got %s\nwant %s", sessionsSQL, want)
	}
	// The sweep reads its index, as with the default names.
	plan := queryPlan(t, s.DB(), s.sql.deleteExpired, store.FormatTime(time.Now()), 500)
	if !strings.Contains(plan, "sessionkit_sessions_expires_at_idx") {
		t.Errorf("sweep plan does not use the sweep index:\n%s", plan)
	}
}

func queryPlan(t *testing.T, db *sql.DB, q string, args ...any) string {
	t.Helper()
	rows, err := db.Query(`EXPLAIN QUERY PLAN `+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		b.WriteString(detail + "\n")
	}
	return b.String()
}

// TestRenamedFeed: the revocation trigger follows the renamed session
// table and its columns: a live session deleted by raw SQL under the
// renamed names (as Better Auth deletes it) is delivered, an expired one
// is not.
func TestRenamedFeed(t *testing.T) {
	for _, n := range namings {
		t.Run(n.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "shared.db")
			var h [2]*Store
			for i := range h {
				s, err := OpenWith(path, Options{SweepInterval: -1, Schema: n.schema})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				h[i] = s
			}
			sink := &recSink{}
			wctx, cancel := context.WithCancel(ctx)
			defer cancel()
			if err := h[0].WatchRevocations(wctx, time.Now().Add(-time.Minute), sink); err != nil {
				t.Fatal(err)
			}
			u := store.User{ID: store.NewID(), Name: "U", Email: "u@example.com", CreatedAt: time.Now(), UpdatedAt: time.Now()}
			if err := h[1].CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			live := feedSession(t, h[1], u.ID, time.Now().Add(time.Hour))
			raw := feedSession(t, h[1], u.ID, time.Now().Add(time.Hour))
			gone := feedSession(t, h[1], u.ID, time.Now().Add(-time.Hour))
			if err := h[1].DeleteSession(ctx, live.Token); err != nil {
				t.Fatal(err)
			}
			tb := h[1].tables.Session
			del := `DELETE FROM ` + store.Quote(tb.Name) + ` WHERE ` + store.Quote(tb.Col("token")) + ` = ?`
			for _, tok := range []string{raw.Token, gone.Token} {
				if _, err := h[1].DB().Exec(del, tok); err != nil {
					t.Fatal(err)
				}
			}
			got := sink.waitCaughtUp(t)
			want := []string{live.ID, raw.ID}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("delivered %v, want %v", got, want)
			}
		})
	}
}

// TestOpenRefusesSchemaMismatch: a Schema that does not match the
// database's tables is an error at Open naming the table and column, not
// a failed sign-in later; so are integer dates, and a Schema that does not
// resolve (nothing is created then).
func TestOpenRefusesSchemaMismatch(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "drizzle.db")
	s, err := OpenWith(path, Options{SweepInterval: -1, Schema: storetest.DrizzleSchema()})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	misspelt := storetest.DrizzleSchema()
	misspelt.Session.Fields["expiresAt"] = "expires"
	camel := storetest.DrizzleSchema()
	camel.User.Fields = nil // created_at is there, createdAt is not

	intDates := filepath.Join(dir, "int.db")
	db, err := sql.Open("sqlite", intDates)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE "user" ("id" text not null primary key, "name" text not null, "email" text not null unique, "emailVerified" integer not null, "image" text, "createdAt" integer not null, "updatedAt" integer not null)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	for _, c := range []struct {
		name, path string
		schema     store.Schema
		says       []string
	}{
		{"misspelt column", path, misspelt, []string{`table "sessions" has no column "expires"`, "session.expiresAt"}},
		{"fields missing", path, camel, []string{`table "users" has no column "createdAt"`}},
		{"integer dates", intDates, store.Schema{}, []string{`"user"."createdAt" is of type "integer"`, "integer dates are not supported"}},
		{"bad name", filepath.Join(dir, "never.db"), store.Schema{Session: store.Model{Name: `s"; --`}}, []string{"only letters"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := OpenWith(c.path, Options{SweepInterval: -1, Schema: c.schema})
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if !errors.Is(err, store.ErrSchema) {
				t.Errorf("err = %v, want store.ErrSchema", err)
			}
			for _, w := range c.says {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to say %q", err, w)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "never.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a Schema that does not resolve created the file: %v", err)
	}
	// The refused opens created nothing under the wrong names.
	db, err = sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name IN ('user', 'session', 'sessionkit_session_revoked')`).Scan(&n); err != nil || n != 0 {
		t.Errorf("default-named objects after refused opens: %d %v", n, err)
	}
}

// TestExistingIndexKept: an index already on a column Better Auth indexes
// (drizzle-kit names it after the field: "sessions_userId_idx" on
// "user_id") stands for Better Auth's; Open adds no second one.
func TestExistingIndexKept(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "drizzle.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	st := render(mustResolve(storetest.DrizzleSchema()), store.AdditionalFields{})
	for _, q := range append(st.schema, `CREATE INDEX "sessions_userId_idx" ON "sessions" ("user_id")`) {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := OpenWith(path, Options{SweepInterval: -1, Schema: storetest.DrizzleSchema()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.DB().Query(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sessions' AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	if want := []string{"sessionkit_sessions_expires_at_idx", "sessions_userId_idx"}; !slices.Equal(got, want) {
		t.Errorf("indexes on sessions: %v, want %v", got, want)
	}
}
