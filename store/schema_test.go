package store_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/storetest"
)

func TestResolveDefault(t *testing.T) {
	t.Parallel()
	tb, err := store.Schema{}.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ got, want string }{
		{tb.User.Name, "user"}, {tb.Session.Name, "session"}, {tb.Account.Name, "account"},
		{tb.Verification.Name, "verification"}, {tb.RateLimit.Name, "rateLimit"},
		{tb.User.Col("emailVerified"), "emailVerified"}, {tb.Session.Col("userId"), "userId"},
		{tb.Session.Col("id"), "id"}, {tb.RateLimit.Col("lastRequest"), "lastRequest"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestResolvePlural: usePlural appends "s" to every table name, a
// configured modelName included (Better Auth's getModelName), and never to
// columns.
func TestResolvePlural(t *testing.T) {
	t.Parallel()
	tb, err := storetest.DrizzleSchema().Resolve()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ got, want string }{
		{tb.User.Name, "users"}, {tb.Session.Name, "sessions"}, {tb.Account.Name, "accounts"},
		{tb.Verification.Name, "verifications"}, {tb.RateLimit.Name, "rate_limits"},
		{tb.User.Col("emailVerified"), "email_verified"}, {tb.User.Col("name"), "name"},
		{tb.Session.Col("expiresAt"), "expires_at"}, {tb.Session.Col("userId"), "user_id"},
		{tb.Session.Col("ipAddress"), "ip_address"}, {tb.Account.Col("accessTokenExpiresAt"), "access_token_expires_at"},
		{tb.RateLimit.Col("lastRequest"), "last_request"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	pr, err := store.Schema{UsePlural: true, User: store.Model{Name: "member"}}.Resolve()
	if err != nil || pr.User.Name != "members" {
		t.Fatalf("modelName member with usePlural: %q %v, want members", pr.User.Name, err)
	}
}

func TestResolveRefuses(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 64)
	for _, c := range []struct {
		name   string
		schema store.Schema
		says   string
	}{
		{"unknown field", store.Schema{User: store.Model{Fields: map[string]string{"emailVerifed": "email_verified"}}}, `user has no field "emailVerifed"`},
		{"id renamed", store.Schema{Session: store.Model{Fields: map[string]string{"id": "session_id"}}}, "session.id cannot be renamed"},
		{"quote in table", store.Schema{User: store.Model{Name: `user"; DROP TABLE "session`}}, "only letters"},
		{"quote in column", store.Schema{Session: store.Model{Fields: map[string]string{"token": `token" OR 1=1 --`}}}, "only letters"},
		{"space", store.Schema{Session: store.Model{Name: "my sessions"}}, "only letters"},
		{"leading digit", store.Schema{Session: store.Model{Fields: map[string]string{"token": "1token"}}}, "only letters"},
		{"empty column", store.Schema{Session: store.Model{Fields: map[string]string{"token": ""}}}, "empty"},
		{"too long", store.Schema{Session: store.Model{Name: long}}, "longer than 63"},
		{"sqlite_", store.Schema{Session: store.Model{Name: "sqlite_sessions"}}, "SQLite's"},
		{"two fields one column", store.Schema{Session: store.Model{Fields: map[string]string{"createdAt": "at", "updatedAt": "AT"}}}, "on one column"},
		{"field onto another's default", store.Schema{Session: store.Model{Fields: map[string]string{"createdAt": "updatedAt"}}}, "on one column"},
		{"two models one table", store.Schema{Account: store.Model{Name: "Session"}}, "two models on one table"},
		{"plural collision", store.Schema{UsePlural: true, User: store.Model{Name: "session"}, Session: store.Model{Name: "sessions_"}, Account: store.Model{Name: "sessions"}}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.schema.Resolve()
			if c.says == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, store.ErrSchema) || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("err = %v, want store.ErrSchema saying %q", err, c.says)
			}
		})
	}
}

// TestIndexName: Better Auth's names, cut at 63 bytes with its FNV-1a hash.
func TestIndexName(t *testing.T) {
	t.Parallel()
	if got := store.IndexName("session", "userId"); got != "session_userId_idx" {
		t.Errorf("IndexName = %q", got)
	}
	long := store.IndexName(strings.Repeat("t", 40), strings.Repeat("c", 40))
	// getDatabaseFieldIndexName of @better-auth/core 1.7.25 for the same input.
	want := "tttttttttttttttttttttttttttttttttttttttt_ccccccccc_a0e9012a_idx"
	if long != want || len(long) != 63 {
		t.Errorf("IndexName = %q (%d bytes), want %q", long, len(long), want)
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	if got := store.Quote(`a"b`); got != `"a""b"` {
		t.Errorf("Quote = %s", got)
	}
}
