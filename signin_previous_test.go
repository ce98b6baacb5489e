package sessionkit_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store"
)

// signInAgain signs userID in from a browser that sends cookie, and returns
// the new cookie header (empty when SignIn failed) and the error.
func (h *harness) signInAgain(cookie, userID string, opts sessionkit.SignInOptions) (string, *httptest.ResponseRecorder, error) {
	h.t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/sign-in", nil)
	req.Header.Set("Cookie", cookie)
	_, err := h.m.SignIn(rec, req, userID, opts)
	return cookieHeader(rec.Result().Cookies()), rec, err
}

// Signing in again in one browser ends the session its cookie named,
// whoever it belonged to, unless KeepPrevious asks otherwise.
func TestSignInEndsPreviousSession(t *testing.T) {
	for _, tc := range []struct {
		name      string
		other     bool // the second sign-in is another user's
		keep      bool
		wantAlive bool
	}{
		{name: "same user", wantAlive: false},
		{name: "another user", other: true, wantAlive: false},
		{name: "same user, KeepPrevious", keep: true, wantAlive: true},
		{name: "another user, KeepPrevious", other: true, keep: true, wantAlive: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, sessionkit.Config{})
			a, b := h.user("a@example.com"), h.user("b@example.com")
			first, _ := h.signIn(a.ID, sessionkit.SignInOptions{})
			second := a.ID
			if tc.other {
				second = b.ID
			}
			next, _, err := h.signInAgain(first, second, sessionkit.SignInOptions{KeepPrevious: tc.keep})
			if err != nil {
				t.Fatal(err)
			}
			if got := h.live(first); got != tc.wantAlive {
				t.Fatalf("previous session alive = %v, want %v", got, tc.wantAlive)
			}
			if !h.live(next) {
				t.Fatal("the new session is not live")
			}
			ss, err := h.m.ListSessions(context.Background(), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if tc.wantAlive {
				want = 1
			}
			if !tc.other {
				want++
			}
			if len(ss) != want {
				t.Fatalf("user a has %d live sessions, want %d", len(ss), want)
			}
		})
	}
}

// When the previous session cannot be deleted, the sign-in fails before
// creating a session and sets no cookie: the old session is untouched and
// the user can retry (fail closed).
func TestSignInPreviousDeleteFails(t *testing.T) {
	h, st := newDeleteFaultHarness(t)
	u := h.user("a@example.com")
	first, _ := h.signIn(u.ID, sessionkit.SignInOptions{})
	st.down.Store(true)
	_, rec, err := h.signInAgain(first, u.ID, sessionkit.SignInOptions{})
	if !errors.Is(err, errStoreDown) {
		t.Fatalf("err = %v, want the store's", err)
	}
	if sc := rec.Header().Values("Set-Cookie"); len(sc) != 0 {
		t.Fatalf("a failed sign-in set cookies: %q", sc)
	}
	st.down.Store(false)
	ss, err := h.m.ListSessions(context.Background(), u.ID)
	if err != nil || len(ss) != 1 || !h.live(first) {
		t.Fatalf("sessions after a failed sign-in: %d (%v), previous live = %v; want the previous one only", len(ss), err, h.live(first))
	}
}

// Ending the previous session at sign-in is a sign-out of it: the
// AfterSignOut hook runs once, for that session.
func TestSignInPreviousRunsSignOutHook(t *testing.T) {
	t.Parallel()
	var ended []string
	h := newHarness(t, sessionkit.Config{Hooks: sessionkit.Hooks{
		AfterSignOut: func(_ context.Context, s store.Session) { ended = append(ended, s.ID) },
	}})
	a := h.user("a@example.com")
	first, _ := h.signIn(a.ID, sessionkit.SignInOptions{})
	prev, err := h.m.LookupHeader(context.Background(), http.Header{"Cookie": {first}}, sessionkit.LookupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.signInAgain(first, a.ID, sessionkit.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(ended) != 1 || ended[0] != prev.Found.Session.ID {
		t.Fatalf("AfterSignOut calls %v, want one for %s", ended, prev.Found.Session.ID)
	}
}
