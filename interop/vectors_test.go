package interop_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/internal/vectors"
)

// vectorPackages are the packages whose tests read the committed vectors;
// vectorRun selects those tests.
var (
	vectorPackages = []string{"./cache", "./store/sqlite", "./password", "."}
	vectorRun      = "Vector|Verify|BetterAuth"
)

// vectorTests must each pass on regenerated vectors: at least one test of
// every package, reading every part of the files.
var vectorTests = []string{
	"TestVectorsDecode", "TestVectorsMint", "TestVectorsChunkSize", "TestJWEMintVector", // cache
	"TestVectors", "TestSchemaMatchesBetterAuth", // store/sqlite
	"TestVerifyBetterAuthHash",                                                    // password
	"TestVerifyVectors", "TestVectorDatabases", "TestCacheReadsBetterAuthCookies", // sessionkit
}

// TestMintVectors regenerates the vector sets with mint-vectors.mjs (the
// real Better Auth) into a temporary folder and runs the module's vector
// tests on them: the harness reproduces the committed testdata.
func TestMintVectors(t *testing.T) {
	node := needNode(t)
	goBin := testenv.LookPath(t, "go", "install Go")
	t.Parallel()
	out := t.TempDir()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	mint := exec.CommandContext(ctx, node, filepath.Join(dir(), "mint-vectors.mjs"), out)
	mint.Dir = dir()
	if b, err := mint.CombinedOutput(); err != nil {
		t.Fatalf("node mint-vectors.mjs: %v\n%s", err, b)
	}
	for _, name := range vectors.Names {
		for _, ext := range []string{".json", ".db"} {
			if fi, err := os.Stat(filepath.Join(out, name+ext)); err != nil || fi.Size() == 0 {
				t.Fatalf("mint-vectors.mjs wrote no %s%s: %v", name, ext, err)
			}
		}
	}

	goTest := func(vectorDir string) (string, error) {
		args := append([]string{"test", "-count=1", "-v", "-run", vectorRun}, vectorPackages...)
		cmd := exec.CommandContext(ctx, goBin, args...)
		cmd.Dir = filepath.Join(dir(), "..")
		cmd.Env = append(os.Environ(), vectors.EnvDir+"="+vectorDir)
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		err := cmd.Run()
		return buf.String(), err
	}

	got, err := goTest(out)
	if err != nil {
		t.Fatalf("go test %s on the regenerated vectors: %v\n%s", strings.Join(vectorPackages, " "), err, got)
	}
	passed := regexp.MustCompile(`(?m)^--- PASS: (\S+)`).FindAllStringSubmatch(got, -1)
	seen := map[string]bool{}
	for _, m := range passed {
		seen[m[1]] = true
	}
	for _, name := range vectorTests {
		if !seen[name] {
			t.Errorf("%s did not pass on the regenerated vectors", name)
		}
	}
	if t.Failed() {
		t.Fatalf("go test output:\n%s", got)
	}
	t.Logf("%d tests passed on the regenerated vectors", len(passed))

	// Control: the same run on an empty folder fails in every package, so
	// the tests above did read the regenerated files, not the committed ones.
	got, err = goTest(t.TempDir())
	if err == nil {
		t.Fatalf("go test passed with %s pointing at an empty folder: the vector tests ignore it\n%s", vectors.EnvDir, got)
	}
	for _, pkg := range vectorPackages {
		path := strings.TrimSuffix("github.com/sessionkit/sessionkit/"+strings.TrimPrefix(pkg, "./"), "/.")
		if !regexp.MustCompile(`(?m)^FAIL\s+` + regexp.QuoteMeta(path) + `\s`).MatchString(got) {
			t.Errorf("%s did not fail on an empty vectors folder", path)
		}
	}
	if t.Failed() {
		t.Fatalf("go test output:\n%s", got)
	}
}

// TestVectorsDirEnv: the vector readers take their folder from
// SESSIONKIT_VECTORS_DIR, relative paths from the module root.
func TestVectorsDirEnv(t *testing.T) {
	root := filepath.Join(dir(), "..")
	committed := filepath.Join(root, "testdata", "vectors", "better-auth-1.7.25")
	abs := t.TempDir()
	for _, c := range []struct{ env, want string }{
		{"", committed},
		{abs, abs},
		{filepath.Join("testdata", "other"), filepath.Join(root, "testdata", "other")},
	} {
		t.Setenv(vectors.EnvDir, c.env)
		if got := vectors.Dir(); filepath.Clean(got) != filepath.Clean(c.want) {
			t.Errorf("%s=%q: Dir() = %q, want %q", vectors.EnvDir, c.env, got, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(committed, "none.json")); err != nil {
		t.Errorf("the committed vectors: %v", err)
	}
}
