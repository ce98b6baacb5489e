package postgres

// schema is Better Auth 1.7.25's PostgreSQL schema: the tables, columns,
// constraints and indexes its migrator creates for the SQLite schema of spec
// §8.1, with PostgreSQL's types (dates are timestamptz, booleans boolean)
// and IF NOT EXISTS added. Every statement only creates what is missing;
// nothing here drops or alters existing data, so Open is safe on a database
// Better Auth created and on one another sessionkit instance is migrating at
// the same moment (migrate serialises them with an advisory lock).
var schema = []string{
	`CREATE TABLE IF NOT EXISTS "user" ("id" text not null primary key, "name" text not null, "email" text not null unique, "emailVerified" boolean not null, "image" text, "createdAt" timestamptz not null, "updatedAt" timestamptz not null)`,
	`CREATE TABLE IF NOT EXISTS "session" ("id" text not null primary key, "expiresAt" timestamptz not null, "token" text not null unique, "createdAt" timestamptz not null, "updatedAt" timestamptz not null, "ipAddress" text, "userAgent" text, "userId" text not null references "user" ("id") on delete cascade)`,
	`CREATE TABLE IF NOT EXISTS "account" ("id" text not null primary key, "accountId" text not null, "providerId" text not null, "userId" text not null references "user" ("id") on delete cascade, "accessToken" text, "refreshToken" text, "idToken" text, "accessTokenExpiresAt" timestamptz, "refreshTokenExpiresAt" timestamptz, "scope" text, "password" text, "createdAt" timestamptz not null, "updatedAt" timestamptz not null)`,
	`CREATE TABLE IF NOT EXISTS "verification" ("id" text not null primary key, "identifier" text not null, "value" text not null, "expiresAt" timestamptz not null, "createdAt" timestamptz not null, "updatedAt" timestamptz not null)`,
	`CREATE INDEX IF NOT EXISTS "session_userId_idx" on "session" ("userId")`,
	`CREATE INDEX IF NOT EXISTS "account_userId_idx" on "account" ("userId")`,
	`CREATE INDEX IF NOT EXISTS "verification_identifier_idx" on "verification" ("identifier")`,
	// sessionkit's own, for social sign-in (see oauth.go).
	`CREATE INDEX IF NOT EXISTS "sessionkit_account_providerId_accountId_idx" on "account" ("providerId", "accountId")`,
	`CREATE INDEX IF NOT EXISTS "sessionkit_verification_expiresAt_idx" on "verification" ("expiresAt")`,
}

// migrateLock is the key of the transaction-scoped advisory lock that
// serialises migrations: concurrent CREATE TABLE IF NOT EXISTS of one table
// can otherwise fail with a unique violation in the system catalogs.
// The value is arbitrary ("sessionkit" in ASCII, truncated to 63 bits).
const migrateLock int64 = 0x73657373696f6e6b

// Queries. pgx prepares each one on first use on a connection and caches it
// (QueryExecModeCacheStatement), so every later call is a single round trip.
const (
	userColumns    = `"id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt"`
	sessionColumns = `"id", "token", "userId", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent"`

	qInsertUser  = `INSERT INTO "user" (` + userColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7)`
	qUserByID    = `SELECT ` + userColumns + ` FROM "user" WHERE "id" = $1`
	qUserByEmail = `SELECT ` + userColumns + ` FROM "user" WHERE "email" = $1`

	qInsertSession = `INSERT INTO "session" (` + sessionColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	// qSessionByToken is the hot path: one probe of the unique index on
	// token, joined to the user by primary key.
	qSessionByToken = `SELECT s."id", s."token", s."userId", s."expiresAt", s."createdAt", s."updatedAt", s."ipAddress", s."userAgent",
		u."id", u."name", u."email", u."emailVerified", u."image", u."createdAt", u."updatedAt"
		FROM "session" AS s JOIN "user" AS u ON u."id" = s."userId" WHERE s."token" = $1`
	qSlideSession        = `UPDATE "session" SET "expiresAt" = $1, "updatedAt" = $2 WHERE "token" = $3 RETURNING ` + sessionColumns
	qDeleteSession       = `DELETE FROM "session" WHERE "token" = $1`
	qListSessions        = `SELECT ` + sessionColumns + ` FROM "session" WHERE "userId" = $1 AND "expiresAt" > $2 ORDER BY "createdAt", "id"`
	qDeleteUserSessions  = `DELETE FROM "session" WHERE "userId" = $1`
	qDeleteOtherSessions = `DELETE FROM "session" WHERE "userId" = $1 AND "token" <> $2`
	// qDeleteExpired deletes one batch. SKIP LOCKED lets several instances
	// sweep at once: each locks and deletes rows the others have not
	// claimed, nobody waits, and no row is counted twice.
	qDeleteExpired = `DELETE FROM "session" WHERE "id" IN (SELECT "id" FROM "session" WHERE "expiresAt" <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`

	// Better Auth keeps a password in an account row with providerId
	// "credential" and accountId = the user id. qSetPassword
	// updates that row or, when there is none, inserts it, in one round trip.
	qSetPassword = `WITH updated AS (
		UPDATE "account" SET "password" = $2, "updatedAt" = $3 WHERE "userId" = $1 AND "providerId" = 'credential' RETURNING 1
	)
	INSERT INTO "account" ("id", "accountId", "providerId", "userId", "password", "createdAt", "updatedAt")
	SELECT $4, $1, 'credential', $1, $2, $3, $3 WHERE NOT EXISTS (SELECT 1 FROM updated)`
	qInsertPassword = `INSERT INTO "account" ("id", "accountId", "providerId", "userId", "password", "createdAt", "updatedAt") VALUES ($1, $2, 'credential', $2, $3, $4, $4)`
	qLockUser       = `SELECT 1 FROM "user" WHERE "id" = $1 FOR UPDATE`
	qPasswordHash   = `SELECT "password" FROM "account" WHERE "userId" = $1 AND "providerId" = 'credential' AND "password" IS NOT NULL ORDER BY "createdAt" LIMIT 1`
)
