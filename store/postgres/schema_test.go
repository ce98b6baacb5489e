package postgres

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit/store"
)

// Statements of Better Auth's default names, for the tests that write rows
// directly.
var (
	qInsertSession  = defaultSQL.insertSession
	qSessionByToken = defaultSQL.sessionByToken
)

// goldenSQL is every statement of the store before names were
// configurable: the default Schema must render exactly these (the same
// prepared statements and plans, the same schema as Better Auth's
// migrator).
var goldenSQL = map[string]any{
	"schema":              []string{"CREATE TABLE IF NOT EXISTS \"user\" (\"id\" text not null primary key, \"name\" text not null, \"email\" text not null unique, \"emailVerified\" boolean not null, \"image\" text, \"createdAt\" timestamptz not null, \"updatedAt\" timestamptz not null)", "CREATE TABLE IF NOT EXISTS \"session\" (\"id\" text not null primary key, \"expiresAt\" timestamptz not null, \"token\" text not null unique, \"createdAt\" timestamptz not null, \"updatedAt\" timestamptz not null, \"ipAddress\" text, \"userAgent\" text, \"userId\" text not null references \"user\" (\"id\") on delete cascade)", "CREATE TABLE IF NOT EXISTS \"account\" (\"id\" text not null primary key, \"accountId\" text not null, \"providerId\" text not null, \"userId\" text not null references \"user\" (\"id\") on delete cascade, \"accessToken\" text, \"refreshToken\" text, \"idToken\" text, \"accessTokenExpiresAt\" timestamptz, \"refreshTokenExpiresAt\" timestamptz, \"scope\" text, \"password\" text, \"createdAt\" timestamptz not null, \"updatedAt\" timestamptz not null)", "CREATE TABLE IF NOT EXISTS \"verification\" (\"id\" text not null primary key, \"identifier\" text not null, \"value\" text not null, \"expiresAt\" timestamptz not null, \"createdAt\" timestamptz not null, \"updatedAt\" timestamptz not null)", "CREATE INDEX IF NOT EXISTS \"session_userId_idx\" on \"session\" (\"userId\")", "CREATE INDEX IF NOT EXISTS \"account_userId_idx\" on \"account\" (\"userId\")", "CREATE INDEX IF NOT EXISTS \"verification_identifier_idx\" on \"verification\" (\"identifier\")"},
	"insertUser":          "INSERT INTO \"user\" (\"id\", \"name\", \"email\", \"emailVerified\", \"image\", \"createdAt\", \"updatedAt\") VALUES ($1, $2, $3, $4, $5, $6, $7)",
	"userByID":            "SELECT \"id\", \"name\", \"email\", \"emailVerified\", \"image\", \"createdAt\", \"updatedAt\" FROM \"user\" WHERE \"id\" = $1",
	"userByEmail":         "SELECT \"id\", \"name\", \"email\", \"emailVerified\", \"image\", \"createdAt\", \"updatedAt\" FROM \"user\" WHERE \"email\" = $1",
	"insertSession":       "INSERT INTO \"session\" (\"id\", \"token\", \"userId\", \"expiresAt\", \"createdAt\", \"updatedAt\", \"ipAddress\", \"userAgent\") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	"sessionByToken":      "SELECT s.\"id\", s.\"token\", s.\"userId\", s.\"expiresAt\", s.\"createdAt\", s.\"updatedAt\", s.\"ipAddress\", s.\"userAgent\",\n\t\tu.\"id\", u.\"name\", u.\"email\", u.\"emailVerified\", u.\"image\", u.\"createdAt\", u.\"updatedAt\"\n\t\tFROM \"session\" AS s JOIN \"user\" AS u ON u.\"id\" = s.\"userId\" WHERE s.\"token\" = $1",
	"slideSession":        "UPDATE \"session\" SET \"expiresAt\" = $1, \"updatedAt\" = $2 WHERE \"token\" = $3 RETURNING \"id\", \"token\", \"userId\", \"expiresAt\", \"createdAt\", \"updatedAt\", \"ipAddress\", \"userAgent\"",
	"deleteSession":       "DELETE FROM \"session\" WHERE \"token\" = $1",
	"listSessions":        "SELECT \"id\", \"token\", \"userId\", \"expiresAt\", \"createdAt\", \"updatedAt\", \"ipAddress\", \"userAgent\" FROM \"session\" WHERE \"userId\" = $1 AND \"expiresAt\" > $2 ORDER BY \"createdAt\", \"id\"",
	"deleteUserSessions":  "DELETE FROM \"session\" WHERE \"userId\" = $1",
	"deleteOtherSessions": "DELETE FROM \"session\" WHERE \"userId\" = $1 AND \"token\" <> $2",
	"deleteExpired":       "DELETE FROM \"session\" WHERE \"id\" IN (SELECT \"id\" FROM \"session\" WHERE \"expiresAt\" <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
	"setPassword":         "WITH updated AS (\n\t\tUPDATE \"account\" SET \"password\" = $2, \"updatedAt\" = $3 WHERE \"userId\" = $1 AND \"providerId\" = 'credential' RETURNING 1\n\t)\n\tINSERT INTO \"account\" (\"id\", \"accountId\", \"providerId\", \"userId\", \"password\", \"createdAt\", \"updatedAt\")\n\tSELECT $4, $1, 'credential', $1, $2, $3, $3 WHERE NOT EXISTS (SELECT 1 FROM updated)",
	"insertPassword":      "INSERT INTO \"account\" (\"id\", \"accountId\", \"providerId\", \"userId\", \"password\", \"createdAt\", \"updatedAt\") VALUES ($1, $2, 'credential', $2, $3, $4, $4)",
	"lockUser":            "SELECT 1 FROM \"user\" WHERE \"id\" = $1 FOR UPDATE",
	"passwordHash":        "SELECT \"password\" FROM \"account\" WHERE \"userId\" = $1 AND \"providerId\" = 'credential' AND \"password\" IS NOT NULL ORDER BY \"createdAt\" LIMIT 1",
	"updateUser":          "UPDATE \"user\" SET \"name\" = COALESCE($2, \"name\"), \"image\" = CASE WHEN $3 THEN $4 ELSE \"image\" END, \"updatedAt\" = $5 WHERE \"id\" = $1 RETURNING \"id\", \"name\", \"email\", \"emailVerified\", \"image\", \"createdAt\", \"updatedAt\"",
	"deleteUserAccounts":  "DELETE FROM \"account\" WHERE \"userId\" = $1",
	"deleteUser":          "DELETE FROM \"user\" WHERE \"id\" = $1",
	"createRateLimit":     "CREATE TABLE IF NOT EXISTS \"rateLimit\" (\"id\" text not null primary key, \"key\" text not null unique, \"count\" integer not null, \"lastRequest\" bigint not null)",
	"consume":             "INSERT INTO \"rateLimit\" (\"id\", \"key\", \"count\", \"lastRequest\") VALUES ($1, $2, 1, $3)\n\t\tON CONFLICT (\"key\") DO UPDATE SET\n\t\t\t\"count\" = CASE WHEN $3 - \"rateLimit\".\"lastRequest\" >= $4 THEN 1 ELSE \"rateLimit\".\"count\" + 1 END,\n\t\t\t\"lastRequest\" = $3\n\t\tWHERE $3 - \"rateLimit\".\"lastRequest\" >= $4 OR \"rateLimit\".\"count\" < $5\n\t\tRETURNING \"count\"",
	"lastRequest":         "SELECT \"lastRequest\" FROM \"rateLimit\" WHERE \"key\" = $1",
	"pruneRequests":       "DELETE FROM \"rateLimit\" WHERE \"lastRequest\" < $1",
}

func TestRenderDefaultIsGolden(t *testing.T) {
	t.Parallel()
	d := defaultSQL
	schema := slices.Clone(d.schema)
	for _, ix := range d.indexes {
		schema = append(schema, ix.Create)
	}
	got := map[string]any{
		"schema":     schema,
		"insertUser": d.insertUser, "userByID": d.userByID, "userByEmail": d.userByEmail,
		"insertSession": d.insertSession, "sessionByToken": d.sessionByToken, "slideSession": d.slideSession,
		"deleteSession": d.deleteSession, "listSessions": d.listSessions, "deleteUserSessions": d.deleteUserSessions,
		"deleteOtherSessions": d.deleteOtherSessions, "deleteExpired": d.deleteExpired,
		"setPassword": d.setPassword, "insertPassword": d.insertPassword, "lockUser": d.lockUser, "passwordHash": d.passwordHash,
		"updateUser": d.updateUser, "deleteUserAccounts": d.deleteUserAccounts, "deleteUser": d.deleteUser,
		"createRateLimit": d.createRateLimit, "consume": d.consume, "lastRequest": d.lastRequest, "pruneRequests": d.pruneRequests,
	}
	// Every statement is in got (indexes are in schema's list), but
	// social sign-in's, which came after (TestRenderOAuthDefault), and
	// rows, the column lists of additional fields (TestRenderRowsDefault).
	if n := reflect.TypeFor[statements]().NumField() - 3; len(got) != n {
		t.Fatalf("%d statements compared, %d rendered", len(got), n)
	}
	for name, want := range goldenSQL {
		if !reflect.DeepEqual(got[name], want) {
			t.Errorf("%s:\n got %#v\nwant %#v", name, got[name], want)
		}
	}
	if len(goldenSQL) != len(got) {
		t.Errorf("%d golden statements, %d rendered", len(goldenSQL), len(got))
	}
}

// TestFeedDefaultIsGolden: the feed's statements for the default names are
// the ones earlier versions created (so Open on their databases finds the
// same function and trigger).
func TestFeedDefaultIsGolden(t *testing.T) {
	t.Parallel()
	want := []string{
		`CREATE TABLE IF NOT EXISTS "app"."sessionkit_revocation" ("seq" bigserial primary key, "sessionId" text not null, "revokedAt" timestamptz not null default clock_timestamp())`,
		`CREATE INDEX IF NOT EXISTS "sessionkit_revocation_revokedAt_idx" on "app"."sessionkit_revocation" ("revokedAt")`,
		`CREATE OR REPLACE FUNCTION "app"."sessionkit_session_revoked"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF OLD."expiresAt" > clock_timestamp() THEN
		INSERT INTO "app"."sessionkit_revocation" ("sessionId") VALUES (OLD."id");
		PERFORM pg_notify('sessionkit_revocation', 'app' || ' ' || OLD."id");
	END IF;
	RETURN OLD;
END $$`,
		`DO $$ BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'sessionkit_session_revoked' AND tgrelid = '"app"."session"'::regclass) THEN
		CREATE TRIGGER "sessionkit_session_revoked" AFTER DELETE ON "app"."session" FOR EACH ROW EXECUTE FUNCTION "app"."sessionkit_session_revoked"();
	END IF;
END $$`,
	}
	tb, err := store.Schema{}.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	if got := feedStatements("app", tb.Session, false); !slices.Equal(got, want) {
		t.Errorf("feed statements:\n%q\nwant\n%q", got, want)
	}
}

// TestRenderOAuthDefault: social sign-in's statements under Better Auth's
// default names.
func TestRenderOAuthDefault(t *testing.T) {
	t.Parallel()
	o := defaultSQL.oauth
	for _, tc := range []struct{ got, want string }{
		{o.accountByKey, `SELECT "id", "accountId", "providerId", "userId", "accessToken", "refreshToken", "idToken", "accessTokenExpiresAt", "refreshTokenExpiresAt", "scope", "createdAt", "updatedAt" FROM "account" WHERE "providerId" = $1 AND "accountId" = $2 ORDER BY "createdAt" LIMIT 1`},
		{o.takeVerif, `DELETE FROM "verification" WHERE "identifier" = $1 RETURNING "id", "identifier", "value", "expiresAt", "createdAt", "updatedAt"`},
		{o.indexes[0].Create, `CREATE INDEX IF NOT EXISTS "sessionkit_account_providerId_accountId_idx" on "account" ("providerId", "accountId")`},
		{o.indexes[1].Create, `CREATE INDEX IF NOT EXISTS "sessionkit_verification_expiresAt_idx" on "verification" ("expiresAt")`},
	} {
		if tc.got != tc.want {
			t.Errorf("got  %s\nwant %s", tc.got, tc.want)
		}
	}
}

// TestRenderRowsDefault: without additional fields, the row column lists
// are those of the golden statements that read whole rows.
func TestRenderRowsDefault(t *testing.T) {
	t.Parallel()
	d := defaultSQL
	if want := "SELECT " + d.rows.user + ` FROM "user" WHERE "id" = $1`; d.userByID != want {
		t.Errorf("rows.user = %q: userByID %q", d.rows.user, d.userByID)
	}
	if !strings.HasSuffix(d.slideSession, "RETURNING "+d.rows.session) {
		t.Errorf("rows.session = %q: slideSession %q", d.rows.session, d.slideSession)
	}
}
