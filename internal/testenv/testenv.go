// Package testenv decides what a test does when an outside service or tool
// it needs is missing: locally it skips with a message saying what to
// install; in CI (CI=true) it fails, so a missing install step never passes
// as a skipped test.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run in CI (the environment sets CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing skips the test locally, or fails it in CI, saying why.
func Missing(t testing.TB, what, install string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s is missing in CI: %s", what, install)
	}
	t.Skipf("%s is missing; to run this test: %s", what, install)
}

// LookPath returns the path of the command name, or calls Missing.
func LookPath(t testing.TB, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name, install)
	}
	return p
}
