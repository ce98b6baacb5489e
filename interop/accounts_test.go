package interop_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/store"
)

// TestAccountChangesBothWays: on one SQLite database, a user updated, a
// password changed and a user deleted on either side is seen so by the
// other.
func TestAccountChangesBothWays(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	ctx := context.Background()
	cfg := baConfig{DB: filepath.Join(t.TempDir(), "auth.db"), Secret: secret,
		BaseURL: "http://localhost:3000", Strategy: "none", DeleteUser: true}
	const pw1, pw2, pw3 = "first password 1", "second password 2", "third password 3"
	email := "ada@example.com"
	signIn := func(pw string) baOp {
		return baOp{Method: "POST", Path: "/sign-in/email", Body: map[string]any{"email": email, "password": pw}}
	}

	res := runBA(t, node, cfg,
		baOp{Method: "POST", Path: "/sign-up/email", Body: map[string]any{"name": "Ada", "email": email, "password": pw1}},
		signIn(pw1))
	a1, b1 := res[0], res[1]
	uid := a1.auth(t).User.ID

	st := openStore(t, cfg.DB)
	m := newManager(t, cfg, st)
	acc, err := account.New(m, account.Config{RateLimit: account.RateLimit{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}

	// sessionkit changes; Better Auth sees them.
	name := "Ada King"
	if _, err := acc.UpdateUser(ctx, uid, account.UserUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if err := acc.ChangePassword(ctx, uid, pw1, pw2); err != nil {
		t.Fatal(err)
	}
	res = runBA(t, node, cfg,
		baOp{Method: "GET", Path: "/get-session", Cookie: a1.Cookie},
		signIn(pw1), signIn(pw2),
		baOp{Method: "POST", Path: "/update-user", Cookie: a1.Cookie, Body: map[string]any{"name": "Ada Byron"}},
		baOp{Method: "POST", Path: "/change-password", Cookie: a1.Cookie, Body: map[string]any{"currentPassword": pw2, "newPassword": pw3}})
	if got := res[0].auth(t).User.Name; got != name {
		t.Fatalf("Better Auth reads name %q after sessionkit's update, want %q", got, name)
	}
	if res[1].Status != 401 || res[2].Status != 200 {
		t.Fatalf("Better Auth sign-in after sessionkit's password change: old %d, new %d %s", res[1].Status, res[2].Status, res[2].Body)
	}
	if res[3].Status != 200 || res[4].Status != 200 {
		t.Fatalf("Better Auth update-user %d %s, change-password %d %s", res[3].Status, res[3].Body, res[4].Status, res[4].Body)
	}

	// Better Auth's changes; sessionkit sees them.
	if u, err := st.UserByID(ctx, uid); err != nil || u.Name != "Ada Byron" {
		t.Fatalf("sessionkit reads %+v, %v after Better Auth's update", u, err)
	}
	if _, err := acc.CheckPassword(ctx, email, pw2); !errors.Is(err, account.ErrInvalidCredentials) {
		t.Fatalf("old password after Better Auth's change: %v", err)
	}
	if _, err := acc.CheckPassword(ctx, email, pw3); err != nil {
		t.Fatalf("new password after Better Auth's change: %v", err)
	}

	// sessionkit deletes; Better Auth's sessions and sign-in are gone.
	if err := acc.DeleteUser(ctx, uid); err != nil {
		t.Fatal(err)
	}
	res = runBA(t, node, cfg,
		baOp{Method: "GET", Path: "/get-session", Cookie: b1.Cookie}, signIn(pw3))
	if string(res[0].Body) != "null" || res[1].Status != 401 {
		t.Fatalf("Better Auth after sessionkit's delete: get-session %s, sign-in %d", res[0].Body, res[1].Status)
	}

	// Better Auth deletes a user who also has a sessionkit session.
	res = runBA(t, node, cfg,
		baOp{Method: "POST", Path: "/sign-up/email", Body: map[string]any{"name": "Bob", "email": "bob@example.com", "password": pw1}})
	bob := res[0].auth(t).User.ID
	rec := httptest.NewRecorder()
	if _, err := m.SignIn(rec, httptest.NewRequest("POST", "/", nil), bob, sessionkit.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	var goCookie []string
	for _, c := range rec.Result().Cookies() {
		goCookie = append(goCookie, c.Name+"="+c.Value)
	}
	res = runBA(t, node, cfg,
		baOp{Method: "POST", Path: "/delete-user", Cookie: res[0].Cookie, Body: map[string]any{"password": pw1}})
	if res[0].Status != 200 || !strings.Contains(string(res[0].Body), `"User deleted"`) {
		t.Fatalf("Better Auth delete-user: %d %s", res[0].Status, res[0].Body)
	}
	if _, err := st.UserByID(ctx, bob); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("sessionkit reads the user Better Auth deleted: %v", err)
	}
	if _, err := m.LookupHeader(ctx, http.Header{"Cookie": {strings.Join(goCookie, "; ")}}, sessionkit.LookupOptions{}); !errors.Is(err, sessionkit.ErrNoSession) {
		t.Fatalf("sessionkit session of the user Better Auth deleted: %v", err)
	}
}
