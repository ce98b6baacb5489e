package sqlite

import (
	"reflect"
	"slices"
	"testing"
)

// Statements of Better Auth's default names, for the tests that write rows
// directly.
const (
	userColumns    = `"id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt"`
	sessionColumns = `"id", "token", "userId", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent"`
)

var (
	qInsertUser    = defaultSQL.insertUser
	qInsertSession = defaultSQL.insertSession
	qDeleteExpired = defaultSQL.deleteExpired
)

// goldenSQL is every statement of the store before names were
// configurable: the default Schema must render exactly these (the same
// query plans, the same sqlite_master text as Better Auth's migrator).
var goldenSQL = map[string]any{
	"schema":               []string{"CREATE TABLE IF NOT EXISTS \"user\" (\"id\" text not null primary key, \"name\" text not null, \"email\" text not null unique, \"emailVerified\" integer not null, \"image\" text, \"createdAt\" date not null, \"updatedAt\" date not null)", "CREATE TABLE IF NOT EXISTS \"session\" (\"id\" text not null primary key, \"expiresAt\" date not null, \"token\" text not null unique, \"createdAt\" date not null, \"updatedAt\" date not null, \"ipAddress\" text, \"userAgent\" text, \"userId\" text not null references \"user\" (\"id\") on delete cascade)", "CREATE TABLE IF NOT EXISTS \"account\" (\"id\" text not null primary key, \"accountId\" text not null, \"providerId\" text not null, \"userId\" text not null references \"user\" (\"id\") on delete cascade, \"accessToken\" text, \"refreshToken\" text, \"idToken\" text, \"accessTokenExpiresAt\" date, \"refreshTokenExpiresAt\" date, \"scope\" text, \"password\" text, \"createdAt\" date not null, \"updatedAt\" date not null)", "CREATE TABLE IF NOT EXISTS \"verification\" (\"id\" text not null primary key, \"identifier\" text not null, \"value\" text not null, \"expiresAt\" date not null, \"createdAt\" date not null, \"updatedAt\" date not null)", "CREATE INDEX IF NOT EXISTS \"session_userId_idx\" on \"session\" (\"userId\")", "CREATE INDEX IF NOT EXISTS \"account_userId_idx\" on \"account\" (\"userId\")", "CREATE INDEX IF NOT EXISTS \"verification_identifier_idx\" on \"verification\" (\"identifier\")"},
	"sweep":                []string{"CREATE INDEX IF NOT EXISTS \"sessionkit_session_expiresAt_idx\" on \"session\" (\"expiresAt\")"},
	"feed":                 []string{"CREATE TABLE IF NOT EXISTS \"sessionkit_revocation\" (\"seq\" integer primary key autoincrement, \"sessionId\" text not null, \"revokedAt\" text not null)", "CREATE INDEX IF NOT EXISTS \"sessionkit_revocation_revokedAt_idx\" on \"sessionkit_revocation\" (\"revokedAt\")", "CREATE TRIGGER IF NOT EXISTS \"sessionkit_session_revoked\" AFTER DELETE ON \"session\" FOR EACH ROW WHEN NOT (typeof(OLD.\"expiresAt\") = 'text' AND OLD.\"expiresAt\" <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) BEGIN INSERT INTO \"sessionkit_revocation\" (\"sessionId\", \"revokedAt\") VALUES (OLD.\"id\", strftime('%Y-%m-%dT%H:%M:%fZ', 'now')); END"},
	"insertUser":           "INSERT INTO \"user\" (\"id\", \"name\", \"email\", \"emailVerified\", \"image\", \"createdAt\", \"updatedAt\") VALUES (?, ?, ?, ?, ?, ?, ?)",
	"userByID":             "SELECT \"id\", \"name\", \"email\", \"emailVerified\", \"image\", +\"createdAt\", +\"updatedAt\" FROM \"user\" WHERE \"id\" = ?",
	"userByEmail":          "SELECT \"id\", \"name\", \"email\", \"emailVerified\", \"image\", +\"createdAt\", +\"updatedAt\" FROM \"user\" WHERE \"email\" = ?",
	"insertSession":        "INSERT INTO \"session\" (\"id\", \"token\", \"userId\", \"expiresAt\", \"createdAt\", \"updatedAt\", \"ipAddress\", \"userAgent\") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	"sessionByToken":       "SELECT s.\"id\", s.\"token\", s.\"userId\", +s.\"expiresAt\", +s.\"createdAt\", +s.\"updatedAt\", s.\"ipAddress\", s.\"userAgent\",\n\t\tu.\"id\", u.\"name\", u.\"email\", u.\"emailVerified\", u.\"image\", +u.\"createdAt\", +u.\"updatedAt\"\n\t\tFROM \"session\" AS s JOIN \"user\" AS u ON u.\"id\" = s.\"userId\" WHERE s.\"token\" = ?",
	"slideSession":         "UPDATE \"session\" SET \"expiresAt\" = ?, \"updatedAt\" = ? WHERE \"token\" = ? RETURNING \"id\", \"token\", \"userId\", +\"expiresAt\", +\"createdAt\", +\"updatedAt\", \"ipAddress\", \"userAgent\"",
	"deleteSession":        "DELETE FROM \"session\" WHERE \"token\" = ?",
	"sessionRowidsByToken": "SELECT s.\"id\", s.\"token\", s.\"userId\", +s.\"expiresAt\", +s.\"createdAt\", +s.\"updatedAt\", s.\"ipAddress\", s.\"userAgent\",\n\t\tu.\"id\", u.\"name\", u.\"email\", u.\"emailVerified\", u.\"image\", +u.\"createdAt\", +u.\"updatedAt\", s.rowid, u.rowid\n\t\tFROM \"session\" AS s JOIN \"user\" AS u ON u.\"id\" = s.\"userId\" WHERE s.\"token\" = ?",
	"sessionByRowids":      "SELECT s.\"id\", s.\"token\", s.\"userId\", +s.\"expiresAt\", +s.\"createdAt\", +s.\"updatedAt\", s.\"ipAddress\", s.\"userAgent\",\n\t\tu.\"id\", u.\"name\", u.\"email\", u.\"emailVerified\", u.\"image\", +u.\"createdAt\", +u.\"updatedAt\"\n\t\tFROM \"session\" AS s, \"user\" AS u WHERE s.rowid = ? AND u.rowid = ? AND +u.\"id\" = s.\"userId\"",
	"listSessions":         "SELECT \"id\", \"token\", \"userId\", +\"expiresAt\", +\"createdAt\", +\"updatedAt\", \"ipAddress\", \"userAgent\" FROM \"session\" WHERE \"userId\" = ? AND \"expiresAt\" > ? ORDER BY \"createdAt\", \"id\"",
	"deleteUserSessions":   "DELETE FROM \"session\" WHERE \"userId\" = ?",
	"deleteOtherSessions":  "DELETE FROM \"session\" WHERE \"userId\" = ? AND \"token\" <> ?",
	"writeProbe":           "DELETE FROM \"session\" WHERE 0",
	"deleteExpired":        "DELETE FROM \"session\" WHERE rowid IN (SELECT rowid FROM \"session\" WHERE \"expiresAt\" <= ? ORDER BY \"expiresAt\" LIMIT ?)",
	"updatePassword":       "UPDATE \"account\" SET \"password\" = ?, \"updatedAt\" = ? WHERE \"userId\" = ? AND \"providerId\" = 'credential'",
	"insertPassword":       "INSERT INTO \"account\" (\"id\", \"accountId\", \"providerId\", \"userId\", \"password\", \"createdAt\", \"updatedAt\") VALUES (?, ?, 'credential', ?, ?, ?, ?)",
	"passwordHash":         "SELECT \"password\" FROM \"account\" WHERE \"userId\" = ? AND \"providerId\" = 'credential' AND \"password\" IS NOT NULL ORDER BY \"createdAt\" LIMIT 1",
	"updateUser":           "UPDATE \"user\" SET \"name\" = COALESCE(?, \"name\"), \"image\" = CASE WHEN ? THEN ? ELSE \"image\" END, \"updatedAt\" = ? WHERE \"id\" = ?",
	"deleteUserAccounts":   "DELETE FROM \"account\" WHERE \"userId\" = ?",
	"deleteUserOnly":       "DELETE FROM \"user\" WHERE \"id\" = ?",
}

func TestRenderDefaultIsGolden(t *testing.T) {
	t.Parallel()
	d := defaultSQL
	schema := slices.Clone(d.schema)
	for _, ix := range d.indexes {
		schema = append(schema, ix.Create)
	}
	got := map[string]any{
		"schema": schema, "sweep": []string{d.sweep.Create}, "feed": d.feed,
		"insertUser": d.insertUser, "userByID": d.userByID, "userByEmail": d.userByEmail,
		"insertSession": d.insertSession, "sessionByToken": d.sessionByToken, "slideSession": d.slideSession,
		"sessionRowidsByToken": d.sessionRowidsByToken, "sessionByRowids": d.sessionByRowids,
		"deleteSession": d.deleteSession, "listSessions": d.listSessions, "deleteUserSessions": d.deleteUserSessions,
		"deleteOtherSessions": d.deleteOtherSessions, "writeProbe": d.writeProbe, "deleteExpired": d.deleteExpired,
		"updatePassword": d.updatePassword, "insertPassword": d.insertPassword, "passwordHash": d.passwordHash,
		"updateUser": d.updateUser, "deleteUserAccounts": d.deleteUserAccounts, "deleteUserOnly": d.deleteUserOnly,
	}
	// Every statement is in got (indexes are in schema's list), but
	// social sign-in's, which came after (TestRenderOAuthDefault).
	if n := reflect.TypeFor[statements]().NumField() - 2; len(got) != n {
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

// TestRenderOAuthDefault: social sign-in's statements under Better Auth's
// default names.
func TestRenderOAuthDefault(t *testing.T) {
	t.Parallel()
	o := defaultSQL.oauth
	for _, tc := range []struct{ got, want string }{
		{o.accountByKey, `SELECT "id", "accountId", "providerId", "userId", "accessToken", "refreshToken", "idToken", "accessTokenExpiresAt", "refreshTokenExpiresAt", "scope", "createdAt", "updatedAt" FROM "account" WHERE "providerId" = ? AND "accountId" = ? ORDER BY "createdAt" LIMIT 1`},
		{o.takeVerif, `DELETE FROM "verification" WHERE "identifier" = ? RETURNING "id", "identifier", "value", "expiresAt", "createdAt", "updatedAt"`},
		{o.indexes[0].Create, `CREATE INDEX IF NOT EXISTS "sessionkit_account_providerId_accountId_idx" on "account" ("providerId", "accountId")`},
		{o.indexes[1].Create, `CREATE INDEX IF NOT EXISTS "sessionkit_verification_expiresAt_idx" on "verification" ("expiresAt")`},
	} {
		if tc.got != tc.want {
			t.Errorf("got  %s\nwant %s", tc.got, tc.want)
		}
	}
}
