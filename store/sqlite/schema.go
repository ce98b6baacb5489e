package sqlite

// schema is Better Auth 1.7.25's SQLite schema, as its migrator
// writes it, with IF NOT EXISTS added: SQLite drops that clause when it
// records the statement, so sqlite_master holds the same text as in a
// database Better Auth created. Every statement only ever creates what is
// missing; nothing here drops or alters existing data. Keep the column order,
// quoting and case as they are: tools that diff schemas compare the text.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS "user" ("id" text not null primary key, "name" text not null, "email" text not null unique, "emailVerified" integer not null, "image" text, "createdAt" date not null, "updatedAt" date not null)`,
	`CREATE TABLE IF NOT EXISTS "session" ("id" text not null primary key, "expiresAt" date not null, "token" text not null unique, "createdAt" date not null, "updatedAt" date not null, "ipAddress" text, "userAgent" text, "userId" text not null references "user" ("id") on delete cascade)`,
	`CREATE TABLE IF NOT EXISTS "account" ("id" text not null primary key, "accountId" text not null, "providerId" text not null, "userId" text not null references "user" ("id") on delete cascade, "accessToken" text, "refreshToken" text, "idToken" text, "accessTokenExpiresAt" date, "refreshTokenExpiresAt" date, "scope" text, "password" text, "createdAt" date not null, "updatedAt" date not null)`,
	`CREATE TABLE IF NOT EXISTS "verification" ("id" text not null primary key, "identifier" text not null, "value" text not null, "expiresAt" date not null, "createdAt" date not null, "updatedAt" date not null)`,
	`CREATE INDEX IF NOT EXISTS "session_userId_idx" on "session" ("userId")`,
	`CREATE INDEX IF NOT EXISTS "account_userId_idx" on "account" ("userId")`,
	`CREATE INDEX IF NOT EXISTS "verification_identifier_idx" on "verification" ("identifier")`,
}

// sweepSchema is sessionkit's own index on the session expiry, which lets
// DeleteExpired find expired rows without reading the table (without it,
// every batch of a sweep scans the table: 48 s for 100,000 expired rows among
// a million). Like the feed's table it is additive: Better Auth's migrator
// compares tables and columns and ignores indexes it did not create, and its
// queries never name it. Its name starts with sessionkit_ so that tools can
// tell it apart.
var sweepSchema = []string{
	`CREATE INDEX IF NOT EXISTS "sessionkit_session_expiresAt_idx" on "session" ("expiresAt")`,
	// Social sign-in: the account of a provider account; state cleanup.
	`CREATE INDEX IF NOT EXISTS "sessionkit_account_providerId_accountId_idx" on "account" ("providerId", "accountId")`,
	`CREATE INDEX IF NOT EXISTS "sessionkit_verification_expiresAt_idx" on "verification" ("expiresAt")`,
}

// Queries, prepared once by Open. Table and column names are Better Auth's;
// dates are compared as ISO-8601 text, as Better Auth compares them.
//
// Dates are selected as +"col": unary plus returns the value unchanged but
// hides the declared type "date", on which modernc.org/sqlite would parse
// the text itself, trying layouts that fail first (half the allocations of
// a lookup), and database/sql would then re-format it. timeDest parses
// Better Auth's one layout directly.
const (
	userColumns    = `"id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt"`
	userSelect     = `"id", "name", "email", "emailVerified", "image", +"createdAt", +"updatedAt"`
	sessionColumns = `"id", "token", "userId", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent"`
	sessionSelect  = `"id", "token", "userId", +"expiresAt", +"createdAt", +"updatedAt", "ipAddress", "userAgent"`

	qInsertUser  = `INSERT INTO "user" (` + userColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?)`
	qUserByID    = `SELECT ` + userSelect + ` FROM "user" WHERE "id" = ?`
	qUserByEmail = `SELECT ` + userSelect + ` FROM "user" WHERE "email" = ?`

	qInsertSession = `INSERT INTO "session" (` + sessionColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	// qSessionByToken is the hot path: one lookup in the unique index on
	// token, joined to the user by primary key.
	qSessionByToken = `SELECT s."id", s."token", s."userId", +s."expiresAt", +s."createdAt", +s."updatedAt", s."ipAddress", s."userAgent",
		u."id", u."name", u."email", u."emailVerified", u."image", +u."createdAt", +u."updatedAt"
		FROM "session" AS s JOIN "user" AS u ON u."id" = s."userId" WHERE s."token" = ?`
	qSlideSession        = `UPDATE "session" SET "expiresAt" = ?, "updatedAt" = ? WHERE "token" = ? RETURNING ` + sessionSelect
	qDeleteSession       = `DELETE FROM "session" WHERE "token" = ?`
	qListSessions        = `SELECT ` + sessionSelect + ` FROM "session" WHERE "userId" = ? AND "expiresAt" > ? ORDER BY "createdAt", "id"`
	qDeleteUserSessions  = `DELETE FROM "session" WHERE "userId" = ?`
	qDeleteOtherSessions = `DELETE FROM "session" WHERE "userId" = ? AND "token" <> ?`
	// qWriteProbe needs a write transaction and changes nothing; see init.
	qWriteProbe = `DELETE FROM "session" WHERE 0`
	// qDeleteExpired reads the oldest expired rows from
	// sessionkit_session_expiresAt_idx (a range at the start of the index,
	// so a batch costs what it deletes, not the table size) and deletes them
	// by rowid, which skips a second lookup through the primary key.
	qDeleteExpired = `DELETE FROM "session" WHERE rowid IN (SELECT rowid FROM "session" WHERE "expiresAt" <= ? ORDER BY "expiresAt" LIMIT ?)`
)
