package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sessionkit/sessionkit/internal/servicetest"
	"github.com/sessionkit/sessionkit/ratelimit"
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
				s, err := Open(context.Background(), servicetest.Postgres(t, pgExec), Options{SweepInterval: -1, Schema: n.schema})
				if err != nil {
					t.Fatal(err)
				}
				return s
			})
		})
	}
}

// drizzleKitDDL is the PostgreSQL schema drizzle-kit makes from the
// Drizzle schema Better Auth's CLI generates with usePlural: plural
// tables, snake_case columns, dates as timestamp without time zone.
var drizzleKitDDL = []string{
	`CREATE TABLE "users" ("id" text PRIMARY KEY NOT NULL, "name" text NOT NULL, "email" text NOT NULL, "email_verified" boolean DEFAULT false NOT NULL, "image" text, "created_at" timestamp DEFAULT now() NOT NULL, "updated_at" timestamp DEFAULT now() NOT NULL, CONSTRAINT "users_email_unique" UNIQUE("email"))`,
	`CREATE TABLE "sessions" ("id" text PRIMARY KEY NOT NULL, "expires_at" timestamp NOT NULL, "token" text NOT NULL, "created_at" timestamp DEFAULT now() NOT NULL, "updated_at" timestamp NOT NULL, "ip_address" text, "user_agent" text, "user_id" text NOT NULL, CONSTRAINT "sessions_token_unique" UNIQUE("token"))`,
	`CREATE TABLE "accounts" ("id" text PRIMARY KEY NOT NULL, "account_id" text NOT NULL, "provider_id" text NOT NULL, "user_id" text NOT NULL, "access_token" text, "refresh_token" text, "id_token" text, "access_token_expires_at" timestamp, "refresh_token_expires_at" timestamp, "scope" text, "password" text, "created_at" timestamp DEFAULT now() NOT NULL, "updated_at" timestamp NOT NULL)`,
	`CREATE TABLE "verifications" ("id" text PRIMARY KEY NOT NULL, "identifier" text NOT NULL, "value" text NOT NULL, "expires_at" timestamp NOT NULL, "created_at" timestamp DEFAULT now() NOT NULL, "updated_at" timestamp DEFAULT now() NOT NULL)`,
	`ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action`,
	`ALTER TABLE "accounts" ADD CONSTRAINT "accounts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action`,
	`CREATE INDEX "sessions_userId_idx" ON "sessions" USING btree ("user_id")`,
	`CREATE INDEX "accounts_userId_idx" ON "accounts" USING btree ("user_id")`,
	`CREATE INDEX "verifications_identifier_idx" ON "verifications" USING btree ("identifier")`,
}

// TestDrizzleKitDatabase: a database drizzle-kit created opens unchanged
// (no table or index added but sessionkit's own), its timestamp columns
// hold UTC whatever the connection's TimeZone, and the revocation trigger
// compares them as UTC: a live session deleted from a connection in Tokyo
// is a revocation, one expired an hour ago deleted from Los Angeles is not.
func TestDrizzleKitDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := servicetest.Postgres(t, pgExec)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var schemaName string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schemaName); err != nil {
		t.Fatal(err)
	}
	for _, q := range drizzleKitDDL {
		if _, err := conn.Exec(ctx, strings.ReplaceAll(q, `"public".`, pgx.Identifier{schemaName}.Sanitize()+`.`)); err != nil {
			t.Fatal(err)
		}
	}
	relations := func() []string {
		rows, err := conn.Query(ctx, `SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'i') ORDER BY relname`)
		if err != nil {
			t.Fatal(err)
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return slices.DeleteFunc(names, func(n string) bool { return strings.HasPrefix(n, "sessionkit_") })
	}
	before := relations()

	s := openDSN(t, dsn, Options{Schema: storetest.DrizzleSchema()})
	if after := relations(); !slices.Equal(after, before) {
		t.Errorf("Open changed the schema:\n%v\nwas\n%v", after, before)
	}

	sink := &recSink{}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := s.WatchRevocations(wctx, time.Now().Add(-time.Minute), sink); err != nil {
		t.Fatal(err)
	}
	u := newUser("Drizzle")
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	live := newSession(u.ID, now.Add(2*time.Hour))
	gone := newSession(u.ID, now.Add(-time.Hour))
	for _, ss := range []store.Session{live, gone} {
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
	}
	// The row holds UTC wall time, as Drizzle writes it.
	var wall string
	if err := conn.QueryRow(ctx, `SELECT to_char("expires_at", 'YYYY-MM-DD"T"HH24:MI:SS.MS') FROM "sessions" WHERE "id" = $1`, live.ID).Scan(&wall); err != nil {
		t.Fatal(err)
	}
	if want := live.ExpiresAt.Format("2006-01-02T15:04:05.000"); wall != want {
		t.Errorf("expires_at holds %s, want UTC %s", wall, want)
	}
	got, _, err := s.SessionByToken(ctx, live.Token)
	if err != nil || !got.ExpiresAt.Equal(live.ExpiresAt) {
		t.Fatalf("lookup: %v %v, want expiry %v", got.ExpiresAt, err, live.ExpiresAt)
	}
	if list, err := s.ListSessions(ctx, u.ID, now); err != nil || len(list) != 1 || list[0].ID != live.ID {
		t.Fatalf("list: %v %v, want the live session only", list, err)
	}
	for _, d := range []struct{ tz, token string }{{"Asia/Tokyo", live.Token}, {"America/Los_Angeles", gone.Token}} {
		if _, err := conn.Exec(ctx, `SET TIME ZONE '`+d.tz+`'`); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `DELETE FROM "sessions" WHERE "token" = $1`, d.token); err != nil {
			t.Fatal(err)
		}
	}
	if ids := sink.waitCaughtUp(t); !slices.Equal(ids, []string{live.ID}) {
		t.Fatalf("delivered %v, want the live session %s only", ids, live.ID)
	}
}

// TestRenamedFeed: the trigger and its function follow the renamed
// session table (Prisma's case-sensitive "Session" too).
func TestRenamedFeed(t *testing.T) {
	t.Parallel()
	for _, n := range namings {
		t.Run(n.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := servicetest.Postgres(t, pgExec)
			a := openDSN(t, dsn, Options{Schema: n.schema})
			b := openDSN(t, dsn, Options{Schema: n.schema})
			sink := &recSink{}
			wctx, cancel := context.WithCancel(ctx)
			defer cancel()
			if err := a.WatchRevocations(wctx, time.Now().Add(-time.Minute), sink); err != nil {
				t.Fatal(err)
			}
			u := newUser("Feed")
			if err := b.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			s1 := liveSession(t, b, u.ID, time.Now().Add(time.Hour))
			s2 := liveSession(t, b, u.ID, time.Now().Add(time.Hour))
			liveSession(t, b, u.ID, time.Now().Add(-time.Hour))
			if err := b.DeleteSession(ctx, s1.Token); err != nil {
				t.Fatal(err)
			}
			if err := b.DeleteUser(ctx, u.ID); err != nil { // s2 and the expired one
				t.Fatal(err)
			}
			got := sink.waitCaughtUp(t)
			want := []string{s1.ID, s2.ID}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("delivered %v, want %v", got, want)
			}
			var trigger string
			if err := a.Pool().QueryRow(ctx, `SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname LIKE 'sessionkit%'`, store.Quote(a.tables.Session.Name)).Scan(&trigger); err != nil {
				t.Fatal(err)
			}
			if want := "sessionkit_" + a.tables.Session.Name + "_revoked"; trigger != want {
				t.Errorf("trigger %q, want %q", trigger, want)
			}
		})
	}
}

// TestRenamedRateLimit: the rateLimit table follows the Schema, and a
// rateLimit table whose columns do not match it is refused at Open.
func TestRenamedRateLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := servicetest.Postgres(t, pgExec)
	s := openDSN(t, dsn, Options{Schema: storetest.DrizzleSchema()})
	rule := ratelimit.Rule{Window: 10 * time.Second, Max: 1}
	for i, want := range []bool{true, false} {
		res, err := s.Consume(ctx, "k", rule, at)
		if err != nil || res.Allowed != want {
			t.Fatalf("consume %d: %+v %v, want allowed %v", i, res, err, want)
		}
	}
	var n int
	if err := s.Pool().QueryRow(ctx, `SELECT "count" FROM "rate_limits" WHERE "key" = 'k' AND "last_request" > 0`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("rate_limits row: %d %v", n, err)
	}
	// The default naming's "rateLimit" is not the table of this Schema.
	camel := storetest.DrizzleSchema()
	camel.RateLimit.Fields = nil
	if _, err := Open(ctx, dsn, Options{SweepInterval: -1, Schema: camel}); !errors.Is(err, store.ErrSchema) || !strings.Contains(err.Error(), `"rate_limits" has no column "lastRequest"`) {
		t.Fatalf("Open with the wrong rate-limit columns: %v", err)
	}
}

// TestOpenRefusesSchemaMismatch: a Schema that does not match the
// database is an error at Open naming the table and column (and
// creates nothing: the migration is one transaction).
func TestOpenRefusesSchemaMismatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := servicetest.Postgres(t, pgExec)
	openDSN(t, dsn, Options{Schema: storetest.DrizzleSchema()}).Close()

	misspelt := storetest.DrizzleSchema()
	misspelt.Session.Fields["expiresAt"] = "expires"
	misspelt.Verification.Name = "verification_tokens"
	_, err := Open(ctx, dsn, Options{SweepInterval: -1, Schema: misspelt})
	if !errors.Is(err, store.ErrSchema) || !strings.Contains(err.Error(), `table "sessions" has no column "expires" (Better Auth's session.expiresAt)`) {
		t.Fatalf("err = %v, want store.ErrSchema naming sessions.expires", err)
	}
	if _, err := Open(ctx, dsn, Options{SweepInterval: -1, Schema: store.Schema{User: store.Model{Name: `u"; DROP SCHEMA public; --`}}}); !errors.Is(err, store.ErrSchema) {
		t.Fatalf("bad name: %v", err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relname = 'verification_tokens'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a refused Open left a table: %d %v", n, err)
	}
}
