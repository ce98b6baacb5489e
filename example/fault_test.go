package main

import (
	"context"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

// TestStoreFailureIs503 breaks the session and user inserts with SQLite
// triggers: the sign-up and sign-in pages answer 503 with Retry-After (the
// store failed; try again), never 500, and work again once it is repaired.
func TestStoreFailureIs503(t *testing.T) {
	t.Parallel()
	auth, err := sessionkit.New(sessionkit.Config{Secret: testSecret, DatabasePath: filepath.Join(t.TempDir(), "example.db")})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newApp(auth))
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
