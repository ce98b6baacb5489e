package store

import "strings"

// What the SQL stores (store/sqlite, store/postgres) render alike from
// Tables: quoted column lists and the indexes they create. Their own
// renderers keep only what differs between the dialects (placeholders,
// RETURNING, locks).

// Q returns the quoted column of a Better Auth field (see Col).
func (t Table) Q(field string) string { return Quote(t.Col(field)) }

// Cols returns the quoted columns of fields, in order, joined by ", ".
func (t Table) Cols(fields ...string) string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = t.Q(f)
	}
	return strings.Join(out, ", ")
}

// AccountColumns returns the account columns the stores read and write,
// in the order they scan them.
func (t Tables) AccountColumns() string {
	return t.Account.Cols("id", "accountId", "providerId", "userId", "accessToken", "refreshToken", "idToken",
		"accessTokenExpiresAt", "refreshTokenExpiresAt", "scope", "createdAt", "updatedAt")
}

// VerificationColumns returns the verification columns the stores read
// and write, in the order they scan them.
func (t Tables) VerificationColumns() string {
	return t.Verification.Cols("id", "identifier", "value", "expiresAt", "createdAt", "updatedAt")
}

// Index is an index a SQL store creates when Table has no index whose
// first column is Column yet, under whatever name: drizzle-kit, for one,
// names them after Better Auth's field ("sessions_userId_idx" on
// "user_id"), and a second index on the column would only slow writes.
// Create is the statement that makes it.
type Index struct{ Table, Column, Create string }

// FieldIndex is Better Auth's index of an indexed field of t, as its
// migrator names it.
func FieldIndex(t Table, field string) Index {
	return Index{t.Name, t.Col(field), `CREATE INDEX IF NOT EXISTS ` + Quote(IndexName(t.Name, t.Col(field))) +
		` on ` + Quote(t.Name) + ` (` + t.Q(field) + `)`}
}

// CoreIndexes are Better Auth's indexes of the core schema: session and
// account by userId, verification by identifier.
func CoreIndexes(t Tables) []Index {
	return []Index{FieldIndex(t.Session, "userId"), FieldIndex(t.Account, "userId"), FieldIndex(t.Verification, "identifier")}
}

// OAuthIndexes are sessionkit's own indexes for social sign-in, additive
// to Better Auth's schema: the account of a provider account, and the
// cleanup of expired verification values.
func OAuthIndexes(t Tables) []Index {
	a, v := t.Account, t.Verification
	return []Index{
		{a.Name, a.Col("providerId"), `CREATE INDEX IF NOT EXISTS ` + Quote(ObjectName("sessionkit_"+a.Name+"_"+a.Col("providerId")+"_"+a.Col("accountId"), "idx")) +
			` on ` + Quote(a.Name) + ` (` + a.Q("providerId") + `, ` + a.Q("accountId") + `)`},
		{v.Name, v.Col("expiresAt"), `CREATE INDEX IF NOT EXISTS ` + Quote(ObjectName("sessionkit_"+v.Name+"_"+v.Col("expiresAt"), "idx")) +
			` on ` + Quote(v.Name) + ` (` + v.Q("expiresAt") + `)`},
	}
}
