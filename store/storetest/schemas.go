package storetest

import (
	"strings"
	"unicode"

	"github.com/sessionkit/sessionkit/store"
)

// DrizzleSchema is the naming of a Better Auth app on Drizzle whose schema
// Better Auth's CLI generated with usePlural: plural tables ("users",
// "sessions", "accounts", "verifications", "rate_limits") and snake_case
// columns ("email_verified", "expires_at", "user_id", …). SQL stores run
// the conformance suite with it, and with PrismaSchema.
func DrizzleSchema() store.Schema {
	return store.Schema{
		UsePlural:    true,
		User:         snakeModel("", "emailVerified", "createdAt", "updatedAt"),
		Session:      snakeModel("", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent", "userId"),
		Account:      snakeModel("", "accountId", "providerId", "userId", "accessToken", "refreshToken", "idToken", "accessTokenExpiresAt", "refreshTokenExpiresAt", "createdAt", "updatedAt"),
		Verification: snakeModel("", "expiresAt", "createdAt", "updatedAt"),
		RateLimit:    snakeModel("rate_limit", "lastRequest"),
	}
}

// PrismaSchema is the naming of a Prisma schema whose models carry no
// @@map: tables named as the models ("User", "Session", "Account",
// "Verification", "RateLimit", case-sensitive in PostgreSQL), camelCase
// columns, configured in Better Auth as each model's modelName.
func PrismaSchema() store.Schema {
	return store.Schema{
		User:         store.Model{Name: "User"},
		Session:      store.Model{Name: "Session"},
		Account:      store.Model{Name: "Account"},
		Verification: store.Model{Name: "Verification"},
		RateLimit:    store.Model{Name: "RateLimit"},
	}
}

func snakeModel(name string, fields ...string) store.Model {
	m := store.Model{Name: name, Fields: map[string]string{}}
	for _, f := range fields {
		m.Fields[f] = snake(f)
	}
	return m
}

// snake is Drizzle's generator's camelCase to snake_case for the field
// names of Better Auth's core models.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
