package sessionkit

import (
	"net/http"
	"time"
)

// AuthCookie returns a cookie named and set up as Better Auth's
// createAuthCookie makes one: the Manager's prefix ("better-auth.", with
// "__Secure-" under https) before name, and the session cookies'
// attributes (Path=/, HttpOnly, SameSite=Lax, Secure under https, the
// configured Domain). maxAge > 0 sets Max-Age; 0 makes a browser-session
// cookie; < 0 deletes it. Packages that keep their own cookies beside the
// session (social sign-in's state) use it, so every cookie of the app is
// named and scoped one way.
func (m *Manager) AuthCookie(name, value string, maxAge time.Duration) *http.Cookie {
	return m.s.cookies.cookie(m.s.cookies.names.prefix+name, value, maxAge)
}

// SignCookieValue returns v signed as Better Auth's setSignedCookie signs
// it, with the Manager's current secret: v + "." + base64(HMAC-SHA256), as
// it goes on the wire. VerifyCookie checks such a value.
func (m *Manager) SignCookieValue(v string) string { return m.s.cookies.sign(v) }
