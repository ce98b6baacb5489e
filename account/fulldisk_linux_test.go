package account_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

// mountTmpfs mounts a tmpfs of size bytes on a fresh directory and
// unmounts it when the test ends (after the cleanups registered later,
// which close what uses it).
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	const install = "run the test as root on Linux (it mounts a small tmpfs)"
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root", install)
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		testenv.Missing(t, "mount -t tmpfs ("+err.Error()+")", install)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fillDisk writes path until the file system is full.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, chunk := range []int{64 << 10, 4 << 10, 1} {
		buf := make([]byte, chunk)
		for {
			if _, err := f.Write(buf); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatal(err)
				}
				break
			}
		}
	}
}

// isFull reports whether err carries SQLite's "database or disk is full".
func isFull(err error) bool {
	var e *msqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_FULL
}

// TestFullDisk puts the SQLite file on a small tmpfs and fills it: sign-ups
// and sign-ins answer 503 (the JSON API) or return the store's SQLITE_FULL
// (the Go API), never 500, and leave nothing half-written; once space
// returns, the same requests succeed.
func TestFullDisk(t *testing.T) {
	t.Parallel()
	dir := mountTmpfs(t, 4<<20)
	m, err := sessionkit.New(sessionkit.Config{Secret: apiSecret, DatabasePath: filepath.Join(dir, "auth.db"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	// Many sign-ups from one address in a few seconds: not what this test is about.
	a, err := account.New(m, account.Config{RateLimit: account.RateLimit{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/auth/", a.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	post := func(path, body string) int {
		t.Helper()
		res, err := http.Post(srv.URL+"/api/auth"+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	signUp := func(email string) string {
		return fmt.Sprintf(`{"name":"Pat","email":%q,"password":"correct horse battery"}`, email)
	}
	const signIn = `{"email":"ada@example.com","password":"correct horse battery"}`
	if code := post("/sign-up/email", signUp("ada@example.com")); code != 200 {
		t.Fatalf("sign-up before the disk fills: %d", code)
	}
	ctx := context.Background()
	ada, err := m.Store().UserByEmail(ctx, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}

	filler := filepath.Join(dir, "filler")
	fillDisk(t, filler)
	emails := []string{"bo@example.com", "cy@example.com"}
	for _, e := range emails {
		if code := post("/sign-up/email", signUp(e)); code != http.StatusServiceUnavailable {
			t.Errorf("sign-up of %s on a full disk: %d, want 503", e, code)
		}
	}
	if code := post("/sign-in/email", signIn); code != http.StatusServiceUnavailable {
		t.Errorf("sign-in on a full disk: %d, want 503", code)
	}
	if _, err := a.CreateUser(ctx, "Di", "di@example.com", "correct horse battery"); !isFull(err) {
		t.Errorf("CreateUser on a full disk: err = %v, want SQLite's SQLITE_FULL", err)
	}
	rec := httptest.NewRecorder()
	if _, err := m.SignIn(rec, httptest.NewRequest("POST", "/", nil), ada.ID, sessionkit.SignInOptions{}); !isFull(err) {
		t.Errorf("SignIn on a full disk: err = %v, want SQLite's SQLITE_FULL", err)
	}
	if sc := rec.Header().Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("SignIn on a full disk set cookies: %q", sc)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	// The failed sign-ups left nothing: the same e-mails sign up now.
	for _, e := range append(emails, "di@example.com") {
		if code := post("/sign-up/email", signUp(e)); code != 200 {
			t.Errorf("sign-up of %s once space returned: %d, want 200", e, code)
		}
	}
	if code := post("/sign-in/email", signIn); code != 200 {
		t.Errorf("sign-in once space returned: %d, want 200", code)
	}
	if _, err := m.SignIn(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil), ada.ID, sessionkit.SignInOptions{}); err != nil {
		t.Errorf("SignIn once space returned: %v", err)
	}
	var check string
	if err := m.Store().(*sqlite.Store).DB().QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("PRAGMA integrity_check = %q, %v; want ok", check, err)
	}
}
