package sessionkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/sqlite"
	"golang.org/x/sync/singleflight"
)

// Errors returned by the Manager. Match them with errors.Is.
var (
	// ErrNoSession means the request carries no valid session: no cookie,
	// a bad signature, an unknown, revoked or expired token. It is a normal
	// outcome, not a failure.
	ErrNoSession = errors.New("sessionkit: no session")
)

// Session is a signed-in session and its user: what handlers get from
// FromContext and what Better Auth's get-session returns.
type Session struct {
	Session store.Session
	User    store.User
	// Source says what answered the lookup: SourceStore, or the cookie
	// cache strategy ("compact", "jwt", "jwe", "securecookie").
	Source string
}

// SourceStore is Session.Source for a session read from the store.
const SourceStore = "store"

// Manager runs the session lifecycle: sign-in, lookup, sliding refresh,
// revocation and sign-out, and every cookie write. It is safe for concurrent
// use. Create it with New and Close it when done.
type Manager struct {
	s       *settings
	store   store.Store
	ownsDB  bool
	slides  singleflight.Group
	closeMu sync.Once
	feed    revocationFeed // zero unless the cache is on and the store has a feed
}

// New validates cfg and returns a Manager. With no Store it opens (creating
// when missing) the SQLite database at cfg.DatabasePath.
func New(cfg Config) (*Manager, error) {
	s, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	if err := cfg.Fields.Validate(); err != nil {
		return nil, fmt.Errorf("%w: Fields: %w", ErrConfig, err)
	}
	m := &Manager{s: s, store: cfg.Store}
	if m.store == nil {
		db, err := sqlite.OpenWith(s.DatabasePath, sqlite.Options{Now: s.Now, Logger: s.Logger, Fields: cfg.Fields})
		if err != nil {
			return nil, fmt.Errorf("sessionkit: default store: %w", err)
		}
		m.store, m.ownsDB = db, true
	}
	if err := m.useFields(cfg.Fields); err != nil {
		if m.ownsDB {
			m.store.Close()
		}
		return nil, err
	}
	if err := m.startFeed(); err != nil {
		if m.ownsDB {
			m.store.Close()
		}
		return nil, err
	}
	return m, nil
}

// Close closes the store when New opened it; a Store given in Config is
// left to its owner.
func (m *Manager) Close() error {
	var err error
	m.closeMu.Do(func() {
		m.feed.stop()
		if m.ownsDB {
			err = m.store.Close()
		}
	})
	return err
}

// useFields settles the declaration of additional fields: cfg's, which
// the store must keep, or the store's when cfg declares none.
func (m *Manager) useFields(cfg store.AdditionalFields) error {
	fields := cfg
	fs, ok := store.As[store.FieldStore](m.store)
	switch {
	case !ok && !cfg.Empty():
		return fmt.Errorf("%w: Fields are declared but the Store (%T) cannot keep additional fields (no store.FieldStore)", ErrConfig, m.store)
	case ok && cfg.Empty():
		fields = fs.AdditionalFields()
	case ok && !fs.AdditionalFields().Equal(cfg):
		return fmt.Errorf("%w: Fields differ from the Store's declaration: open the store with the same fields", ErrConfig)
	}
	m.s.fields = fields
	if ck := m.s.cookies; ck.codec != nil && !fields.Empty() {
		c, err := cache.WithFields(ck.codec, fields)
		if err != nil {
			return fmt.Errorf("%w: Fields: %w", ErrConfig, err)
		}
		ck.useCodec(c)
	}
	return nil
}

// Fields returns the declaration of additional fields the Manager uses:
// Config.Fields, or the Store's.
func (m *Manager) Fields() store.AdditionalFields { return m.s.fields }

// Store returns the store the Manager uses.
func (m *Manager) Store() store.Store { return m.store }

// CookieNames returns the wire names of the session token, cache and
// "don't remember me" cookies.
func (m *Manager) CookieNames() (token, data, dontRemember string) {
	n := m.s.cookies.names
	return n.token, n.data, n.dontRemember
}

// ExpiresIn returns the configured session lifetime (Config.ExpiresIn),
// the remembered session cookie's Max-Age.
func (m *Manager) ExpiresIn() time.Duration { return m.s.ExpiresIn }

// FreshAge returns the configured freshness window; 0 means the check is off.
func (m *Manager) FreshAge() time.Duration { return m.s.freshAge }

// Now returns the Manager's clock reading, at millisecond precision.
func (m *Manager) Now() time.Time { return m.s.now() }

// BaseURL returns Config.BaseURL: its origin is the app's own.
func (m *Manager) BaseURL() string { return m.s.BaseURL }

// ClientIP returns the address of r's client, as sessions record it: the
// first address of Config.TrustedIPHeader when set and present, else the
// connection's remote address.
func (m *Manager) ClientIP(r *http.Request) string { return m.clientIP(r) }

// SignInOptions tune one sign-in.
type SignInOptions struct {
	// DontRemember is Better Auth's rememberMe: false. The session lasts one
	// day and never slides, and its cookies end with the browser session.
	// "Never slides" is read from the stored row (a one-day lifetime), not
	// from the dont_remember cookie alone, so a token sent without that
	// cookie does not slide either.
	DontRemember bool
	// SessionFields are values of the session's additional fields
	// (Config.Fields.Session) for the new session; fields left out get
	// their defaults, and a required field without one fails the sign-in
	// (store.ErrField). Better Auth's createSession override.
	SessionFields map[string]any
	// KeepPrevious leaves alive the session named by the request's own
	// (validly signed) session cookie, as Better Auth's sign-in does. By
	// default SignIn ends it: a browser that signs in again, as the same
	// user or another, holds one session, not one per sign-in.
	KeepPrevious bool
}

// SignIn starts a new session for the user with that id, with a fresh token
// from crypto/rand, and sets its cookies on w; with Config.Bearer on, also
// the Set-Auth-Token header (see Bearer). It returns store.ErrNotFound,
// wrapped, when the user does not exist.
//
// Unless opts.KeepPrevious is set, it first ends the session named by the
// request's session cookie, whichever user it belongs to, and the one named
// by its bearer token (Config.Bearer) when that is another. When a delete
// fails, SignIn fails with the error before creating anything and sets no
// cookie: the old session stays as it was and the user can retry.
func (m *Manager) SignIn(w http.ResponseWriter, r *http.Request, userID string, opts SignInOptions) (*Session, error) {
	u, err := m.store.UserByID(r.Context(), userID)
	if err != nil {
		return nil, fmt.Errorf("sessionkit: sign in: %w", err)
	}
	fields, err := store.NewFields(m.s.fields.Session, opts.SessionFields)
	if err == nil {
		fields, err = fields.Complete()
	}
	if err != nil {
		return nil, fmt.Errorf("sessionkit: sign in: session fields: %w", err)
	}
	j := m.s.cookies.read(r.Header)
	if !opts.KeepPrevious {
		// Ending it is a sign-out of that session: the same event and hook.
		for _, prev := range j.tokens() {
			if err := m.endSession(r.Context(), prev); err != nil {
				return nil, fmt.Errorf("sessionkit: sign in: end previous session: %w", err)
			}
		}
	}
	now := m.s.now()
	if err := m.ruleBeforeCreate(r.Context(), &u, now); err != nil {
		return nil, err
	}
	expires := m.rememberedExpiry(now, now.Add(m.s.ExpiresIn))
	if opts.DontRemember {
		expires = now.Add(DontRememberLifetime)
	}
	sess := store.Session{
		ID:        store.NewID(),
		Token:     store.NewID(),
		UserID:    u.ID,
		ExpiresAt: expires,
		CreatedAt: now,
		UpdatedAt: now,
		IPAddress: m.clientIP(r),
		UserAgent: r.UserAgent(),
		Fields:    fields,
	}
	if err := m.beforeCreate(r.Context(), &sess, &u); err != nil {
		return nil, err
	}
	if err := m.store.CreateSession(r.Context(), sess); err != nil {
		return nil, fmt.Errorf("sessionkit: sign in: %w", err)
	}
	m.created(r.Context(), &sess, &u)
	out := &Session{Session: sess, User: u, Source: SourceStore}
	// A new sign-in replaces whatever session cookies the browser had; an
	// account cookie the handler has just set stays as it is.
	j.accountPending = hasSetCookie(w.Header(), m.s.cookies.oauth.accountName)
	j.writeSession(r.Context(), out, now, opts.DontRemember, j.dontRemember != "")
	j.out.writeTo(w.Header())
	if m.s.Bearer.Enabled {
		m.s.cookies.setAuthToken(w.Header(), sess.Token)
	}
	return out, nil
}

// BearerToken returns the credential a client sends as "Authorization:
// Bearer <credential>" for the session with that token (store.Session's
// Token): the token signed with Secret, as SignIn's Set-Auth-Token header
// carries it. It reports false, and returns "", when Config.Bearer is off.
// The credential is worth the session: show it to its owner only.
func (m *Manager) BearerToken(token string) (string, bool) {
	if !m.s.Bearer.Enabled || token == "" {
		return "", false
	}
	return m.s.cookies.bearerValue(token), true
}

func (m *Manager) clientIP(r *http.Request) string {
	if m.s.TrustedIPHeader != "" {
		if v := r.Header.Get(m.s.TrustedIPHeader); v != "" {
			first, _, _ := strings.Cut(v, ",")
			return strings.TrimSpace(first)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// LookupOptions tune one session lookup.
type LookupOptions struct {
	// DisableRefresh reads without sliding the session's expiry.
	DisableRefresh bool
	// DisableCookieCache reads the store even when a valid cache cookie is
	// present (an authoritative read).
	DisableCookieCache bool
}

// Lookup is the outcome of reading a session from request headers.
type Lookup struct {
	// Found is the session found, or nil.
	Found *Session
	// Cookies are the Set-Cookie lines the response must carry: a slid
	// token's new Max-Age, a fresh cache cookie, or the deletion of cookies
	// that no longer name a session.
	Cookies []*http.Cookie
}

// WriteCookies adds the lookup's Set-Cookie lines to h.
func (l *Lookup) WriteCookies(h http.Header) {
	cw := cookieWriter{list: l.Cookies}
	cw.writeTo(h)
}

// LookupHeader resolves the session named by the cookies in h (or, with
// Config.Bearer on, by its Authorization: Bearer header) and
// returns it with the cookies the response must set: the one way to read a
// session outside middleware.Load, for a request (r.Header) or for code
// that holds only its Cookie header, such as a job handed it across a
// queue. With no session it
// returns ErrNoSession and, in the Lookup, the cookie deletions to send.
// Other errors are store failures.
func (m *Manager) LookupHeader(ctx context.Context, h http.Header, opts LookupOptions) (*Lookup, error) {
	// Small enough to be inlined: a caller that keeps the Lookup to itself
	// (middleware.Load) holds it on its stack.
	l := new(Lookup)
	err := m.lookup(ctx, h, opts, l)
	return l, err
}

// lookup is LookupHeader's work: the request's cookies, resolved.
func (m *Manager) lookup(ctx context.Context, h http.Header, opts LookupOptions, l *Lookup) error {
	j := m.s.cookies.read(h)
	sess, err := m.resolve(ctx, &j, opts)
	l.Found, l.Cookies = sess, j.out.list
	return err
}

// resolve is the whole session path of a request (cookies.go draws it):
// cookies, cache, store, slide; every cookie it sets goes into j.out.
func (m *Manager) resolve(ctx context.Context, j *jar, opts LookupOptions) (*Session, error) {
	if !j.c.caching() && j.data.n > 0 {
		j.dropCache() // left over from a configuration with a cache
	}
	token, ok := j.sessionToken()
	if !ok {
		return nil, ErrNoSession
	}
	now := m.s.now()

	// The cookie cache answers without the store, unless the caller wants
	// an authoritative read; in stateless mode the cookie is the authority.
	if j.c.caching() && j.data.n > 0 && (!opts.DisableCookieCache || m.s.Stateless) {
		// A copy is trusted only while the revocation feed is current and
		// has not named the session (see revocation.go).
		// A copy a Rule refuses goes to the store, which decides.
		if out, cacheExpires := j.cached(token, now); out != nil && m.feed.trusted(out.Session.ID, token) && m.admitted(out, now) {
			if m.s.Stateless && !opts.DisableRefresh && cacheExpires.Sub(now) < m.s.refreshAge {
				// The re-mint never moves the session's expiry; the row
				// decides that its cookies end with the browser session.
				dontRemember := m.rememberedOff(&out.Session) || j.signedDontRemember()
				j.writeSession(ctx, out, now, dontRemember, false)
			}
			return out, nil
		}
		j.dropCache() // expired, tampered, another token or version
	}
	if m.s.Stateless {
		j.clear()
		return nil, ErrNoSession
	}

	sess, user, err := m.store.SessionByToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		j.clear()
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("sessionkit: read session: %w", err)
	}
	if sess.Expired(now) {
		j.clear()
		if err := m.store.DeleteSession(ctx, token); err != nil {
			m.s.Logger.WarnContext(ctx, "sessionkit: delete expired session", "err", err)
		}
		return nil, ErrNoSession
	}
	out := &Session{Session: sess, User: user, Source: SourceStore}
	if !m.admitted(out, now) {
		j.clear()
		return nil, ErrNoSession
	}
	// Remember-me off is read from the row, so a token sent without its
	// dont_remember cookie cannot make the session slide.
	if opts.DisableRefresh || m.rememberedOff(&sess) || j.signedDontRemember() {
		return out, nil
	}
	if !m.s.DisableRefresh && m.dueForSlide(&sess, now) {
		slid, err := m.slide(ctx, token, now)
		if errors.Is(err, store.ErrNotFound) {
			j.clear()
			return nil, ErrNoSession
		}
		if err != nil {
			return nil, fmt.Errorf("sessionkit: refresh session: %w", err)
		}
		out.Session = slid
		j.writeSession(ctx, out, now, false, false)
		return out, nil
	}
	j.writeCache(ctx, out, now, false)
	return out, nil
}

// dueForSlide reports whether UpdateAge has passed since the last refresh,
// which Better Auth derives as expiresAt − expiresIn.
func (m *Manager) dueForSlide(s *store.Session, now time.Time) bool {
	return !s.ExpiresAt.Add(-m.s.ExpiresIn).Add(m.s.updateAge).After(now)
}

// rememberTolerance is the margin around DontRememberLifetime within
// which a row's lifetime reads as remember-me off: Better Auth takes
// expiresAt and createdAt from two clock readings (expiresAt first), and a
// store may round.
const rememberTolerance = time.Minute

// rememberedOff reports whether the session was signed in with remember-me
// off, from the row alone (Better Auth's tables have no column for it, and
// the dont_remember cookie is the client's to drop). Such a row lives
// DontRememberLifetime from its creation, while a remembered row starts at
// ExpiresIn and only grows by sliding, and rememberedExpiry keeps it out of
// the margin around DontRememberLifetime. A row shorter than that margin is
// remembered only when ExpiresIn is that short too; otherwise nothing here
// mints it, and it does not slide.
func (m *Manager) rememberedOff(s *store.Session) bool {
	life := s.ExpiresAt.Sub(s.CreatedAt)
	switch {
	case life > DontRememberLifetime+rememberTolerance:
		return false
	case life >= DontRememberLifetime-rememberTolerance:
		return true
	default:
		return m.s.ExpiresIn > DontRememberLifetime+rememberTolerance
	}
}

// rememberedExpiry returns the expiry to give a remembered session created
// at created, instead of want when want would put its lifetime within
// rememberTolerance of DontRememberLifetime, where it would read as
// remember-me off: just below that margin. This happens only when
// ExpiresIn is at most a day and a minute, and shortens the session by two
// minutes at most.
func (m *Manager) rememberedExpiry(created, want time.Time) time.Time {
	life := want.Sub(created)
	if life < DontRememberLifetime-rememberTolerance || life > DontRememberLifetime+rememberTolerance {
		return want
	}
	return created.Add(DontRememberLifetime - rememberTolerance - time.Millisecond)
}

// slide pushes the session's expiry to now+ExpiresIn. Concurrent calls for
// one token share one store write: each caller waits for the write in
// flight, and a late caller re-reads the row and finds it no longer due.
// The shared write is not cancelled with the request that started it (its
// client may go away while others wait on the result); it keeps that
// request's deadline. A panic in the store reaches every waiting caller and
// frees the token for the next request (singleflight forgets the call).
func (m *Manager) slide(ctx context.Context, token string, now time.Time) (store.Session, error) {
	v, err, _ := m.slides.Do(token, func() (any, error) {
		shared := context.WithoutCancel(ctx)
		if d, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			shared, cancel = context.WithDeadline(shared, d)
			defer cancel()
		}
		cur, _, err := m.store.SessionByToken(shared, token)
		if err != nil {
			return store.Session{}, err
		}
		if !m.dueForSlide(&cur, now) {
			return cur, nil // another request slid it a moment ago
		}
		return m.store.SlideSession(shared, token, m.rememberedExpiry(cur.CreatedAt, now.Add(m.s.ExpiresIn)), now)
	})
	s, _ := v.(store.Session)
	return s, err
}

// SignOut ends the request's session, if any, in the store, then expires
// every session cookie on w. A request carrying both a bearer token
// (Config.Bearer) and a session cookie of another session ends both. A request without a valid session is not an
// error: the cookies are cleared all the same. When the store fails, SignOut
// returns the error and writes no cookie: the session is still live, so the
// browser keeps the cookie that lets it retry (answer 503, as
// WriteUnavailable does).
func (m *Manager) SignOut(w http.ResponseWriter, r *http.Request) error {
	j := m.s.cookies.read(r.Header)
	for _, token := range j.tokens() {
		if err := m.endSession(r.Context(), token); err != nil {
			return fmt.Errorf("sessionkit: sign out: %w", err)
		}
	}
	j.clear()
	j.expire(j.c.names.dontRemember)
	j.out.writeTo(w.Header())
	return nil
}

// ClearCookies expires every session cookie the request carries, without
// touching the store.
func (m *Manager) ClearCookies(w http.ResponseWriter, r *http.Request) {
	j := m.s.cookies.read(r.Header)
	j.clear()
	j.out.writeTo(w.Header())
}

// ListSessions returns the user's live sessions, oldest first, but those
// a Rule hides (package admin hides impersonated sessions, as Better
// Auth's admin plugin does).
func (m *Manager) ListSessions(ctx context.Context, userID string) ([]store.Session, error) {
	list, err := m.store.ListSessions(ctx, userID, m.s.now())
	if err != nil {
		return nil, err
	}
	return m.listed(list), nil
}

// RevokeSession ends the session with that token if it belongs to userID.
// A token of another user, or an unknown one, is silently left alone, as in
// Better Auth, so the call reveals nothing about other users' sessions.
func (m *Manager) RevokeSession(ctx context.Context, userID, token string) error {
	sess, _, err := m.store.SessionByToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sessionkit: revoke session: %w", err)
	}
	if sess.UserID != userID {
		return nil
	}
	if err := m.store.DeleteSession(ctx, token); err != nil {
		return fmt.Errorf("sessionkit: revoke session: %w", err)
	}
	m.revoked(ctx, Revocation{Path: RevokeOne, UserID: userID, SessionID: sess.ID, Count: 1})
	return nil
}

// RevokeOtherSessions ends every session of the current user but current.
// An error means some may still be live: nothing is cleared, try again.
func (m *Manager) RevokeOtherSessions(ctx context.Context, current *Session) error {
	n := m.liveSessions(ctx, current.User.ID) - 1 // all but current
	if err := m.store.DeleteOtherSessions(ctx, current.User.ID, current.Session.Token); err != nil {
		return fmt.Errorf("sessionkit: revoke other sessions: %w", err)
	}
	m.revoked(ctx, Revocation{Path: RevokeOthers, UserID: current.User.ID, Count: max(n, -1)})
	return nil
}

// RevokeAllSessions ends every session of the user. Clear the caller's
// cookies only when it returns nil: after an error the sessions may still
// be live, and the cookie is what lets the user try again.
func (m *Manager) RevokeAllSessions(ctx context.Context, userID string) error {
	n := m.liveSessions(ctx, userID)
	if err := m.store.DeleteUserSessions(ctx, userID); err != nil {
		return fmt.Errorf("sessionkit: revoke all sessions: %w", err)
	}
	m.revoked(ctx, Revocation{Path: RevokeAll, UserID: userID, Count: n})
	return nil
}

// Logger returns the Manager's logger.
func (m *Manager) Logger() *slog.Logger { return m.s.Logger }
