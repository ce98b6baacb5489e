package testenv

import (
	"testing"
)

// TestSummary: skips are counted by what was missing, in one line.
func TestSummary(t *testing.T) {
	t.Setenv("CI", "")
	if s := Summary(); s != "" {
		t.Fatalf("before any skip: %q", s)
	}
	for _, what := range []string{"SESSIONKIT_POSTGRES_DSN", "node", "SESSIONKIT_POSTGRES_DSN"} {
		t.Run(what, func(t *testing.T) { Missing(t, what, "install "+what) })
	}
	want := "skipped: 2 tests need SESSIONKIT_POSTGRES_DSN: install SESSIONKIT_POSTGRES_DSN; 1 test needs node: install node"
	if s := Summary(); s != want {
		t.Fatalf("Summary() = %q, want %q", s, want)
	}
	skips.n, skips.install = nil, nil // this test's skips are not the package's
}
