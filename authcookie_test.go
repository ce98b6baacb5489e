package sessionkit_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memory"
)

func TestAuthCookie(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		baseURL, wantName string
		secure            bool
	}{
		{"http://app.example", "better-auth.state", false},
		{"https://app.example", "__Secure-better-auth.state", true},
	} {
		m, err := sessionkit.New(sessionkit.Config{Secret: testSecret, Store: memory.New(), BaseURL: tc.baseURL})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		c := m.AuthCookie("state", "v", 5*time.Minute)
		if c.Name != tc.wantName || c.Secure != tc.secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != 300 {
			t.Errorf("%s: AuthCookie = %+v", tc.baseURL, c)
		}
		if d := m.AuthCookie("state", "", -1); d.MaxAge >= 0 {
			t.Errorf("a deleting AuthCookie has Max-Age %d", d.MaxAge)
		}
	}
}

func TestSignedCookieValue(t *testing.T) {
	t.Parallel()
	m, err := sessionkit.New(sessionkit.Config{Secret: testSecret, Store: memory.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	signed := m.SignCookieValue("abc123")
	if !strings.HasPrefix(signed, "abc123.") {
		t.Fatalf("SignCookieValue = %q", signed)
	}
	if v, ok := m.VerifyCookie("better-auth.state", signed); !ok || v != "abc123" {
		t.Errorf("VerifyCookie(own) = %q, %v", v, ok)
	}
	other, err := sessionkit.New(sessionkit.Config{Secret: testSecretOther, Store: memory.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	for _, raw := range []string{"", "abc123", "abc124" + signed[6:], other.SignCookieValue("abc123")} {
		if v, ok := m.VerifyCookie("better-auth.state", raw); ok {
			t.Errorf("VerifyCookie(%q) = %q, true; want refused", raw, v)
		}
	}
}
