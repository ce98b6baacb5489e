package account_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

var errUserWrite = errors.New("apiStore: injected user write failure")

func (s *apiStore) UpdateUser(ctx context.Context, id string, name, image *string, at time.Time) (store.User, error) {
	if s.failUsers.Load() {
		return store.User{}, errUserWrite
	}
	u, err := s.Store.UpdateUser(ctx, id, name, image, at)
	return u, s.count(err)
}

func (s *apiStore) DeleteUser(ctx context.Context, id string) error {
	if s.failUsers.Load() {
		return errUserWrite
	}
	return s.count(s.Store.DeleteUser(ctx, id))
}

const adaPW = "correct horse battery"

// signUpAda signs c up and returns the user id.
func signUpAda(t *testing.T, c *apiClient) string {
	t.Helper()
	r := c.post("/sign-up/email", `{"name":"Ada","email":"ada@example.com","password":"`+adaPW+`"}`)
	if r.status != 200 {
		t.Fatalf("sign-up: %d %s", r.status, r.body)
	}
	var up struct{ User apiUser }
	r.decode(t, &up)
	return up.User.ID
}

func hasCookie(r apiResponse, prefix string) bool {
	for _, c := range r.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, prefix) {
			return true
		}
	}
	return false
}

func TestHandlerUpdateUser(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, sessionkit.Config{CookieCache: sessionkit.CookieCache{Enabled: true}}, account.Config{})
	c := e.client()
	id := signUpAda(t, c)
	cases := []struct {
		body, want string
		status     int
	}{
		{`{}`, `{"message":"No fields to update"}`, 400},
		{`{"email":"x@example.com"}`, `"code":"EMAIL_CAN_NOT_BE_UPDATED"`, 400},
		{`{"name":""}`, `{"status":true}`, 200}, // Better Auth takes an empty name
		{`{"name":7}`, `"code":"VALIDATION_ERROR"`, 400},
		{`{"name":"Ada L.","image":"https://example.com/a.png"}`, `{"status":true}`, 200},
	}
	for _, tc := range cases {
		r := c.post("/update-user", tc.body)
		if r.status != tc.status || !strings.Contains(r.body, tc.want) {
			t.Errorf("%s: %d %s, want %d %s", tc.body, r.status, r.body, tc.status, tc.want)
		}
	}
	u, err := e.st.UserByID(context.Background(), id)
	if err != nil || u.Name != "Ada L." || u.Image != "https://example.com/a.png" || u.Email != "ada@example.com" {
		t.Fatalf("stored user: %+v %v", u, err)
	}
	// The cache cookie was re-written: get-session from it shows the new name.
	var got struct{ User apiUser }
	c.get("/get-session").decode(t, &got)
	if got.User.Name != "Ada L." {
		t.Fatalf("get-session after update: %+v", got)
	}
	// image null removes it.
	if r := c.post("/update-user", `{"image":null}`); r.status != 200 {
		t.Fatalf("image null: %d %s", r.status, r.body)
	}
	if u, _ := e.st.UserByID(context.Background(), id); u.Image != "" {
		t.Fatalf("image not cleared: %+v", u)
	}
	if r := e.client().post("/update-user", `{"name":"X"}`); r.status != 401 {
		t.Fatalf("signed out: %d %s", r.status, r.body)
	}
	e.st.failUsers.Store(true)
	if r := c.post("/update-user", `{"name":"Y"}`); r.status != 503 {
		t.Fatalf("store failure: %d %s", r.status, r.body)
	}
}

func TestHandlerChangePassword(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, sessionkit.Config{}, account.Config{})
	c, other := e.client(), e.client()
	id := signUpAda(t, c)
	if r := other.post("/sign-in/email", `{"email":"ada@example.com","password":"`+adaPW+`"}`); r.status != 200 {
		t.Fatal(r.body)
	}
	cases := []struct {
		body, code string
		status     int
	}{
		{`{"newPassword":"short","currentPassword":"` + adaPW + `"}`, "PASSWORD_TOO_SHORT", 400},
		{`{"newPassword":"` + strings.Repeat("x", 129) + `","currentPassword":"` + adaPW + `"}`, "PASSWORD_TOO_LONG", 400},
		{`{"newPassword":"new password 1","currentPassword":"wrong password"}`, "INVALID_PASSWORD", 400},
		{`{"newPassword":"new password 1"}`, "VALIDATION_ERROR", 400},
		{`{"newPassword":"new password 1","currentPassword":"` + adaPW + `","revokeOtherSessions":"yes"}`, "VALIDATION_ERROR", 400},
	}
	for _, tc := range cases {
		if r := c.post("/change-password", tc.body); r.status != tc.status || !strings.Contains(r.body, `"code":"`+tc.code+`"`) {
			t.Errorf("%.60s: %d %s, want %d %s", tc.body, r.status, r.body, tc.status, tc.code)
		}
	}
	// Without revoking: token null, the other device stays.
	r := c.post("/change-password", `{"newPassword":"new password 1","currentPassword":"`+adaPW+`"}`)
	if r.status != 200 || !strings.HasPrefix(r.body, `{"token":null,"user":{`) || !userShape.Match(members(t, r.body)["user"]) {
		t.Fatalf("change-password: %d %s", r.status, r.body)
	}
	if _, err := e.a.CheckPassword(context.Background(), "ada@example.com", "new password 1"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	if l, _ := e.m.ListSessions(context.Background(), id); len(l) != 2 {
		t.Fatalf("sessions: %d", len(l))
	}
	// Revoking: every old session is gone before the answer, a new one is set.
	r = c.post("/change-password", `{"newPassword":"new password 2","currentPassword":"new password 1","revokeOtherSessions":true}`)
	var out struct {
		Token *string
		User  apiUser
	}
	r.decode(t, &out)
	if r.status != 200 || out.Token == nil || len(*out.Token) != 32 || out.User.ID != id || !hasCookie(r, "better-auth.session_token="+*out.Token) {
		t.Fatalf("change-password revoking: %d %s %q", r.status, r.body, r.header.Values("Set-Cookie"))
	}
	l, _ := e.m.ListSessions(context.Background(), id)
	if len(l) != 1 || l[0].Token != *out.Token {
		t.Fatalf("sessions after revoking: %+v", l)
	}
	if r := other.get("/get-session"); r.body != "null" {
		t.Fatalf("other device still signed in: %s", r.body)
	}
	if r := c.get("/get-session"); r.status != 200 || r.body == "null" {
		t.Fatalf("new session: %s", r.body)
	}
	// Revoking fails: 503, the password is unchanged, every session stays.
	e.st.failRevoke.Store(true)
	if r := c.post("/change-password", `{"newPassword":"new password 3","currentPassword":"new password 2","revokeOtherSessions":true}`); r.status != 503 || len(r.header.Values("Set-Cookie")) != 0 {
		t.Fatalf("revoke failure: %d %s", r.status, r.body)
	}
	e.st.failRevoke.Store(false)
	if r := c.get("/get-session"); r.body == "null" {
		t.Fatal("signed out by a failed change")
	}
	// A failing store: 503, the old password still works.
	e.st.failAccounts.Store(true)
	if r := c.post("/change-password", `{"newPassword":"new password 3","currentPassword":"new password 2"}`); r.status != 503 {
		t.Fatalf("store failure: %d %s", r.status, r.body)
	}
	e.st.failAccounts.Store(false)
	if _, err := e.a.CheckPassword(context.Background(), "ada@example.com", "new password 2"); err != nil {
		t.Fatalf("old password after failure: %v", err)
	}
}

func TestHandlerDeleteUser(t *testing.T) {
	t.Parallel()
	// Off by default: 404, the user stays.
	off := newAPIEnv(t, sessionkit.Config{}, account.Config{})
	c := off.client()
	id := signUpAda(t, c)
	if r := c.post("/delete-user", `{}`); r.status != 404 {
		t.Fatalf("disabled: %d %s", r.status, r.body)
	}
	if _, err := off.st.UserByID(context.Background(), id); err != nil {
		t.Fatal(err)
	}

	e := newAPIEnv(t, sessionkit.Config{}, account.Config{EnableDeleteUser: true})
	c, other := e.client(), e.client()
	id = signUpAda(t, c)
	other.post("/sign-in/email", `{"email":"ada@example.com","password":"`+adaPW+`"}`)
	e.advance(2 * 24 * time.Hour) // past FreshAge (1 day)
	for _, tc := range []struct {
		body, code string
		status     int
	}{
		{`{}`, "SESSION_EXPIRED", 400},
		{`{"password":"wrong password"}`, "INVALID_PASSWORD", 400},
		{`{"password":"` + adaPW + `","token":"abc"}`, "INVALID_TOKEN", 404},
		{`{"password":1}`, "VALIDATION_ERROR", 400},
	} {
		if r := c.post("/delete-user", tc.body); r.status != tc.status || !strings.Contains(r.body, `"code":"`+tc.code+`"`) {
			t.Errorf("%s: %d %s, want %d %s", tc.body, r.status, r.body, tc.status, tc.code)
		}
	}
	// Fail closed: the store fails, 503, no cookie cleared, the user stays.
	e.st.failUsers.Store(true)
	r := c.post("/delete-user", `{"password":"`+adaPW+`"}`)
	if r.status != 503 || len(r.header.Values("Set-Cookie")) != 0 {
		t.Fatalf("store failure: %d %s %q", r.status, r.body, r.header.Values("Set-Cookie"))
	}
	e.st.failUsers.Store(false)
	if r := c.get("/get-session"); r.body == "null" {
		t.Fatal("signed out by a failed delete")
	}
	r = c.post("/delete-user", `{"password":"`+adaPW+`"}`)
	if r.status != 200 || r.body != `{"success":true,"message":"User deleted"}` || !hasCookie(r, "better-auth.session_token=;") {
		t.Fatalf("delete: %d %s %q", r.status, r.body, r.header.Values("Set-Cookie"))
	}
	if _, err := e.st.UserByID(context.Background(), id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("user after delete: %v", err)
	}
	if r := other.get("/get-session"); r.body != "null" {
		t.Fatalf("other device after delete: %s", r.body)
	}
	if _, err := e.st.PasswordHash(context.Background(), id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("password after delete: %v", err)
	}
	// A fresh session needs no password.
	c2 := e.client()
	signUpAda(t, c2)
	if r := c2.post("/delete-user", ``); r.status != 200 {
		t.Fatalf("fresh delete: %d %s", r.status, r.body)
	}
}

func TestSetPasswordAndPolicy(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, sessionkit.Config{}, account.Config{})
	ctx := context.Background()
	u, err := e.a.CreateUser(ctx, "Bob", "bob@example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	var bad *account.InputError
	if err := e.a.SetPassword(ctx, u.ID, "short"); !errors.As(err, &bad) || bad.Code != account.CodePasswordTooShort || !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("short: %v", err)
	}
	if err := e.a.ChangePassword(ctx, u.ID, "anything at all", "long enough pw"); !errors.Is(err, account.ErrNoPassword) {
		t.Fatalf("change without password: %v", err)
	}
	if err := e.a.SetPassword(ctx, u.ID, "long enough pw"); err != nil {
		t.Fatal(err)
	}
	if err := e.a.SetPassword(ctx, u.ID, "another long pw"); !errors.Is(err, account.ErrPasswordAlreadySet) {
		t.Fatalf("second set: %v", err)
	}
	if err := e.a.ChangePassword(ctx, u.ID, "wrong wrong", "another long pw"); !errors.Is(err, account.ErrInvalidPassword) {
		t.Fatalf("wrong current: %v", err)
	}
	if err := e.a.ChangePassword(ctx, u.ID, "long enough pw", strings.Repeat("é", 129)); !errors.As(err, &bad) || bad.Code != account.CodePasswordTooLong {
		t.Fatalf("long: %v", err)
	}
	if err := e.a.ChangePassword(ctx, u.ID, "long enough pw", "another long pw"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.CheckPassword(ctx, "bob@example.com", "another long pw"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.UpdateUser(ctx, u.ID, account.UserUpdate{}); !errors.Is(err, account.ErrNoFields) {
		t.Fatalf("no fields: %v", err)
	}
	if err := e.a.DeleteUser(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete unknown: %v", err)
	}
}

// plainStore hides every optional ability but CredentialStore, and
// unwraps, as telemetry's WrapStore does.
type plainStore struct {
	store.Store
	store.CredentialStore
	inner store.Store
}

func (p plainStore) Unwrap() store.Store { return p.inner }

func TestUserEditorThroughUnwrap(t *testing.T) {
	t.Parallel()
	st := &apiStore{Store: memory.New()}
	m, err := sessionkit.New(sessionkit.Config{Secret: apiSecret, Store: plainStore{st, st, st}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	a, err := account.New(m, account.Config{RateLimit: account.RateLimit{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u, err := a.CreateUser(ctx, "Ada", "ada@example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	name := "Ada K."
	if got, err := a.UpdateUser(ctx, u.ID, account.UserUpdate{Name: &name}); err != nil || got.Name != name {
		t.Fatalf("UpdateUser through Unwrap: %+v %v", got, err)
	}
	if err := a.DeleteUser(ctx, u.ID); err != nil {
		t.Fatalf("DeleteUser through Unwrap: %v", err)
	}
	m2, _ := sessionkit.New(sessionkit.Config{Secret: apiSecret, Store: struct{ store.Store }{st}})
	defer m2.Close()
	a2, _ := account.New(m2, account.Config{})
	if err := a2.DeleteUser(ctx, "x"); !errors.Is(err, account.ErrUserEditing) {
		t.Fatalf("without the ability: %v", err)
	}
}
