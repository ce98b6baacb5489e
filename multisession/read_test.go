package multisession

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memory"
)

// FuzzCookieNames: read keeps at most the read limit of multi cookies,
// each once, each named the prefix plus 1 to maxTokenLength bytes, counts
// every multi name it saw, and lookup finds each kept cookie's value.
func FuzzCookieNames(f *testing.F) {
	m, err := sessionkit.New(sessionkit.Config{Secret: strings.Repeat("s", 40), Store: memory.New()})
	if err != nil {
		f.Fatal(err)
	}
	defer m.Close()
	p, err := New(m, Config{MaximumSessions: 2})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		"",
		"better-auth.session_token_multi-abc=v; better-auth.session_token=t",
		"better-auth.session_token_multi-abc=1; better-auth.session_token_multi-abc=2",
		" better-auth.session_token_multi-a = \"q\" ;better-auth.session_token_multi-b=;x=y",
		strings.Repeat("better-auth.session_token_multi-z=1;", 9),
		"better-auth.session_token_multi-" + strings.Repeat("a", 65) + "=v",
		"BETTER-AUTH.SESSION_TOKEN_MULTI-abc=v; better-auth.session_token_multi-=v",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, cookie string) {
		h := http.Header{"Cookie": {cookie}}
		j := p.read(h)
		if len(j.cookies) > p.limit || j.count < len(j.cookies) {
			t.Fatalf("kept %d, counted %d, limit %d", len(j.cookies), j.count, p.limit)
		}
		seen := map[string]bool{}
		for _, c := range j.cookies {
			if seen[c.name] || !strings.HasPrefix(c.name, p.prefix) || len(c.name) == len(p.prefix) || len(c.name) > len(p.prefix)+maxTokenLength {
				t.Fatalf("kept %q", c.name)
			}
			seen[c.name] = true
			if raw, ok := p.lookup(h, c.name); !ok || raw != c.raw {
				t.Fatalf("lookup(%q) = %q %v, read %q", c.name, raw, ok, c.raw)
			}
		}
		if n := strings.Count(cookie, p.prefix); j.count > n {
			t.Fatalf("counted %d multi names in a header with %d prefixes", j.count, n)
		}
	})
}
