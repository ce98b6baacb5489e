// Package testenv decides what a test does when an outside service or tool
// it needs is missing: locally it skips with a message saying what to
// install; in CI (CI=true) it fails, so a missing install step never passes
// as a skipped test.
package testenv

import (
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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
	record(what, install)
	t.Skipf("%s is missing; to run this test: %s", what, install)
}

// skips counts the tests Missing skipped, by what was missing.
var skips struct {
	sync.Mutex
	n       map[string]int
	install map[string]string
}

func record(what, install string) {
	skips.Lock()
	defer skips.Unlock()
	if skips.n == nil {
		skips.n, skips.install = map[string]int{}, map[string]string{}
	}
	skips.n[what]++
	skips.install[what] = install
}

// Summary is one line saying which tests Missing skipped and why, such as
// "skipped: 3 tests need SESSIONKIT_POSTGRES_DSN: install and start …",
// or "" when none was.
func Summary() string {
	skips.Lock()
	defer skips.Unlock()
	if len(skips.n) == 0 {
		return ""
	}
	var parts []string
	for _, what := range slices.Sorted(maps.Keys(skips.n)) {
		n, verb := skips.n[what], "tests need"
		if n == 1 {
			verb = "test needs"
		}
		parts = append(parts, fmt.Sprintf("%d %s %s: %s", n, verb, what, skips.install[what]))
	}
	return "skipped: " + strings.Join(parts, "; ")
}

// Main runs the tests and then prints Summary, if any, to stdout: for a
// package's TestMain. go test shows it in directory mode (`go test` in the
// package's folder), with -v, and when the package fails; in package list
// mode (`go test ./...`) a passing package's output is hidden, so use
// `go test -v ./... | grep -E '^(ok|FAIL|skipped:)'` there.
func Main(m *testing.M) {
	code := m.Run()
	Report(os.Stdout)
	os.Exit(code)
}

// Report writes Summary, if any, as a line to w: for a TestMain that does
// more than Main.
func Report(w io.Writer) {
	if s := Summary(); s != "" {
		fmt.Fprintln(w, s)
	}
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

// NodeInstall says how to install what NeedNode looks for.
const NodeInstall = "install Node.js 20+, then run `npm ci` in interop/ (or bash .ci/interop.sh)"

// NeedNode returns the node binary, or calls Missing when node or one of
// the packages is not installed in interopDir/node_modules. It never
// installs them: `npm ci` may compile better-sqlite3 for minutes, which
// belongs in CI's setup (.ci/interop.sh), not in a test's time budget.
func NeedNode(t testing.TB, interopDir string, packages ...string) string {
	t.Helper()
	node := LookPath(t, "node", NodeInstall)
	for _, pkg := range packages {
		if _, err := os.Stat(filepath.Join(interopDir, "node_modules", pkg, "package.json")); err != nil {
			Missing(t, "interop/node_modules/"+pkg, NodeInstall)
		}
	}
	return node
}
