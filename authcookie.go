package sessionkit

// The Manager's one API for the signed cookies packages keep beside the
// session (multisession's session_token_multi-<token> cookies, social
// sign-in's state cookie): named, signed, attributed and verified as
// Better Auth's createAuthCookie, setSignedCookie and getSignedCookie do,
// and as the session_token cookie is. Every cookie is still made by
// sessionCookies.

import (
	"net/http"
	"time"
)

// CookieName returns the wire name of the cookie Better Auth calls name:
// the Manager's prefix ("better-auth.", "__Secure-better-auth." under
// https) before it, as createAuthCookie names one. CookieName("state") is
// "better-auth.state".
func (m *Manager) CookieName(name string) string { return m.s.cookies.names.prefix + name }

// SignedCookie returns the cookie with that wire name (CookieName's, or
// one built on CookieNames') holding value signed as Better Auth's
// setSignedCookie signs it with the Manager's current secret
// (value + "." + base64(HMAC-SHA256), as it goes on the wire), with the
// session cookies' attributes: Path=/, HttpOnly, SameSite=Lax, Secure
// under https, the configured Domain; Max-Age maxAge when > 0, a
// browser-session cookie otherwise (ExpiredCookie deletes one).
// VerifyCookie reads its value back.
func (m *Manager) SignedCookie(name, value string, maxAge time.Duration) *http.Cookie {
	c := m.s.cookies
	return c.cookie(name, c.sign(value), max(maxAge, 0))
}

// ExpiredCookie returns the Set-Cookie that deletes the cookie with that
// wire name, with the session cookies' attributes (Max-Age=0).
func (m *Manager) ExpiredCookie(name string) *http.Cookie {
	return m.s.cookies.cookie(name, "", -1)
}

// VerifyCookie returns the value of the cookie with that wire name from
// its raw (still percent-encoded) value, when a configured secret signed
// it, with the checks of the session_token cookie (constant time, every
// secret, the canonical signature). A value present but not signed by any
// secret is logged as EventBadCookie naming the cookie, within that
// event's budget.
func (m *Manager) VerifyCookie(name, raw string) (string, bool) {
	return m.s.cookies.verifyCookie(name, raw)
}
