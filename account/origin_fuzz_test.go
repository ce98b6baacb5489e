package account

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzRedirectAllowed: whatever callbackURL a client sends, one that is
// allowed resolves, against the app's own URL, to the app's origin or a
// trusted one, never elsewhere.
func FuzzRedirectAllowed(f *testing.F) {
	for _, s := range []string{"/dashboard", "//evil.example", "/\\evil.example", "https://app.example.com/x",
		"https://app.example.com@evil.example", "/%2F%2Fevil.example", "https://APP.example.com:443/", "/\t/evil",
		"https://admin.example.com", "javascript:alert(1)", "/a?next=//evil.example#x", "https:evil.example"} {
		f.Add(s)
	}
	o := newOrigins("https://app.example.com/base", []string{"https://admin.example.com"})
	base, _ := url.Parse("https://app.example.com/base/")
	f.Fuzz(func(t *testing.T, cb string) {
		if !o.redirectAllowed(cb) {
			return
		}
		u, err := url.Parse(cb)
		if err != nil {
			t.Fatalf("%q allowed but does not parse: %v", cb, err)
		}
		r := base.ResolveReference(u)
		got := r.Scheme + "://" + hostWithoutDefaultPort(r.Scheme, r.Host)
		if got != "https://app.example.com" && got != "https://admin.example.com" {
			t.Fatalf("%q allowed but leads to %q", cb, got)
		}
		if strings.ContainsAny(cb, "\\\t\r\n") {
			t.Fatalf("%q allowed with a character browsers rewrite", cb)
		}
	})
}
