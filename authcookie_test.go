package sessionkit_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memory"
)

// TestSignedCookie: CookieName prefixes as createAuthCookie does, and
// SignedCookie and ExpiredCookie carry the session cookies' attributes,
// under http and https.
func TestSignedCookie(t *testing.T) {
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
		name := m.CookieName("state")
		if name != tc.wantName {
			t.Errorf("%s: CookieName = %q, want %q", tc.baseURL, name, tc.wantName)
		}
		c := m.SignedCookie(name, "v", 5*time.Minute)
		if c.Name != tc.wantName || c.Secure != tc.secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != 300 || !strings.HasPrefix(c.Value, "v.") {
			t.Errorf("%s: SignedCookie = %+v", tc.baseURL, c)
		}
		if c := m.SignedCookie(name, "v", 0); c.MaxAge != 0 {
			t.Errorf("a browser-session SignedCookie has Max-Age %d", c.MaxAge)
		}
		d := m.ExpiredCookie(name)
		if d.Name != tc.wantName || d.MaxAge >= 0 || d.Value != "" || d.Secure != tc.secure || !d.HttpOnly || d.Path != "/" {
			t.Errorf("%s: ExpiredCookie = %+v", tc.baseURL, d)
		}
	}
}

// TestSignedCookieIsTheSessionCookie: SignedCookie of the session token
// under the session cookie's name and Max-Age is, byte for byte, the
// session_token cookie a sign-in sets.
func TestSignedCookieIsTheSessionCookie(t *testing.T) {
	t.Parallel()
	m, err := sessionkit.New(sessionkit.Config{Secret: testSecret, Store: memory.New(), BaseURL: "https://app.example", CookieDomain: "app.example"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	u, err := createUser(t.Context(), m, "U", "u@example.com")
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s, err := m.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{})
	if err != nil {
		t.Fatal(err)
	}
	token, _, _ := m.CookieNames()
	want := ""
	for _, line := range rec.Header().Values("Set-Cookie") {
		if strings.HasPrefix(line, token+"=") {
			want = line
		}
	}
	if got := m.SignedCookie(token, s.Session.Token, m.ExpiresIn()).String(); got != want || want == "" {
		t.Errorf("SignedCookie = %q\nsign-in set  %q", got, want)
	}
}

// TestVerifyCookie: VerifyCookie reads back what SignedCookie signed, and
// refuses a value unsigned, altered, or signed with another secret.
func TestVerifyCookie(t *testing.T) {
	t.Parallel()
	m, err := sessionkit.New(sessionkit.Config{Secret: testSecret, Store: memory.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	name := m.CookieName("state")
	signed := m.SignedCookie(name, "abc123", time.Minute).Value
	if !strings.HasPrefix(signed, "abc123.") {
		t.Fatalf("SignedCookie's value = %q", signed)
	}
	if v, ok := m.VerifyCookie(name, signed); !ok || v != "abc123" {
		t.Errorf("VerifyCookie(own) = %q, %v", v, ok)
	}
	other, err := sessionkit.New(sessionkit.Config{Secret: testSecretOther, Store: memory.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	for _, raw := range []string{"", "abc123", "abc124" + signed[6:], other.SignedCookie(name, "abc123", time.Minute).Value} {
		if v, ok := m.VerifyCookie(name, raw); ok {
			t.Errorf("VerifyCookie(%q) = %q, true; want refused", raw, v)
		}
	}
}
