package account_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

func TestUsersAndPasswords(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	u, err := h.a.CreateUser(ctx, " Ada ", "Ada@Example.com", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ada@example.com" || u.Name != "Ada" || len(u.ID) != 32 {
		t.Fatalf("user = %+v", u)
	}
	if _, err := h.a.CreateUser(ctx, "Other", "ADA@example.com", "another password"); !errors.Is(err, account.ErrEmailTaken) {
		t.Fatalf("duplicate email: %v", err)
	}
	if _, err := h.a.CreateUser(ctx, "", "", ""); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("empty email: %v", err)
	}
	if nameless, err := h.a.CreateUser(ctx, "", "x@example.com", ""); err != nil || nameless.Name != "" {
		t.Fatalf("empty name (Better Auth allows it): %+v, %v", nameless, err)
	}
	if got, err := h.a.CheckPassword(ctx, "ada@EXAMPLE.com", "correct horse"); err != nil || got.ID != u.ID {
		t.Fatalf("CheckPassword(right) = %v, %v", got, err)
	}
	for _, c := range [][2]string{{"ada@example.com", "wrong"}, {"nobody@example.com", "correct horse"}} {
		if _, err := h.a.CheckPassword(ctx, c[0], c[1]); !errors.Is(err, account.ErrInvalidCredentials) {
			t.Errorf("CheckPassword(%q, %q) err = %v", c[0], c[1], err)
		}
	}
	if got, err := h.m.Store().UserByID(ctx, u.ID); err != nil || got.Email != u.Email {
		t.Fatalf("UserByID = %v, %v", got, err)
	}
}

// TestCreateUserAtomicOnSQLite makes SQLite refuse the credential account
// with a trigger: CreateUser fails with a store error and leaves no user,
// and the retry with the same e-mail succeeds and can sign in.
func TestCreateUserAtomicOnSQLite(t *testing.T) {
	t.Parallel()
	m, err := sessionkit.New(sessionkit.Config{Secret: testSecret, DatabasePath: filepath.Join(t.TempDir(), "auth.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	a, err := account.New(m, account.Config{})
	if err != nil {
		t.Fatal(err)
	}
	db := m.Store().(*sqlite.Store).DB()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TRIGGER "fail_account" BEFORE INSERT ON "account" BEGIN SELECT RAISE(ABORT, 'injected'); END`); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateUser(ctx, "Eve", "eve@example.com", "correct horse battery"); err == nil || errors.Is(err, account.ErrEmailTaken) {
		t.Fatalf("CreateUser while account inserts fail: err = %v, want a store error", err)
	}
	if _, err := m.Store().UserByEmail(ctx, "eve@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("user after the failed sign-up: err = %v, want ErrNotFound", err)
	}
	if _, err := db.ExecContext(ctx, `DROP TRIGGER "fail_account"`); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateUser(ctx, "Eve", "eve@example.com", "correct horse battery"); err != nil {
		t.Fatalf("retried CreateUser: %v", err)
	}
	if _, err := a.CheckPassword(ctx, "eve@example.com", "correct horse battery"); err != nil {
		t.Fatalf("CheckPassword after the retry: %v", err)
	}
}
