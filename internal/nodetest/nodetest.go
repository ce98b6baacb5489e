// Package nodetest runs the interop suite's Node scripts (interop/*.mjs,
// the real Better Auth) from Go tests, and plays the browser's cookie jar
// between them. The tests of the core module (interop/) and of the social
// module use it.
package nodetest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Timeout bounds one run of a script.
const Timeout = 2 * time.Minute

// Run runs node on script (a file of dir, also the working directory) with
// in as JSON on stdin, and decodes its stdout into out. Any failure fails
// t, with the script's stderr.
func Run(t testing.TB, node, dir, script string, in, out any) {
	t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, script))
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(b)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, stderr.Bytes())
	}
	if err := json.Unmarshal(stdout, out); err != nil {
		t.Fatalf("node %s output %q: %v", script, stdout, err)
	}
}

// ApplyCookies updates a Cookie header with Set-Cookie lines, as a browser
// does (Max-Age=0 deletes). A jar is not used: it would withhold Secure
// cookies from a plain-http test server.
func ApplyCookies(cookie string, setCookie []string) string {
	var names []string
	vals := map[string]string{}
	set := func(name, val string) {
		if _, ok := vals[name]; !ok {
			names = append(names, name)
		}
		vals[name] = val
	}
	for _, p := range strings.Split(cookie, "; ") {
		if name, val, ok := strings.Cut(p, "="); ok {
			set(name, val)
		}
	}
	for _, line := range setCookie {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			continue
		}
		if c.MaxAge < 0 {
			delete(vals, c.Name)
			continue
		}
		set(c.Name, c.Value)
	}
	var out []string
	for _, n := range names {
		if v, ok := vals[n]; ok {
			out = append(out, n+"="+v)
		}
	}
	return strings.Join(out, "; ")
}
