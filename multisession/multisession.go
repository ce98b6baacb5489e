// Package multisession is Better Auth's multiSession plugin (1.7.25) on a
// sessionkit.Manager: several accounts signed in in one browser, one of
// them active, with a switcher between them.
//
// Each session the browser signs in to gets a cookie of its own,
// <session_token cookie name>_multi-<token in lower case>, holding the
// token signed as the session cookie is (Max-Age ExpiresIn). The session
// cookie names the active one. Given to account.New in
// account.Config.Plugins, the Plugin serves Better Auth's endpoints under
// the JSON API's base path and adds its hooks:
//
//	GET  /multi-session/list-device-sessions  [{session, user}], one per user
//	POST /multi-session/set-active            {sessionToken} → {session, user}
//	POST /multi-session/revoke                {sessionToken} → {status: true}
//
// and, after any endpoint that sets a session cookie for a session the
// browser has no multi cookie of (sign-in, sign-up), adds one, ending the
// browser's other sessions of the same user first (at most
// MaximumSessions; past it the new session is active but not added); a
// sign-out ends every session the multi cookies name. Server-rendered apps
// use the same operations in Go: SignIn, List, SetActive, Revoke, SignOut.
//
// Unlike Better Auth, every store failure fails closed (503 or an error,
// no cookie changed), and a request's multi cookies are read up to
// 2 × MaximumSessions. The package uses only the exported API of
// sessionkit and account.
package multisession

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store"
)

// DefaultMaximumSessions is Better Auth's default maximumSessions.
const DefaultMaximumSessions = 5

// The JSON API's error for a session token the browser holds no valid
// multi cookie of, as Better Auth's plugin answers it (401).
const (
	CodeInvalidSessionToken    = "INVALID_SESSION_TOKEN"
	MessageInvalidSessionToken = "Invalid session token"
)

// ErrInvalidToken means the request carries no validly signed multi
// cookie for the token, or it names no live session.
var ErrInvalidToken = errors.New("multisession: invalid session token")

// Config configures the Plugin. The zero value is Better Auth's defaults.
type Config struct {
	// MaximumSessions is how many sessions one browser holds multi cookies
	// of. A sign-in past it still signs in (the new session is the active
	// one) but gets no multi cookie, as in Better Auth. Default 5. A
	// request's first 2 × MaximumSessions multi cookies are read, the
	// others ignored: each costs an HMAC and a store read.
	MaximumSessions int
}

// Plugin is Better Auth's multiSession plugin for one Manager. It
// implements account.Plugin. It is safe for concurrent use.
type Plugin struct {
	m       *sessionkit.Manager
	max     int
	limit   int    // multi cookies read per request
	token   string // the session_token cookie's name
	prefix  string // token + "_multi-"
	maxName int    // longest multi cookie name read
}

// New returns the Plugin of m. A stateless Manager is refused (an error
// wrapping sessionkit.ErrConfig): its store has no sessions to switch to.
func New(m *sessionkit.Manager, cfg Config) (*Plugin, error) {
	if m.Stateless() {
		return nil, fmt.Errorf("%w: multisession: a stateless Manager keeps no sessions to switch between", sessionkit.ErrConfig)
	}
	n := cfg.MaximumSessions
	switch {
	case n == 0:
		n = DefaultMaximumSessions
	case n < 0:
		return nil, fmt.Errorf("%w: multisession: MaximumSessions %d is negative", sessionkit.ErrConfig, n)
	}
	token, _, _ := m.CookieNames()
	p := &Plugin{m: m, max: n, limit: 2 * n, token: token, prefix: token + "_multi-"}
	p.maxName = len(p.prefix) + maxTokenLength
	return p, nil
}

// CookieName returns the name of the multi cookie of the session with
// that token: Better Auth's <session_token name>_multi-<lower-cased token>.
func (p *Plugin) CookieName(token string) string { return p.prefix + strings.ToLower(token) }

// maxTokenLength bounds the token part of a multi cookie name read:
// Better Auth's tokens are 32 characters.
const maxTokenLength = 64

// multiCookie is one multi cookie of a request: its name and raw value.
type multiCookie struct{ name, raw string }

// jar is the multi cookies of one request, the session cookie, and how
// many multi cookie names it carried (those past the read limit too).
type jar struct {
	cookies []multiCookie // the first p.limit distinct names, in order
	count   int
	session string // the session_token cookie's raw value
}

// read scans the Cookie headers for the multi cookies and the session
// cookie. A name is a multi cookie when it is the prefix followed by 1 to
// maxTokenLength characters; of a repeated name the first counts (as for
// the session cookie). Past p.limit names the rest are counted, not kept.
func (p *Plugin) read(h http.Header) jar {
	var j jar
	haveSession := false
	for _, line := range h.Values("Cookie") {
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			name, val, ok := splitPair(part)
			if !ok {
				continue
			}
			if name == p.token {
				if !haveSession {
					j.session, haveSession = val, true
				}
				continue
			}
			if !p.isMultiName(name) {
				continue
			}
			j.count++
			if len(j.cookies) < p.limit && !j.has(name) {
				j.cookies = append(j.cookies, multiCookie{name, val})
			}
		}
	}
	return j
}

// splitPair splits one "name=value" of a Cookie header, trimmed of spaces
// and tabs, the value of its double quotes.
func splitPair(part string) (name, val string, ok bool) {
	name, val, ok = strings.Cut(part, "=")
	if !ok {
		return "", "", false
	}
	name, val = strings.Trim(name, " \t"), strings.Trim(val, " \t")
	if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
		val = val[1 : len(val)-1]
	}
	return name, val, name != ""
}

func (p *Plugin) isMultiName(name string) bool {
	return len(name) > len(p.prefix) && len(name) <= p.maxName && strings.HasPrefix(name, p.prefix)
}

func (j *jar) has(name string) bool {
	for _, c := range j.cookies {
		if c.name == name {
			return true
		}
	}
	return false
}

// lookup returns the raw value of the multi cookie called name, the first
// of the request's, whether or not within the read limit.
func (p *Plugin) lookup(h http.Header, name string) (string, bool) {
	for _, line := range h.Values("Cookie") {
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			if n, val, ok := splitPair(part); ok && n == name {
				return val, true
			}
		}
	}
	return "", false
}

// verify returns the token of a multi cookie when its value is signed by
// a configured secret and its name is the token's own (a signed value
// under another token's name is not read).
func (p *Plugin) verify(c multiCookie) (string, bool) {
	tok, ok := p.m.VerifyCookie(c.name, c.raw)
	if !ok || c.name != p.CookieName(tok) {
		return "", false
	}
	return tok, true
}

// tokens returns the verified tokens of j's multi cookies, in order, each
// once, with their cookie names.
func (p *Plugin) tokens(j *jar) (tokens, names []string) {
	for _, c := range j.cookies {
		if tok, ok := p.verify(c); ok {
			tokens, names = append(tokens, tok), append(names, c.name)
		}
	}
	return tokens, names
}

// live reads the session of token from the store: nil when it is unknown
// or expired, an error when the store failed.
func (p *Plugin) live(ctx context.Context, token string) (*sessionkit.Session, error) {
	s, u, err := p.m.Store().SessionByToken(ctx, token)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("multisession: read session: %w", err)
	case s.Expired(p.m.Now()):
		return nil, nil
	}
	return &sessionkit.Session{Session: s, User: u, Source: sessionkit.SourceStore}, nil
}

// List returns the browser's device sessions: the live sessions its multi
// cookies name, one per user (the first cookie's), in the order of its
// Cookie header, read from the store (a revoked session is never listed).
// A store failure is an error, never a shorter list.
func (p *Plugin) List(r *http.Request) ([]sessionkit.Session, error) {
	j := p.read(r.Header)
	tokens, _ := p.tokens(&j)
	var out []sessionkit.Session
	for _, tok := range tokens {
		s, err := p.live(r.Context(), tok)
		if err != nil {
			return nil, err
		}
		if s == nil || containsUser(out, s.User.ID) {
			continue
		}
		out = append(out, *s)
	}
	return out, nil
}

func containsUser(list []sessionkit.Session, userID string) bool {
	for i := range list {
		if list[i].User.ID == userID {
			return true
		}
	}
	return false
}

// SetActive makes the session with that token the browser's active one:
// it sets the session cookie and the cookie cache for it. The token's
// multi cookie must be in the request, validly signed (else
// ErrInvalidToken, nothing set), and name a live session (else
// ErrInvalidToken, and the multi cookie is expired). A store failure is
// an error with no cookie set.
func (p *Plugin) SetActive(w http.ResponseWriter, r *http.Request, token string) (*sessionkit.Session, error) {
	name := p.CookieName(token)
	raw, ok := p.lookup(r.Header, name)
	if !ok {
		return nil, ErrInvalidToken
	}
	tok, ok := p.verify(multiCookie{name, raw})
	if !ok {
		return nil, ErrInvalidToken
	}
	s, err := p.live(r.Context(), tok)
	if err != nil {
		return nil, err
	}
	if s == nil {
		setCookie(w, p.m.ExpiredCookie(name))
		return nil, ErrInvalidToken
	}
	p.m.WriteSessionCookies(w, r, s)
	return s, nil
}

// Revoke ends the session with that token, whichever user's, and expires
// its multi cookie. The browser needs a session (else
// sessionkit.ErrNoSession) and the token's validly signed multi cookie
// (else ErrInvalidToken). When it ends the active session, the first
// other live session of the multi cookies becomes active, or, with none,
// the session cookies are cleared. A store failure is an error with no
// cookie changed; the retry finishes.
func (p *Plugin) Revoke(w http.ResponseWriter, r *http.Request, token string) error {
	l, err := p.m.LookupHeader(r.Context(), r.Header, sessionkit.LookupOptions{DisableCookieCache: true})
	if err != nil {
		if errors.Is(err, sessionkit.ErrNoSession) {
			l.WriteCookies(w.Header())
		}
		return err
	}
	name := p.CookieName(token)
	raw, ok := p.lookup(r.Header, name)
	if !ok {
		return ErrInvalidToken
	}
	tok, ok := p.verify(multiCookie{name, raw})
	if !ok {
		return ErrInvalidToken
	}
	// When the active session ends, the next live one takes its place:
	// found before the delete, so that a failed read changes nothing.
	active := tok == l.Found.Session.Token
	var next *sessionkit.Session
	if active {
		if next, err = p.next(r, tok); err != nil {
			return fmt.Errorf("multisession: revoke: %w", err)
		}
	}
	if err := p.m.EndSession(r.Context(), tok); err != nil {
		return fmt.Errorf("multisession: revoke: %w", err)
	}
	switch {
	case !active:
		l.WriteCookies(w.Header())
	case next != nil:
		p.m.WriteSessionCookies(w, r, next)
	default:
		p.m.ClearCookies(w, r)
	}
	setCookie(w, p.m.ExpiredCookie(name))
	return nil
}

// next returns the first live session of r's multi cookies other than
// the one of token, or nil.
func (p *Plugin) next(r *http.Request, token string) (*sessionkit.Session, error) {
	j := p.read(r.Header)
	tokens, _ := p.tokens(&j)
	for _, t := range tokens {
		if t == token {
			continue
		}
		if s, err := p.live(r.Context(), t); s != nil || err != nil {
			return s, err
		}
	}
	return nil, nil
}

// SignOut ends every session of the browser, the active one and those its
// multi cookies name, then expires all their cookies. When the store
// fails it returns the error having cleared no cookie: sessions may still
// be live, and the cookies are what lets the user retry (answer 503).
func (p *Plugin) SignOut(w http.ResponseWriter, r *http.Request) error {
	names, err := p.endAll(r)
	if err != nil {
		return err
	}
	if err := p.m.SignOut(w, r); err != nil {
		return err
	}
	for _, n := range names {
		setCookie(w, p.m.ExpiredCookie(n))
	}
	return nil
}

// endAll ends the sessions of r's multi cookies and returns the cookies'
// names, to expire once every session has ended.
func (p *Plugin) endAll(r *http.Request) ([]string, error) {
	j := p.read(r.Header)
	tokens, names := p.tokens(&j)
	for _, tok := range tokens {
		if err := p.m.EndSession(r.Context(), tok); err != nil {
			return nil, fmt.Errorf("multisession: sign out: %w", err)
		}
	}
	return names, nil
}

// SignIn is Manager.SignIn followed by the plugin's sign-in hook: the new
// session gets a multi cookie (unless the browser holds MaximumSessions
// already), and the browser's other sessions of the same user are ended.
// Set opts.KeepPrevious to add an account beside the active one; without
// it the Manager ends the active session, whoever's, as a plain sign-in
// does. When the hook's store calls fail, the new session is ended and
// the error returned, with no cookie set.
func (p *Plugin) SignIn(w http.ResponseWriter, r *http.Request, userID string, opts sessionkit.SignInOptions) (*sessionkit.Session, error) {
	var rec headerWriter
	s, err := p.m.SignIn(&rec, r, userID, opts)
	if err != nil {
		return nil, err
	}
	add, err := p.remember(r.Context(), r.Header, rec.h.Values("Set-Cookie"), s)
	if err != nil {
		p.abandon(r.Context(), s.Session.Token)
		return nil, err
	}
	copyCookies(w.Header(), rec.h)
	for _, c := range add {
		setCookie(w, c)
	}
	return s, nil
}

// remember is Better Auth's after hook for a response (its Set-Cookie
// lines set) that made s the active session: unless the request
// carries s's multi cookie, or the response sets it, it ends the
// request's other sessions of s's user and returns their multi cookies'
// expiries and, within MaximumSessions, s's new multi cookie.
func (p *Plugin) remember(ctx context.Context, req http.Header, set []string, s *sessionkit.Session) ([]*http.Cookie, error) {
	name := p.CookieName(s.Session.Token)
	if _, ok := p.lookup(req, name); ok || setsCookie(set, name) {
		return nil, nil
	}
	j := p.read(req)
	var out []*http.Cookie
	ended := 0
	for _, c := range j.cookies {
		tok, ok := p.verify(c)
		if !ok {
			continue
		}
		other, err := p.live(ctx, tok)
		if err != nil {
			return nil, err
		}
		if other == nil || other.User.ID != s.User.ID {
			continue
		}
		if err := p.m.EndSession(ctx, tok); err != nil {
			return nil, fmt.Errorf("multisession: end replaced session: %w", err)
		}
		ended++
		out = append(out, p.m.ExpiredCookie(c.name))
	}
	// Better Auth's count: every multi cookie name, signed or not, and the
	// session cookie the response sets.
	if j.count-ended+1 > p.max {
		return out, nil
	}
	return append(out, p.m.SignedCookie(name, s.Session.Token, p.m.ExpiresIn())), nil
}

// abandon ends a session created by a request that then failed, so that
// no session outlives an answer that never handed out its token. A
// failure is logged: the session expires unused.
func (p *Plugin) abandon(ctx context.Context, token string) {
	if err := p.m.EndSession(ctx, token); err != nil {
		p.m.LogStoreError(ctx, "multisession: end abandoned session", err)
	}
}

// setsCookie reports whether one of the Set-Cookie lines set is for name.
func setsCookie(set []string, name string) bool {
	for _, line := range set {
		if n, _, ok := strings.Cut(line, "="); ok && n == name {
			return true
		}
	}
	return false
}

func setCookie(w http.ResponseWriter, c *http.Cookie) {
	if v := c.String(); v != "" {
		w.Header().Add("Set-Cookie", v)
	}
}

func copyCookies(dst, src http.Header) {
	for _, v := range src.Values("Set-Cookie") {
		dst.Add("Set-Cookie", v)
	}
}

// headerWriter is a ResponseWriter that keeps headers only: SignIn's
// cookies, held until the hook has succeeded.
type headerWriter struct{ h http.Header }

func (hw *headerWriter) Header() http.Header {
	if hw.h == nil {
		hw.h = http.Header{}
	}
	return hw.h
}
func (hw *headerWriter) Write(b []byte) (int, error) { return len(b), nil }
func (hw *headerWriter) WriteHeader(int)             {}
