package sessionkit

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestBearerCredential: the header parser alone, as Better Auth's plugin
// reads the header.
func TestBearerCredential(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", maxAuthorization)
	for _, tc := range []struct {
		hdr  []string
		want string
	}{
		{nil, ""},
		{[]string{"Bearer abc.def"}, "abc.def"},
		{[]string{"bEaReR   abc \t"}, "abc"},
		{[]string{"Bearer "}, ""},
		{[]string{"Bearer"}, ""},
		{[]string{"Bearerabc"}, ""},
		{[]string{"Bearer\tabc"}, ""},
		{[]string{"Basic abc"}, ""},
		{[]string{" Bearer abc"}, ""},
		{[]string{"Bearer a", "Bearer b"}, ""},
		{[]string{"Bearer " + long[:maxAuthorization-7]}, long[:maxAuthorization-7]},
		{[]string{"Bearer " + long}, ""},
		{[]string{"B\u00e9arer abc"}, ""},
	} {
		h := http.Header{}
		if tc.hdr != nil {
			h["Authorization"] = tc.hdr
		}
		if got := bearerCredential(h); got != tc.want {
			t.Errorf("bearerCredential(%q) = %q, want %q", tc.hdr, shorten(got), shorten(tc.want))
		}
	}
}

func shorten(s string) string {
	if len(s) > 40 {
		return s[:20] + "…" + s[len(s)-20:]
	}
	return s
}

// TestBearerDotInToken: a value with a dot of its own is refused even when
// its signature is right, as Better Auth's plugin refuses it (it checks
// the part before the first dot), though a cookie would take it.
func TestBearerDotInToken(t *testing.T) {
	t.Parallel()
	c := mustCookies(t, Config{Secret: "public-test-secret-0123456789abcdefghijklmnop", Bearer: Bearer{Enabled: true}})
	signed := c.sign("abc.def")
	if v, ok := c.verify(signed); !ok || v != "abc.def" {
		t.Fatalf("verify(%q) = %q, %v", signed, v, ok)
	}
	j := c.read(http.Header{"Authorization": {"Bearer " + signed}})
	if tok, ok := j.bearerToken(); ok {
		t.Fatalf("bearer token %q with a dot accepted", tok)
	}
	j = c.read(http.Header{"Authorization": {"Bearer " + c.sign("abcdef")}})
	if tok, ok := j.bearerToken(); !ok || tok != "abcdef" {
		t.Fatalf("bearer token = %q, %v", tok, ok)
	}
}

// FuzzBearer feeds the Authorization header parser and the bearer token
// check anything: they must never panic, never look past the bound, and
// accept only a credential carrying a signature we make (or, with
// AllowUnsignedTokens, a bare token of letters, digits, '-' and '_').
func FuzzBearer(f *testing.F) {
	signed := mustCookies(f, Config{Secret: "public-test-secret-0123456789abcdefghijklmnop", Bearer: Bearer{Enabled: true}})
	bare := mustCookies(f, Config{Secret: "public-test-secret-0123456789abcdefghijklmnop", Bearer: Bearer{Enabled: true, AllowUnsignedTokens: true}})
	tok := "KUYu02dce8RjXELLsmDPyn8jFsW4MgoD"
	f.Add("Bearer " + signed.bearerValue(tok))
	f.Add("bearer " + signed.sign(tok))
	f.Add("BEARER   " + tok + " ")
	f.Add("Bearer " + signed.sign("a.b"))
	f.Add("Bearer %")
	f.Add("Bearer .")
	f.Add("Basic dXNlcjpwYXNz")
	f.Add("Bearer " + strings.Repeat("%41", 2000))
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{"Authorization": {v}}
		cred := bearerCredential(h)
		if cred != "" && (len(v) > maxAuthorization || !strings.EqualFold(v[:7], "bearer ") || cred != strings.TrimSpace(cred)) {
			t.Fatalf("credential %q from %q", cred, v)
		}
		for _, c := range []*sessionCookies{signed, bare} {
			j := c.read(h)
			got, ok := j.bearerToken()
			if !ok {
				continue
			}
			if got == "" || strings.Contains(got, ".") {
				t.Fatalf("token %q accepted from %q", got, v)
			}
			if !strings.Contains(cred, ".") {
				if c != bare || !bareToken(cred) || got != cred {
					t.Fatalf("bare %q accepted as %q by %v", cred, got, c.bearer)
				}
				continue
			}
			// Signed: the credential must carry exactly our signature.
			dec, err := url.PathUnescape(cred)
			if err != nil {
				dec = cred
			}
			if want := c.bearerValue(got); dec != want {
				t.Fatalf("accepted %q for token %q, but the credential is %q", cred, got, want)
			}
		}
	})
}
