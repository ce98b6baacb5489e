package account_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/internal/logcapture"
	"github.com/sessionkit/sessionkit/store"
)

type ctxKey struct{}

func reqCtx() context.Context { return context.WithValue(context.Background(), ctxKey{}, "req") }

// TestSignInFailedReasons: the client sees one outcome for an unknown
// email, a wrong password and a user without one; the operator sees
// which, by email hash, never the address or the password.
func TestSignInFailedReasons(t *testing.T) {
	t.Parallel()
	logs, logger := logcapture.New()
	m := newManager(t, sessionkit.Config{Logger: logger})
	a, err := account.New(m, account.Config{RateLimit: account.RateLimit{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const pw = "correct horse battery"
	if _, err := a.CreateUser(ctx, "Ada", "ada@example.com", pw); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateUser(ctx, "Bob", "bob@example.com", ""); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ email, pw, reason string }{
		{"nobody@example.com", pw, account.ReasonUnknownEmail},
		{"Ada@Example.com", "wrong password!", account.ReasonWrongPassword},
		{"bob@example.com", pw, account.ReasonNoPassword},
		{strings.Repeat("x", account.MaxEmailLength) + "@example.com", pw, account.ReasonUnknownEmail},
	}
	for i, tc := range cases {
		if _, err := a.CheckPassword(ctx, tc.email, tc.pw); !errors.Is(err, account.ErrInvalidCredentials) {
			t.Fatalf("%s: %v", tc.reason, err)
		}
		recs := logs.Records(account.EventSignInFailed)
		if len(recs) != i+1 {
			t.Fatalf("%s: %d records", tc.reason, len(recs))
		}
		if r := recs[i]; r.Attrs["reason"] != tc.reason || r.Attrs["email_hash"] != account.EmailHash(tc.email) {
			t.Errorf("record %v, want reason %s", r.Attrs, tc.reason)
		}
	}
	if _, err := a.CheckPassword(ctx, "ada@example.com", pw); err != nil {
		t.Fatal(err)
	}
	if n := len(logs.Records(account.EventSignInFailed)); n != len(cases) {
		t.Errorf("a right password logged a failure")
	}
	if account.EmailHash(" ADA@example.com") != account.EmailHash("ada@example.com") {
		t.Error("EmailHash does not normalize")
	}
	for _, s := range []string{pw, "wrong password!", "example.com", testSecret} {
		if line := logs.Contains(s); line != "" {
			t.Errorf("a record holds %q: %s", s, line)
		}
	}
}

// TestUserHooks: AfterUserCreate runs once per user created, with the
// caller's context, and not for a refused sign-up; AfterUserDelete once
// per deletion.
func TestUserHooks(t *testing.T) {
	t.Parallel()
	logs, logger := logcapture.New()
	m := newManager(t, sessionkit.Config{Logger: logger})
	var created, deleted []store.User
	a, err := account.New(m, account.Config{Hooks: account.Hooks{
		AfterUserCreate: func(ctx context.Context, u store.User) {
			if ctx.Value(ctxKey{}) != "req" {
				t.Error("AfterUserCreate without the caller's context")
			}
			created = append(created, u)
		},
		AfterUserDelete: func(ctx context.Context, u store.User) {
			if ctx.Value(ctxKey{}) != "req" {
				t.Error("AfterUserDelete without the caller's context")
			}
			deleted = append(deleted, u)
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := a.CreateUser(reqCtx(), "Ada", "ada@example.com", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateUser(reqCtx(), "Ada", "ada@example.com", ""); !errors.Is(err, account.ErrEmailTaken) {
		t.Fatal(err)
	}
	if len(created) != 1 || created[0].ID != u.ID {
		t.Fatalf("AfterUserCreate calls: %+v", created)
	}
	if r := logs.Records(account.EventUserCreated); len(r) != 1 || r[0].Attrs["user_id"] != u.ID {
		t.Errorf("user-created records: %+v", r)
	}
	if err := a.DeleteUser(reqCtx(), u.ID); err != nil {
		t.Fatal(err)
	}
	if len(deleted) != 1 || deleted[0].ID != u.ID {
		t.Fatalf("AfterUserDelete calls: %+v", deleted)
	}
	if r := logs.Records(account.EventUserDeleted); len(r) != 1 || r[0].Attrs["user_id"] != u.ID {
		t.Errorf("user-deleted records: %+v", r)
	}
	if line := logs.Contains("ada@example.com"); line != "" {
		t.Errorf("a record holds the email: %s", line)
	}
}

// TestRateLimitedEvent: requests over the limit are logged with the path
// and client address, at most 10 lines a minute.
func TestRateLimitedEvent(t *testing.T) {
	t.Parallel()
	logs, logger := logcapture.New()
	m := newManager(t, sessionkit.Config{Logger: logger})
	a, err := account.New(m, account.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var limited int
	for range 20 {
		r := httptest.NewRequest("POST", "/api/auth/sign-in/email", nil)
		if err := a.RateLimit(r, "/sign-in/email"); errors.Is(err, account.ErrRateLimited) {
			limited++
		}
	}
	recs := logs.Records(account.EventRateLimited)
	if limited != 17 || len(recs) != 10 {
		t.Fatalf("%d limited, %d lines; want 17, 10", limited, len(recs))
	}
	if r := recs[0]; r.Attrs["path"] != "/sign-in/email" || r.Attrs["ip"] != "192.0.2.1" || r.Level.String() != "WARN" {
		t.Errorf("record %v %v", r.Level, r.Attrs)
	}
}

// TestRefusedSessionAnswers403: a BeforeSessionCreate refusal answers 403
// with the hook's code (or FAILED_TO_CREATE_SESSION), sets no cookie and
// stores no session.
func TestRefusedSessionAnswers403(t *testing.T) {
	t.Parallel()
	errPlain := errors.New("not today")
	e := newAPIEnv(t, sessionkit.Config{Hooks: sessionkit.Hooks{
		BeforeSessionCreate: func(ctx context.Context, s *store.Session, u *store.User) error {
			switch u.Name {
			case "Banned":
				return &sessionkit.RefusedError{Code: "BANNED_USER", Message: "You have been banned from this application"}
			case "Plain":
				return errPlain
			}
			return nil
		},
	}}, account.Config{})
	for _, tc := range []struct{ name, code string }{
		{"Banned", "BANNED_USER"},
		{"Plain", account.CodeFailedToCreateSession},
	} {
		email := strings.ToLower(tc.name) + "@example.com"
		body := `{"name":"` + tc.name + `","email":"` + email + `","password":"correct horse battery"}`
		for _, path := range []string{"/sign-up/email", "/sign-in/email"} {
			c := e.client()
			res := c.post(path, body)
			if res.status != 403 || !strings.Contains(res.body, `"code":"`+tc.code+`"`) || len(res.header.Values("Set-Cookie")) != 0 {
				t.Errorf("%s %s: %d %s %v", tc.name, path, res.status, res.body, res.header.Values("Set-Cookie"))
			}
		}
		u, err := e.st.UserByEmail(context.Background(), email)
		if err != nil {
			t.Fatal(err)
		}
		if list, err := e.m.ListSessions(context.Background(), u.ID); err != nil || len(list) != 0 {
			t.Errorf("%s: %d sessions stored (%v)", tc.name, len(list), err)
		}
	}
}
