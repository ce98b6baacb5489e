package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/sessionkit/sessionkit/store"
)

// statements is every SQL statement of the store, rendered once by Open
// from the table and column names of Options.Schema and the additional
// fields of Options.Fields (render). Nothing else writes a table or column
// name into SQL, but for the ALTER TABLE and UPDATE statements of
// additional fields (fields.go), which take the same names.
type statements struct {
	// schema is Better Auth 1.7.25's SQLite schema, as its migrator writes
	// it, with IF NOT EXISTS added: SQLite drops that clause when it
	// records the statement, so sqlite_master holds the same text as in a
	// database Better Auth created. Every statement only ever creates what
	// is missing; nothing here drops or alters existing data. Keep the
	// column order, quoting and case as they are: tools that diff schemas
	// compare the text.
	schema []string
	// indexes are Better Auth's indexes, created after the tables.
	indexes []store.Index
	// sweep is sessionkit's own index on the session expiry, which lets
	// DeleteExpired find expired rows without reading the table (without
	// it, every batch of a sweep scans the table: 48 s for 100,000 expired
	// rows among a million). Like the feed's table it is additive: Better
	// Auth's migrator compares tables and columns and ignores indexes it
	// did not create, and its queries never name it. Its name starts with
	// sessionkit_ so that tools can tell it apart.
	sweep store.Index
	// feed is the revocation feed's table and trigger (feed.go).
	feed []string

	// Queries, prepared once by Open. Dates are compared as ISO-8601
	// text, as Better Auth compares them.
	//
	// Dates are selected as +"col": unary plus returns the value unchanged
	// but hides the declared type "date", on which modernc.org/sqlite
	// would parse the text itself, trying layouts that fail first (half
	// the allocations of a lookup), and database/sql would then re-format
	// it. timeDest parses Better Auth's one layout directly.
	insertUser, userByID, userByEmail string
	insertSession                     string
	sessionByToken                    string // the hot path: one probe of the unique index on token, joined to the user by primary key
	// The lookup pool's (reader.go): sessionByToken with both rows' rowids
	// after its columns, and the same columns read by those rowids (the
	// user's id checked against the session's userId; the unary plus keeps
	// the planner off the id index, so both are rowid seeks).
	sessionRowidsByToken, sessionByRowids          string
	slideSession, deleteSession, listSessions      string
	deleteUserSessions, deleteOtherSessions        string
	writeProbe                                     string // needs a write transaction and changes nothing; see init
	deleteExpired                                  string
	updatePassword, insertPassword, passwordHash   string
	updateUser, deleteUserAccounts, deleteUserOnly string
	oauth                                          oauthStatements // social sign-in's (oauth.go)
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
	cols := func(tbl store.Table, prefix string, dates bool, fields ...string) string {
		out := make([]string, len(fields))
		for i, f := range fields {
			c := prefix + tbl.Q(f)
			if dates && strings.HasSuffix(f, "At") {
				c = "+" + c
			}
			out[i] = c
		}
		return strings.Join(out, ", ")
	}
	u, s, a, v := t.User, t.Session, t.Account, t.Verification
	U, S, A, V := q(u.Name), q(s.Name), q(a.Name), q(v.Name)
	uc, sc, ac, vc := u.Q, s.Q, a.Q, v.Q

	userFields := []string{"id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt"}
	sessionFields := []string{"id", "token", "userId", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent"}
	userColumns := cols(u, "", false, userFields...)
	userSelect := cols(u, "", true, userFields...)
	sessionColumns := cols(s, "", false, sessionFields...)
	sessionSelect := cols(s, "", true, sessionFields...)
	references := " text not null references " + U + " (" + uc("id") + ") on delete cascade"

	var st statements
	st.schema = []string{
		`CREATE TABLE IF NOT EXISTS ` + U + ` (` + uc("id") + ` text not null primary key, ` + uc("name") + ` text not null, ` + uc("email") + ` text not null unique, ` + uc("emailVerified") + ` integer not null, ` + uc("image") + ` text, ` + uc("createdAt") + ` date not null, ` + uc("updatedAt") + ` date not null` + columnDefs(f.User) + `)`,
		`CREATE TABLE IF NOT EXISTS ` + S + ` (` + sc("id") + ` text not null primary key, ` + sc("expiresAt") + ` date not null, ` + sc("token") + ` text not null unique, ` + sc("createdAt") + ` date not null, ` + sc("updatedAt") + ` date not null, ` + sc("ipAddress") + ` text, ` + sc("userAgent") + ` text, ` + sc("userId") + references + columnDefs(f.Session) + `)`,
		`CREATE TABLE IF NOT EXISTS ` + A + ` (` + ac("id") + ` text not null primary key, ` + ac("accountId") + ` text not null, ` + ac("providerId") + ` text not null, ` + ac("userId") + references + `, ` + ac("accessToken") + ` text, ` + ac("refreshToken") + ` text, ` + ac("idToken") + ` text, ` + ac("accessTokenExpiresAt") + ` date, ` + ac("refreshTokenExpiresAt") + ` date, ` + ac("scope") + ` text, ` + ac("password") + ` text, ` + ac("createdAt") + ` date not null, ` + ac("updatedAt") + ` date not null)`,
		`CREATE TABLE IF NOT EXISTS ` + V + ` (` + vc("id") + ` text not null primary key, ` + vc("identifier") + ` text not null, ` + vc("value") + ` text not null, ` + vc("expiresAt") + ` date not null, ` + vc("createdAt") + ` date not null, ` + vc("updatedAt") + ` date not null)`,
	}
	st.indexes = store.CoreIndexes(t)
	st.sweep = store.Index{Table: s.Name, Column: s.Col("expiresAt"),
		Create: `CREATE INDEX IF NOT EXISTS ` + q(store.ObjectName("sessionkit_"+s.Name+"_"+s.Col("expiresAt"), "idx")) + ` on ` + S + ` (` + sc("expiresAt") + `)`}
	st.feed = []string{
		`CREATE TABLE IF NOT EXISTS "sessionkit_revocation" ("seq" integer primary key autoincrement, "sessionId" text not null, "revokedAt" text not null)`,
		`CREATE INDEX IF NOT EXISTS "sessionkit_revocation_revokedAt_idx" on "sessionkit_revocation" ("revokedAt")`,
		`CREATE TRIGGER IF NOT EXISTS ` + q(store.TriggerName(s.Name)) + ` AFTER DELETE ON ` + S + ` FOR EACH ROW ` +
			`WHEN NOT (typeof(OLD.` + sc("expiresAt") + `) = 'text' AND OLD.` + sc("expiresAt") + ` <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) ` +
			`BEGIN INSERT INTO "sessionkit_revocation" ("sessionId", "revokedAt") VALUES (OLD.` + sc("id") + `, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')); END`,
	}

	// The additional fields' columns follow the core ones in every
	// statement that writes or reads a whole row; scanUser and the session
	// scans read them in the same order.
	marks := func(n int) string { return strings.Repeat(", ?", n) }
	userSelect += fieldCols(f.User, "")
	sessionSelect += fieldCols(f.Session, "")
	st.insertUser = `INSERT INTO ` + U + ` (` + userColumns + fieldNames(f.User) + `) VALUES (?, ?, ?, ?, ?, ?, ?` + marks(len(f.User)) + `)`
	st.userByID = `SELECT ` + userSelect + ` FROM ` + U + ` WHERE ` + uc("id") + ` = ?`
	st.userByEmail = `SELECT ` + userSelect + ` FROM ` + U + ` WHERE ` + uc("email") + ` = ?`

	st.insertSession = `INSERT INTO ` + S + ` (` + sessionColumns + fieldNames(f.Session) + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?` + marks(len(f.Session)) + `)`
	lookupSelect := `SELECT ` + cols(s, "s.", true, sessionFields...) + fieldCols(f.Session, "s.") + `,
		` + cols(u, "u.", true, userFields...) + fieldCols(f.User, "u.")
	lookupJoin := `
		FROM ` + S + ` AS s JOIN ` + U + ` AS u ON u.` + uc("id") + ` = s.` + sc("userId") + ` WHERE s.` + sc("token") + ` = ?`
	st.sessionByToken = lookupSelect + lookupJoin
	st.sessionRowidsByToken = lookupSelect + `, s.rowid, u.rowid` + lookupJoin
	st.sessionByRowids = lookupSelect + `
		FROM ` + S + ` AS s, ` + U + ` AS u WHERE s.rowid = ? AND u.rowid = ? AND +u.` + uc("id") + ` = s.` + sc("userId")
	st.slideSession = `UPDATE ` + S + ` SET ` + sc("expiresAt") + ` = ?, ` + sc("updatedAt") + ` = ? WHERE ` + sc("token") + ` = ? RETURNING ` + sessionSelect
	st.deleteSession = `DELETE FROM ` + S + ` WHERE ` + sc("token") + ` = ?`
	st.listSessions = `SELECT ` + sessionSelect + ` FROM ` + S + ` WHERE ` + sc("userId") + ` = ? AND ` + sc("expiresAt") + ` > ? ORDER BY ` + sc("createdAt") + `, ` + sc("id")
	st.deleteUserSessions = `DELETE FROM ` + S + ` WHERE ` + sc("userId") + ` = ?`
	st.deleteOtherSessions = `DELETE FROM ` + S + ` WHERE ` + sc("userId") + ` = ? AND ` + sc("token") + ` <> ?`
	st.writeProbe = `DELETE FROM ` + S + ` WHERE 0`
	// deleteExpired reads the oldest expired rows from the sweep index (a
	// range at the start of the index, so a batch costs what it deletes,
	// not the table size) and deletes them by rowid, which skips a second
	// lookup through the primary key.
	st.deleteExpired = `DELETE FROM ` + S + ` WHERE rowid IN (SELECT rowid FROM ` + S + ` WHERE ` + sc("expiresAt") + ` <= ? ORDER BY ` + sc("expiresAt") + ` LIMIT ?)`

	// Better Auth keeps a password in an account row with providerId
	// "credential" and accountId = the user id.
	credential := ac("userId") + ` = ? AND ` + ac("providerId") + ` = 'credential'`
	st.updatePassword = `UPDATE ` + A + ` SET ` + ac("password") + ` = ?, ` + ac("updatedAt") + ` = ? WHERE ` + credential
	st.insertPassword = `INSERT INTO ` + A + ` (` + cols(a, "", false, "id", "accountId", "providerId", "userId", "password", "createdAt", "updatedAt") + `) VALUES (?, ?, 'credential', ?, ?, ?, ?)`
	st.passwordHash = `SELECT ` + ac("password") + ` FROM ` + A + ` WHERE ` + credential + ` AND ` + ac("password") + ` IS NOT NULL ORDER BY ` + ac("createdAt") + ` LIMIT 1`

	// COALESCE keeps a field given as nil; the image flag tells NULL
	// (keep) from NULL (clear).
	st.updateUser = `UPDATE ` + U + ` SET ` + uc("name") + ` = COALESCE(?, ` + uc("name") + `), ` +
		uc("image") + ` = CASE WHEN ? THEN ? ELSE ` + uc("image") + ` END, ` + uc("updatedAt") + ` = ? WHERE ` + uc("id") + ` = ?`
	st.deleteUserAccounts = `DELETE FROM ` + A + ` WHERE ` + ac("userId") + ` = ?`
	st.deleteUserOnly = `DELETE FROM ` + U + ` WHERE ` + uc("id") + ` = ?`
	st.oauth = renderOAuth(t)
	return st
}

// createIndexes creates each index (store.Index) whose column has none yet.
func createIndexes(ctx context.Context, tx *sql.Tx, indexes ...store.Index) error {
	for _, ix := range indexes {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pragma_index_list(?) AS l, pragma_index_info(l.name) AS i
			WHERE i.seqno = 0 AND i.name = ? COLLATE NOCASE`, ix.Table, ix.Column).Scan(&n)
		if err != nil {
			return fmt.Errorf("read indexes of %q: %w", ix.Table, err)
		}
		if n > 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, ix.Create); err != nil {
			return err
		}
	}
	return nil
}

// checkColumns makes sure every table the store reads or writes has every
// column the names give it (CREATE TABLE IF NOT EXISTS leaves a table that
// exists as it is), and that its dates are declared as Better Auth's
// SQLite migrator declares them. Dates are ISO-8601 text here; a table
// whose dates are integers (Drizzle's and Prisma's SQLite schemas) would
// compare every text date above every integer one, so the sweeper would
// take all of Better Auth's sessions for expired: such a table is refused.
func checkColumns(ctx context.Context, tx *sql.Tx, t store.Tables) error {
	for _, tc := range []struct {
		model string
		tbl   store.Table
	}{{"user", t.User}, {"session", t.Session}, {"account", t.Account}} {
		rows, err := tx.QueryContext(ctx, `SELECT lower("name"), lower("type") FROM pragma_table_info(?)`, tc.tbl.Name)
		if err != nil {
			return fmt.Errorf("read columns of %q: %w", tc.tbl.Name, err)
		}
		have := map[string]string{}
		for rows.Next() {
			var name, typ string
			if err := rows.Scan(&name, &typ); err != nil {
				rows.Close()
				return fmt.Errorf("read columns of %q: %w", tc.tbl.Name, err)
			}
			have[name] = typ
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read columns of %q: %w", tc.tbl.Name, err)
		}
		isDate := func(typ string) bool { return typ == "date" || typ == "text" }
		if _, err := tc.tbl.Check(tc.model, have, true, isDate); err != nil {
			return fmt.Errorf("%w (dates must be ISO-8601 text, declared date as Better Auth's SQLite migrator makes them; integer dates are not supported)", err)
		}
	}
	return nil
}
