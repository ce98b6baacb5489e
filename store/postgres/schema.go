package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/sessionkit/sessionkit/store"
)

// migrateLock is the key of the transaction-scoped advisory lock that
// serialises migrations: concurrent CREATE TABLE IF NOT EXISTS of one table
// can otherwise fail with a unique violation in the system catalogs.
// The value is arbitrary ("sessionkit" in ASCII, truncated to 63 bits).
const migrateLock int64 = 0x73657373696f6e6b

// statements is every SQL statement of the store, rendered once by Open
// from the table and column names of Options.Schema and the additional
// fields of Options.Fields (render). Nothing else writes a table or column
// name into SQL, but for the ALTER TABLE and UPDATE statements of
// additional fields (fields.go), which take the same names. pgx prepares each query on
// first use on a connection and caches it (QueryExecModeCacheStatement),
// so every later call is a single round trip.
type statements struct {
	// schema is Better Auth 1.7.25's PostgreSQL schema: the tables,
	// columns, constraints and indexes its migrator creates for the SQLite
	// schema of spec §8.1, with PostgreSQL's types (dates are timestamptz,
	// booleans boolean) and IF NOT EXISTS added. Every statement only
	// creates what is missing; nothing here drops or alters existing data,
	// so Open is safe on a database Better Auth created and on one another
	// sessionkit instance is migrating at the same moment (migrate
	// serialises them with an advisory lock).
	schema []string
	// indexes are Better Auth's indexes, created after the tables.
	indexes []store.Index

	insertUser, userByID, userByEmail         string
	insertSession                             string
	sessionByToken                            string // the hot path: one probe of the unique index on token, joined to the user by primary key
	slideSession, deleteSession, listSessions string
	deleteUserSessions, deleteOtherSessions   string
	// deleteExpired deletes one batch. SKIP LOCKED lets several instances
	// sweep at once: each locks and deletes rows the others have not
	// claimed, nobody waits, and no row is counted twice.
	deleteExpired string
	// Better Auth keeps a password in an account row with providerId
	// "credential" and accountId = the user id. setPassword updates that
	// row or, when there is none, inserts it, in one round trip.
	setPassword, insertPassword, lockUser, passwordHash string
	updateUser, deleteUserAccounts, deleteUser          string
	// rows are column lists, not statements: those of a whole user and
	// session row, additional fields included, which UpdateUserFields and
	// UpdateSessionFields return (fields.go).
	rows struct{ user, session string }
	// Better Auth's rateLimit table (ratelimit.go).
	createRateLimit, consume, lastRequest, pruneRequests string
	oauth                                                oauthStatements // social sign-in's (oauth.go)
}

// defaultSQL is the statements of Better Auth's default names.
var defaultSQL = render(mustResolve(store.Schema{}), store.AdditionalFields{})

func mustResolve(s store.Schema) store.Tables {
	t, err := s.Resolve()
	if err != nil {
		panic(err)
	}
	return t
}

// render writes every statement with the names of t (validated by
// store.Schema.Resolve, quoted by store.Quote) and the columns of the
// additional fields f (validated by store.AdditionalFields.Validate), which
// follow the core columns in declaration order. Without fields it is the
// SQL of Better Auth's core schema.
func render(t store.Tables, f store.AdditionalFields) statements {
	q := store.Quote
	cols := func(tbl store.Table, prefix string, fields ...string) string {
		out := make([]string, len(fields))
		for i, f := range fields {
			out[i] = prefix + tbl.Q(f)
		}
		return strings.Join(out, ", ")
	}
	u, s, a, v, r := t.User, t.Session, t.Account, t.Verification, t.RateLimit
	U, S, A, V, R := q(u.Name), q(s.Name), q(a.Name), q(v.Name), q(r.Name)
	uc, sc, ac, vc, rc := u.Q, s.Q, a.Q, v.Q, r.Q

	userFields := []string{"id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt"}
	sessionFields := []string{"id", "token", "userId", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent"}
	userColumns := cols(u, "", userFields...)
	sessionColumns := cols(s, "", sessionFields...)
	references := " text not null references " + U + " (" + uc("id") + ") on delete cascade"

	var st statements
	st.schema = []string{
		`CREATE TABLE IF NOT EXISTS ` + U + ` (` + uc("id") + ` text not null primary key, ` + uc("name") + ` text not null, ` + uc("email") + ` text not null unique, ` + uc("emailVerified") + ` boolean not null, ` + uc("image") + ` text, ` + uc("createdAt") + ` timestamptz not null, ` + uc("updatedAt") + ` timestamptz not null` + columnDefs(f.User) + `)`,
		`CREATE TABLE IF NOT EXISTS ` + S + ` (` + sc("id") + ` text not null primary key, ` + sc("expiresAt") + ` timestamptz not null, ` + sc("token") + ` text not null unique, ` + sc("createdAt") + ` timestamptz not null, ` + sc("updatedAt") + ` timestamptz not null, ` + sc("ipAddress") + ` text, ` + sc("userAgent") + ` text, ` + sc("userId") + references + columnDefs(f.Session) + `)`,
		`CREATE TABLE IF NOT EXISTS ` + A + ` (` + ac("id") + ` text not null primary key, ` + ac("accountId") + ` text not null, ` + ac("providerId") + ` text not null, ` + ac("userId") + references + `, ` + ac("accessToken") + ` text, ` + ac("refreshToken") + ` text, ` + ac("idToken") + ` text, ` + ac("accessTokenExpiresAt") + ` timestamptz, ` + ac("refreshTokenExpiresAt") + ` timestamptz, ` + ac("scope") + ` text, ` + ac("password") + ` text, ` + ac("createdAt") + ` timestamptz not null, ` + ac("updatedAt") + ` timestamptz not null)`,
		`CREATE TABLE IF NOT EXISTS ` + V + ` (` + vc("id") + ` text not null primary key, ` + vc("identifier") + ` text not null, ` + vc("value") + ` text not null, ` + vc("expiresAt") + ` timestamptz not null, ` + vc("createdAt") + ` timestamptz not null, ` + vc("updatedAt") + ` timestamptz not null)`,
	}
	st.indexes = store.CoreIndexes(t)

	// The additional fields' columns follow the core ones in every
	// statement that writes or reads a whole row; the scans read them in
	// the same order.
	st.rows.user = userColumns + fieldCols(f.User, "")
	st.rows.session = sessionColumns + fieldCols(f.Session, "")
	st.insertUser = `INSERT INTO ` + U + ` (` + userColumns + fieldNames(f.User) + `) VALUES ($1, $2, $3, $4, $5, $6, $7` + fieldMarks(len(f.User), 8) + `)`
	st.userByID = `SELECT ` + st.rows.user + ` FROM ` + U + ` WHERE ` + uc("id") + ` = $1`
	st.userByEmail = `SELECT ` + st.rows.user + ` FROM ` + U + ` WHERE ` + uc("email") + ` = $1`

	st.insertSession = `INSERT INTO ` + S + ` (` + sessionColumns + fieldNames(f.Session) + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8` + fieldMarks(len(f.Session), 9) + `)`
	st.sessionByToken = `SELECT ` + cols(s, "s.", sessionFields...) + fieldCols(f.Session, "s.") + `,
		` + cols(u, "u.", userFields...) + fieldCols(f.User, "u.") + `
		FROM ` + S + ` AS s JOIN ` + U + ` AS u ON u.` + uc("id") + ` = s.` + sc("userId") + ` WHERE s.` + sc("token") + ` = $1`
	st.slideSession = `UPDATE ` + S + ` SET ` + sc("expiresAt") + ` = $1, ` + sc("updatedAt") + ` = $2 WHERE ` + sc("token") + ` = $3 RETURNING ` + st.rows.session
	st.deleteSession = `DELETE FROM ` + S + ` WHERE ` + sc("token") + ` = $1`
	st.listSessions = `SELECT ` + st.rows.session + ` FROM ` + S + ` WHERE ` + sc("userId") + ` = $1 AND ` + sc("expiresAt") + ` > $2 ORDER BY ` + sc("createdAt") + `, ` + sc("id")
	st.deleteUserSessions = `DELETE FROM ` + S + ` WHERE ` + sc("userId") + ` = $1`
	st.deleteOtherSessions = `DELETE FROM ` + S + ` WHERE ` + sc("userId") + ` = $1 AND ` + sc("token") + ` <> $2`
	st.deleteExpired = `DELETE FROM ` + S + ` WHERE ` + sc("id") + ` IN (SELECT ` + sc("id") + ` FROM ` + S + ` WHERE ` + sc("expiresAt") + ` <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`

	credentialColumns := cols(a, "", "id", "accountId", "providerId", "userId", "password", "createdAt", "updatedAt")
	st.setPassword = `WITH updated AS (
		UPDATE ` + A + ` SET ` + ac("password") + ` = $2, ` + ac("updatedAt") + ` = $3 WHERE ` + ac("userId") + ` = $1 AND ` + ac("providerId") + ` = 'credential' RETURNING 1
	)
	INSERT INTO ` + A + ` (` + credentialColumns + `)
	SELECT $4, $1, 'credential', $1, $2, $3, $3 WHERE NOT EXISTS (SELECT 1 FROM updated)`
	st.insertPassword = `INSERT INTO ` + A + ` (` + credentialColumns + `) VALUES ($1, $2, 'credential', $2, $3, $4, $4)`
	st.lockUser = `SELECT 1 FROM ` + U + ` WHERE ` + uc("id") + ` = $1 FOR UPDATE`
	st.passwordHash = `SELECT ` + ac("password") + ` FROM ` + A + ` WHERE ` + ac("userId") + ` = $1 AND ` + ac("providerId") + ` = 'credential' AND ` + ac("password") + ` IS NOT NULL ORDER BY ` + ac("createdAt") + ` LIMIT 1`

	st.updateUser = `UPDATE ` + U + ` SET ` + uc("name") + ` = COALESCE($2, ` + uc("name") + `), ` +
		uc("image") + ` = CASE WHEN $3 THEN $4 ELSE ` + uc("image") + ` END, ` + uc("updatedAt") + ` = $5 WHERE ` + uc("id") + ` = $1 RETURNING ` + st.rows.user
	st.deleteUserAccounts = `DELETE FROM ` + A + ` WHERE ` + ac("userId") + ` = $1`
	st.deleteUser = `DELETE FROM ` + U + ` WHERE ` + uc("id") + ` = $1`

	// Better Auth's rateLimit table (rateLimit.storage: "database"): one
	// row per key, lastRequest in milliseconds since the epoch.
	st.createRateLimit = `CREATE TABLE IF NOT EXISTS ` + R + ` (` + rc("id") + ` text not null primary key, ` + rc("key") + ` text not null unique, ` + rc("count") + ` integer not null, ` + rc("lastRequest") + ` bigint not null)`
	// consume is Better Auth's decideConsume in one atomic statement: a
	// new key starts at 1; a key whose window ($4 ms since its last allowed
	// request) has passed restarts at 1; one under $5 counts one more. A
	// key at its limit is left alone and no row is returned.
	st.consume = `INSERT INTO ` + R + ` (` + cols(r, "", "id", "key", "count", "lastRequest") + `) VALUES ($1, $2, 1, $3)
		ON CONFLICT (` + rc("key") + `) DO UPDATE SET
			` + rc("count") + ` = CASE WHEN $3 - ` + R + `.` + rc("lastRequest") + ` >= $4 THEN 1 ELSE ` + R + `.` + rc("count") + ` + 1 END,
			` + rc("lastRequest") + ` = $3
		WHERE $3 - ` + R + `.` + rc("lastRequest") + ` >= $4 OR ` + R + `.` + rc("count") + ` < $5
		RETURNING ` + rc("count")
	st.lastRequest = `SELECT ` + rc("lastRequest") + ` FROM ` + R + ` WHERE ` + rc("key") + ` = $1`
	st.pruneRequests = `DELETE FROM ` + R + ` WHERE ` + rc("lastRequest") + ` < $1`
	st.oauth = renderOAuth(t)
	return st
}

// createIndexes creates each index (store.Index) whose column has none yet, in the
// current schema.
func createIndexes(ctx context.Context, tx pgx.Tx, indexes ...store.Index) error {
	for _, ix := range indexes {
		var n int
		err := tx.QueryRow(ctx, `SELECT count(*) FROM pg_index AS x
			JOIN pg_class AS c ON c.oid = x.indrelid
			JOIN pg_attribute AS a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
			WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = $1 AND a.attname = $2`, ix.Table, ix.Column).Scan(&n)
		if err != nil {
			return fmt.Errorf("read indexes of %q: %w", ix.Table, err)
		}
		if n > 0 {
			continue
		}
		if _, err := tx.Exec(ctx, ix.Create); err != nil {
			return err
		}
	}
	return nil
}

// columnTypes returns the columns of table in the current schema, lower
// case data types by column name (case-sensitive, as PostgreSQL's quoted
// names are).
func columnTypes(ctx context.Context, tx pgx.Tx, table string) (map[string]string, error) {
	rows, err := tx.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1`, table)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var name, typ string
	_, err = pgx.ForEachRow(rows, []any{&name, &typ}, func() error {
		out[name] = strings.ToLower(typ)
		return nil
	})
	return out, err
}

// checkColumns makes sure the user, session and account tables have
// every column the names give them (CREATE TABLE IF NOT EXISTS leaves a
// table that exists as it is), with dates in a timestamp type, and so has
// the rateLimit table if there is one (it is created on first use). It
// reports whether the session's expiry is a timestamp without time zone
// (Drizzle's and Prisma's PostgreSQL schemas): those hold UTC, as pgx
// writes them here, and the revocation trigger compares them with UTC.
func checkColumns(ctx context.Context, tx pgx.Tx, t store.Tables) (sessionExpiryLocal bool, err error) {
	for _, tc := range []struct {
		model    string
		tbl      store.Table
		optional bool
	}{{"user", t.User, false}, {"session", t.Session, false}, {"account", t.Account, false}, {"rateLimit", t.RateLimit, true}} {
		types, err := checkTable(ctx, tx, tc.model, tc.tbl, tc.optional)
		if err != nil {
			return false, err
		}
		if tc.model == "session" {
			sessionExpiryLocal = types["expiresAt"] == "timestamp without time zone"
		}
	}
	return sessionExpiryLocal, nil
}

// checkTable checks the columns of one model's table and returns their
// data types by Better Auth field. A missing table is an error unless
// optional.
func checkTable(ctx context.Context, tx pgx.Tx, model string, tbl store.Table, optional bool) (map[string]string, error) {
	have, err := columnTypes(ctx, tx, tbl.Name)
	if err != nil {
		return nil, fmt.Errorf("read columns of %q: %w", tbl.Name, err)
	}
	if len(have) == 0 && optional {
		return nil, nil
	}
	return tbl.Check(model, have, false, func(typ string) bool { return strings.HasPrefix(typ, "timestamp") })
}
