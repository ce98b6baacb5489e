package account_test

import (
	"context"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
)

// The JSON API's sign-in keeps Better Auth's behaviour: signing in again in
// one browser leaves the previous session alive (Manager.SignIn alone would
// end it).
func TestAPISignInKeepsPreviousSession(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, sessionkit.Config{}, account.Config{})
	c := e.client()
	if r := c.post("/sign-up/email", `{"name":"Ada","email":"ada@example.com","password":"correct horse battery"}`); r.status != 200 {
		t.Fatalf("sign-up: %d %s", r.status, r.body)
	}
	for i := 0; i < 2; i++ {
		if r := c.post("/sign-in/email", `{"email":"ada@example.com","password":"correct horse battery"}`); r.status != 200 {
			t.Fatalf("sign-in: %d %s", r.status, r.body)
		}
	}
	u, err := e.m.Store().UserByEmail(context.Background(), "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	ss, err := e.m.ListSessions(context.Background(), u.ID)
	if err != nil || len(ss) != 3 {
		t.Fatalf("%d live sessions (%v), want 3: sign-up and two sign-ins, as Better Auth", len(ss), err)
	}
}
