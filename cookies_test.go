package sessionkit

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/internal/vectors"
)

func mustCookies(t testing.TB, cfg Config) *sessionCookies {
	t.Helper()
	s, err := cfg.resolve()
	if err != nil {
		t.Fatal(err)
	}
	return s.cookies
}

// TestSignSpecVector checks the signature against a known Better Auth vector.
func TestSignSpecVector(t *testing.T) {
	t.Parallel()
	s := mustCookies(t, Config{Secret: "test-secret-0123456789abcdefghijklmnopqrstuvwxyz"})
	tests := map[string]string{
		"KUYu02dce8RjXELLsmDPyn8jFsW4MgoD": "KUYu02dce8RjXELLsmDPyn8jFsW4MgoD.eQetZc90kVVA8DlAociFWNWTblidCIHCynT81aE9M%2B8%3D",
		"true":                             "true.1Ue91JS%2BcwPpyhFiSTriJ9vlBOt6RG78rdQqJ%2BTjbEk%3D",
	}
	for v, want := range tests {
		if got := s.sign(v); got != want {
			t.Errorf("sign(%q) = %q, want %q", v, got, want)
		}
		if got, ok := s.verify(want); !ok || got != v {
			t.Errorf("verify(%q) = %q, %v; want %q, true", want, got, ok, v)
		}
	}
}

// tokenCookies returns every session_token value the vectors recorded.
func tokenCookies(t testing.TB, set *vectors.Set) []string {
	var out []string
	for _, ex := range []vectors.Exchange{set.SignUp, set.SignIn.RememberMe, set.SignIn.NoRememberMe} {
		for _, line := range ex.SetCookie {
			c, err := http.ParseSetCookie(line)
			if err != nil {
				t.Fatal(err)
			}
			if c.Name == set.Meta.CookieNames.SessionToken {
				out = append(out, c.Value)
			}
		}
	}
	if len(out) != 3 {
		t.Fatalf("%v: found %d session_token cookies, want 3", set, len(out))
	}
	return out
}

// TestVerifyVectors: every session_token Better Auth minted verifies with
// its secret and fails with another secret or any damage.
func TestVerifyVectors(t *testing.T) {
	t.Parallel()
	for _, set := range vectors.All(t) {
		good := mustCookies(t, Config{Secret: set.Config.Secret})
		other := mustCookies(t, Config{Secret: testSecretOther})
		rotated := mustCookies(t, Config{Secret: testSecretOther, OldSecrets: []string{set.Config.Secret}})
		for _, raw := range tokenCookies(t, set) {
			dec, _ := url.PathUnescape(raw)
			wantTok := dec[:strings.LastIndexByte(dec, '.')]
			if tok, ok := good.verify(raw); !ok || tok != wantTok || len(tok) != 32 {
				t.Errorf("%v: verify(%q) = %q, %v", set, raw, tok, ok)
			}
			if tok, ok := rotated.verify(raw); !ok || tok != wantTok {
				t.Errorf("%v: an old secret does not verify: %q, %v", set, tok, ok)
			}
			if _, ok := other.verify(raw); ok {
				t.Errorf("%v: verified with another secret", set)
			}
			for _, bad := range damaged(dec) {
				if _, ok := good.verify(bad); ok {
					t.Errorf("%v: damaged value %q verified", set, bad)
				}
			}
		}
	}
}

const testSecretOther = "another-secret-0123456789abcdefghijklmnopqrstuvw"

// damaged returns broken variants of a decoded signed value "V.S".
func damaged(v string) []string {
	dot := strings.LastIndexByte(v, '.')
	out := []string{
		v[:len(v)-1],       // truncated
		v[:dot],            // no signature
		v[:dot+1],          // empty signature
		v[:dot+1] + "=",    // short signature
		"." + v[dot+1:],    // no value
		v + "x",            // long signature
		strings.ToUpper(v), // case changed
		v[:dot] + "x" + v[dot:],
	}
	for _, i := range []int{0, dot / 2, dot - 1, dot + 1, dot + 20, len(v) - 2} {
		b := []byte(v)
		b[i] ^= 0x01
		out = append(out, string(b))
	}
	return out
}

// FuzzVerify feeds the token-cookie parser anything; it must never panic
// and must only accept values that it would sign itself.
func FuzzVerify(f *testing.F) {
	s := mustCookies(f, Config{Secret: "public-test-secret-0123456789abcdefghijklmnop"})
	for _, name := range vectors.Names {
		for _, v := range tokenCookies(f, vectors.Load(f, name)) {
			f.Add(v)
		}
	}
	f.Add("")
	f.Add("%")
	f.Add(strings.Repeat("a", 5000))
	f.Fuzz(func(t *testing.T, raw string) {
		tok, ok := s.verify(raw)
		if again, ok2 := s.verify(raw); again != tok || ok2 != ok {
			t.Fatalf("verify(%q) = %q, %v, then %q, %v", raw, tok, ok, again, ok2)
		}
		if !ok {
			return
		}
		// Accepted: the value must carry exactly the signature we make.
		dec, err := url.PathUnescape(raw)
		if err != nil {
			dec = raw
		}
		want, _ := url.PathUnescape(s.sign(tok))
		if dec != want {
			t.Fatalf("accepted %q for token %q, but the signature is %q", raw, tok, want)
		}
	})
}

func TestReadJar(t *testing.T) {
	t.Parallel()
	s := mustCookies(t, Config{Secret: testSecretOther})
	h := http.Header{"Cookie": {
		`other=1; better-auth.session_token=first; better-auth.session_token=second`,
		`better-auth.session_data.0=a; better-auth.session_datax=no; better-auth.dont_remember="q"`,
	}}
	j := s.read(h)
	if j.token != "first" {
		t.Errorf("token = %q, want the first occurrence", j.token)
	}
	if j.dontRemember != "q" {
		t.Errorf("dont_remember = %q, want quotes stripped", j.dontRemember)
	}
	if d := j.data.all(); len(d) != 1 || d[0].Name != "better-auth.session_data.0" {
		t.Errorf("data cookies = %v", d)
	}
}

// TestReadJarDataOrder: the cache cookies are kept in the order the
// request carried them, across the few the jar holds in place and the
// ones past them.
func TestReadJarDataOrder(t *testing.T) {
	t.Parallel()
	s := mustCookies(t, Config{Secret: testSecretOther})
	var line []string
	var want []string
	for i := range 5 {
		name := fmt.Sprintf("better-auth.session_data.%d", 4-i)
		line = append(line, name+"=v"+strconv.Itoa(i))
		want = append(want, name+"=v"+strconv.Itoa(i))
		j := s.read(http.Header{"Cookie": {strings.Join(line, "; ")}})
		var got []string
		for _, d := range j.data.all() {
			got = append(got, d.Name+"="+d.Value)
		}
		if j.data.n != i+1 || !slices.Equal(got, want) {
			t.Fatalf("%d cookies: read %v (n %d), want %v", i+1, got, j.data.n, want)
		}
	}
}

// TestReadJarDataNames: the cache cookies of a request are the plain name
// and the chunks Better Auth can write, <base>.<i> with a canonical index
// below cache.MaxChunks; other names are not ours to read or
// expire.
func TestReadJarDataNames(t *testing.T) {
	t.Parallel()
	s := mustCookies(t, Config{Secret: testSecretOther})
	for _, tt := range []struct {
		name string
		ours bool
	}{
		{"better-auth.session_data", true},
		{"better-auth.session_data.0", true},
		{"better-auth.session_data.9", true},
		{"better-auth.session_data.10", true},
		{"better-auth.session_data.99", true},
		{"better-auth.session_data.100", false},
		{"better-auth.session_data.01", false},
		{"better-auth.session_data.-1", false},
		{"better-auth.session_data.1e1", false},
		{"better-auth.session_data.x", false},
		{"better-auth.session_data.", false},
		{"better-auth.session_datax", false},
	} {
		j := s.read(http.Header{"Cookie": {tt.name + "=v"}})
		if got := j.data.n == 1; got != tt.ours {
			t.Errorf("%s: read as a cache cookie %v, want %v", tt.name, got, tt.ours)
		}
	}
}

// TestCacheValueMatchesJoin: the jar joins its cache cookies exactly as
// cache.Join does on the same cookies (first plain cookie when not empty,
// else chunks in index order, the last of a repeated index), for random
// mixes of plain, chunk, repeated and empty cookies.
func TestCacheValueMatchesJoin(t *testing.T) {
	t.Parallel()
	s := mustCookies(t, Config{Secret: testSecretOther})
	base := s.names.data
	names := []string{base, base + ".0", base + ".1", base + ".2", base + ".10", base + ".99"}
	vals := []string{"", "a", "bc", "def"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		var parts []string
		var cookies []*http.Cookie
		for range rng.IntN(6) {
			n, v := names[rng.IntN(len(names))], vals[rng.IntN(len(vals))]
			parts = append(parts, n+"="+v)
			cookies = append(cookies, &http.Cookie{Name: n, Value: v})
		}
		j := s.read(http.Header{"Cookie": {strings.Join(parts, "; ")}})
		got, gotOK := j.cacheValue()
		want, _, wantOK := cache.Join(cookies, base)
		if got != want || gotOK != wantOK {
			t.Fatalf("%q: cacheValue = %q, %v; cache.Join = %q, %v", parts, got, gotOK, want, wantOK)
		}
	}
}

// TestVerifyPercentEncodedToken: a token part sent percent-encoded (as
// encodeURIComponent may) verifies as its decoded value, and the plain one
// as itself, the first time and when remembered (a plain value answers
// with a piece of itself, an encoded one with the table's copy).
func TestVerifyPercentEncodedToken(t *testing.T) {
	t.Parallel()
	s := mustCookies(t, Config{Secret: testSecretOther})
	const tok = "KUYu02dce8RjXELLsmDPyn8jFsW4MgoD"
	plain := s.sign(tok)
	for use := range 2 {
		for _, raw := range []string{plain, "%4B" + plain[1:], plain[:31] + "%44" + plain[32:]} {
			if got, ok := s.verify(strings.Clone(raw)); !ok || got != tok {
				t.Errorf("use %d: verify(%q) = %q, %v; want %q, true", use, raw, got, ok, tok)
			}
		}
	}
	if n, _ := s.signed.Len(); n != 3 {
		t.Fatalf("%d values remembered, want 3", n)
	}
}

// TestVerifyMemo: verify remembers the values it accepted, answers them
// the same way again (an old secret still counted on every use), and
// remembers none it refused, damaged copies of a remembered one included.
func TestVerifyMemo(t *testing.T) {
	t.Parallel()
	c := mustCookies(t, Config{Secret: testSecretOther, OldSecrets: []string{"public-test-secret-0123456789abcdefghijklmnop"}})
	old := mustCookies(t, Config{Secret: "public-test-secret-0123456789abcdefghijklmnop"})
	tok := "KUYu02dce8RjXELLsmDPyn8jFsW4MgoD"
	cur, byOld := c.sign(tok), old.sign(tok+"x")
	for i := range 3 {
		if v, ok := c.verify(cur); !ok || v != tok {
			t.Fatalf("use %d: verify = %q, %v", i, v, ok)
		}
		if v, ok := c.verify(byOld); !ok || v != tok+"x" {
			t.Fatalf("use %d: old secret: verify = %q, %v", i, v, ok)
		}
	}
	// The first use is logged at once (and the count reset), the next two
	// wait for the next line.
	if n := c.mon.oldHits.Load(); n != 2 {
		t.Fatalf("%d old-secret uses pending, want 2", n)
	}
	dec, _ := url.PathUnescape(cur)
	for _, bad := range append(damaged(dec), mustCookies(t, Config{Secret: "yet-another-secret-0123456789abcdefghijklmn"}).sign(tok)) {
		if v, ok := c.verify(bad); ok {
			t.Fatalf("damaged %q verified as %q", bad, v)
		}
	}
	if n, _ := c.signed.Len(); n != 2 {
		t.Fatalf("%d values remembered, want the 2 accepted", n)
	}
}
