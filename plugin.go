package sessionkit

// The Manager's exported hooks for packages built beside it, such as
// multisession (Better Auth's multiSession plugin): the cookies of a
// session the caller has read, and the end of a session the caller proved
// it holds. They add no behaviour of their own. The signed cookies such
// packages keep beside the session are made with authcookie.go's API.

import (
	"context"
	"net/http"
)

// Stateless reports whether the Manager runs in stateless mode
// (Config.Stateless): sessions are in the cookie only, and the store
// cannot find one by its token.
func (m *Manager) Stateless() bool { return m.s.Stateless }

// WriteSessionCookies sets on w the cookies that make s the request's
// session, as a sign-in does but for a session that exists already: the
// session_token cookie, the cookie cache (expiring the cache cookies r
// carried), and dont_remember as the session's row says (a row of
// remember-me off: browser-session cookies and the marker; otherwise the
// marker, if r carried one, is expired). The caller must have read s from
// the store and checked it is live.
func (m *Manager) WriteSessionCookies(w http.ResponseWriter, r *http.Request, s *Session) {
	j := m.s.cookies.read(r.Header)
	j.writeSession(r.Context(), s, m.s.now(), m.rememberedOff(&s.Session), j.dontRemember != "")
	j.out.writeTo(w.Header())
}

// EndSession deletes the session with that token, whoever's it is, as a
// sign-out of it: EventSignOut and Hooks.AfterSignOut. A token of no
// session is not an error. It is for callers that proved the client holds
// the token (a cookie this Manager signed); RevokeSession is the call for a
// user's own sessions named by the client.
func (m *Manager) EndSession(ctx context.Context, token string) error {
	return m.endSession(ctx, token)
}
