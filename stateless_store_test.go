package sessionkit_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store"
)

// Stateless mode without a Store keeps users in the SQLite file at
// DatabasePath: two processes on one file see one user per e-mail, and a
// restart keeps them.
func TestStatelessKeepsUsersOnDisk(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "users.db")
	open := func() *sessionkit.Manager {
		t.Helper()
		m, err := sessionkit.New(sessionkit.Config{Secret: testSecret, Stateless: true, DatabasePath: db})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b := open(), open()
	u, err := createUser(ctx, a, "Ada", "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := createUser(ctx, b, "Ada again", "ada@example.com"); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("second process registered the same e-mail: err = %v, want store.ErrDuplicate", err)
	}
	if got, err := b.Store().UserByEmail(ctx, "ada@example.com"); err != nil || got.ID != u.ID {
		t.Fatalf("second process sees %+v, %v; want user %s", got, err, u.ID)
	}
	a.Close()
	b.Close()

	restarted := open()
	defer restarted.Close()
	if got, err := restarted.Store().UserByID(ctx, u.ID); err != nil || got.Email != "ada@example.com" {
		t.Fatalf("after a restart: %+v, %v; want the user kept", got, err)
	}
}
