package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

// deleteFaultStore is the example's SQLite store whose deletions fail
// while down is set.
type deleteFaultStore struct {
	*sqlite.Store
	down atomic.Bool
}

var errDown = errors.New("test: store down")

func (s *deleteFaultStore) DeleteSession(ctx context.Context, token string) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.DeleteSession(ctx, token)
}

func (s *deleteFaultStore) DeleteUserSessions(ctx context.Context, userID string) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.DeleteUserSessions(ctx, userID)
}

func (s *deleteFaultStore) DeleteOtherSessions(ctx context.Context, userID, keep string) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.DeleteOtherSessions(ctx, userID, keep)
}

var _ store.CredentialStore = (*deleteFaultStore)(nil)

// TestSignOutFormsFailClosed: the sign-out form and every revoke button
// answer 503 with Retry-After when the store cannot delete, clear no
// cookie and end no session; the same form works once the store is back.
func TestSignOutFormsFailClosed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, path            string
		form                  func(phoneID string) url.Values
		wantLoc               string
		laptopGone, phoneGone bool
	}{
		{name: "sign-out", path: "/sign-out", wantLoc: "/sign-in?signed-out=1", laptopGone: true},
		{name: "revoke other device", path: "/sessions/revoke", form: func(id string) url.Values { return url.Values{"id": {id}} }, wantLoc: "/sessions?done=revoked", phoneGone: true},
		{name: "revoke others", path: "/sessions/revoke-others", wantLoc: "/sessions?done=others", phoneGone: true},
		{name: "sign out everywhere", path: "/settings/sign-out-everywhere", wantLoc: "/sign-in?signed-out=1", laptopGone: true, phoneGone: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db, err := sqlite.Open(filepath.Join(t.TempDir(), "example.db"))
			if err != nil {
				t.Fatal(err)
			}
			st := &deleteFaultStore{Store: db}
			auth, err := sessionkit.New(sessionkit.Config{Secret: testSecret, Store: st, Now: newTestClock().Now})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(testApp(t, auth))
			t.Cleanup(func() { srv.Close(); auth.Close(); db.Close() })

			laptop, phone := newClient(t, srv), newClient(t, srv)
			laptop.signUp("Ada", "ada@example.com")
			phone.signIn("ada@example.com")
			_, others := sessionRows(t, laptop)
			form := url.Values{}
			if tc.form != nil {
				form = tc.form(others[0])
			}

			st.down.Store(true)
			res := laptop.res("POST", tc.path, form)
			if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
				t.Fatalf("store down: %d, Retry-After %q; want 503 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
			}
			for _, c := range res.Cookies() {
				if c.MaxAge < 0 {
					t.Errorf("store down: cookie %s cleared", c.Name)
				}
			}
			for name, c := range map[string]*client{"laptop": laptop, "phone": phone} {
				if code, _, _ := c.do("GET", "/dashboard", nil); code != 200 {
					t.Errorf("store down: %s signed out (%d) although nothing was deleted", name, code)
				}
			}

			st.down.Store(false)
			if code, loc, body := laptop.do("POST", tc.path, form); code != 303 || loc != tc.wantLoc {
				t.Fatalf("retry: %d %q\n%s", code, loc, body)
			}
			if code, _, _ := phone.do("GET", "/dashboard", nil); (code == 303) != tc.phoneGone {
				t.Errorf("retry: phone dashboard %d, want signed out = %v", code, tc.phoneGone)
			}
			if code, _, _ := laptop.do("GET", "/dashboard", nil); (code == 303) != tc.laptopGone {
				t.Errorf("retry: laptop dashboard %d, want signed out = %v", code, tc.laptopGone)
			}
		})
	}
}

// TestStoreFailureIs503 breaks the session and user inserts with SQLite
// triggers: the sign-up and sign-in pages answer 503 with Retry-After (the
// store failed; try again), never 500, and work again once it is repaired.
func TestStoreFailureIs503(t *testing.T) {
	t.Parallel()
	auth, err := sessionkit.New(sessionkit.Config{Secret: testSecret, DatabasePath: filepath.Join(t.TempDir(), "example.db")})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(testApp(t, auth))
	t.Cleanup(func() { srv.Close(); auth.Close() })
	c := newClient(t, srv)
	c.signUp("Ada", "ada@example.com")
	db := auth.Store().(*sqlite.Store).DB()
	ctx := context.Background()
	for _, tbl := range []string{"user", "session"} {
		if _, err := db.ExecContext(ctx, `CREATE TRIGGER "fail_`+tbl+`" BEFORE INSERT ON "`+tbl+`" BEGIN SELECT RAISE(ABORT, 'injected'); END`); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/sign-up", url.Values{"name": {"Bo"}, "email": {"bo@example.com"}, "password": {"correct horse"}}},
		{"/sign-in", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}, "remember": {"on"}}},
	} {
		res := newClient(t, srv).res("POST", tc.path, tc.form)
		res.Body.Close()
		if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" {
			t.Errorf("POST %s while the store fails: %d (Retry-After %q), want 503 with Retry-After", tc.path, res.StatusCode, res.Header.Get("Retry-After"))
		}
	}
	for _, tbl := range []string{"user", "session"} {
		if _, err := db.ExecContext(ctx, `DROP TRIGGER "fail_`+tbl+`"`); err != nil {
			t.Fatal(err)
		}
	}
	newClient(t, srv).signUp("Bo", "bo@example.com")
	newClient(t, srv).signIn("ada@example.com")
}
