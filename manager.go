package sessionkit

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/password"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
	"github.com/sessionkit/sessionkit/store/sqlite"
	"golang.org/x/sync/singleflight"
)

// Errors returned by the Manager. Match them with errors.Is.
var (
	// ErrNoSession means the request carries no valid session: no cookie,
	// a bad signature, an unknown, revoked or expired token. It is a normal
	// outcome, not a failure.
	ErrNoSession = errors.New("sessionkit: no session")
	// ErrInvalidCredentials means an email and password did not match.
	ErrInvalidCredentials = errors.New("sessionkit: invalid email or password")
	// ErrEmailTaken means sign-up found the email already registered.
	ErrEmailTaken = errors.New("sessionkit: email already registered")
	// ErrNoCredentials means the store cannot keep passwords (it does not
	// implement store.CredentialStore).
	ErrNoCredentials = errors.New("sessionkit: store keeps no passwords")
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
	m := &Manager{s: s, store: cfg.Store}
	if m.store == nil && s.Stateless {
		m.store = memory.New() // users and the in-process session list only
	}
	if m.store == nil {
		db, err := sqlite.OpenWith(s.DatabasePath, sqlite.Options{Now: s.Now, Logger: s.Logger})
		if err != nil {
			return nil, fmt.Errorf("sessionkit: default store: %w", err)
		}
		m.store, m.ownsDB = db, true
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

// Store returns the store the Manager uses.
func (m *Manager) Store() store.Store { return m.store }

// CookieNames returns the wire names of the session token, cache and
// "don't remember me" cookies.
func (m *Manager) CookieNames() (token, data, dontRemember string) {
	return m.s.names.token, m.s.names.data, m.s.names.dontRemember
}

// FreshAge returns the configured freshness window; 0 means the check is off.
func (m *Manager) FreshAge() time.Duration { return m.s.freshAge }

// Now returns the Manager's clock reading, at millisecond precision.
func (m *Manager) Now() time.Time { return m.s.now() }

// SignInOptions tune one sign-in.
type SignInOptions struct {
	// DontRemember is Better Auth's rememberMe: false. The session lasts one
	// day and never slides, and its cookies end with the browser session.
	// "Never slides" is read from the stored row (a one-day lifetime), not
	// from the dont_remember cookie alone, so a token sent without that
	// cookie does not slide either.
	DontRemember bool
}

// SignIn starts a new session for the user with that id, with a fresh token
// from crypto/rand, and sets its cookies on w. It returns ErrNoSession
// wrapped with store.ErrNotFound when the user does not exist.
func (m *Manager) SignIn(w http.ResponseWriter, r *http.Request, userID string, opts SignInOptions) (*Session, error) {
	u, err := m.store.UserByID(r.Context(), userID)
	if err != nil {
		return nil, fmt.Errorf("sessionkit: sign in: %w", err)
	}
	now := m.s.now()
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
	}
	if err := m.store.CreateSession(r.Context(), sess); err != nil {
		return nil, fmt.Errorf("sessionkit: sign in: %w", err)
	}
	out := &Session{Session: sess, User: u, Source: SourceStore}
	var cw cookieWriter
	j := m.s.readJar(r.Header)
	// A new sign-in replaces whatever session cookies the browser had.
	m.setSessionCookies(&cw, out, opts.DontRemember, j.dontRemember != "")
	m.setCache(r.Context(), &cw, &j, out, now, opts.DontRemember)
	cw.writeTo(w.Header())
	return out, nil
}

// setSessionCookies writes the token cookie (and the dont_remember marker)
// for sess.
func (m *Manager) setSessionCookies(cw *cookieWriter, sess *Session, dontRemember, hadDontRemember bool) {
	if dontRemember {
		cw.set(m.s.cookie(m.s.names.token, m.s.sign(sess.Session.Token), 0))
		cw.set(m.s.cookie(m.s.names.dontRemember, m.s.sign("true"), 0))
		return
	}
	cw.set(m.s.cookie(m.s.names.token, m.s.sign(sess.Session.Token), m.s.ExpiresIn))
	if hadDontRemember {
		cw.expire(m.s, m.s.names.dontRemember)
	}
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
	// Session is the session found, or nil.
	Session *Session
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

// GetSession returns the session of the request, sliding its expiry when
// due, or ErrNoSession. It does not write cookies: use middleware.Load,
// which does, or LookupHeader and write the cookies yourself.
func (m *Manager) GetSession(r *http.Request) (*Session, error) {
	l, err := m.LookupHeader(r.Context(), r.Header, LookupOptions{})
	if err != nil {
		return nil, err
	}
	return l.Session, nil
}

// GetSessionFromHeader is GetSession for a bare header: for code that holds
// a request's cookies but not the request, such as a job handed the Cookie
// header across a queue or a cache boundary.
func (m *Manager) GetSessionFromHeader(ctx context.Context, h http.Header) (*Session, error) {
	l, err := m.LookupHeader(ctx, h, LookupOptions{})
	if err != nil {
		return nil, err
	}
	return l.Session, nil
}

// LookupHeader resolves the session named by the cookies in h (spec §4) and
// returns it with the cookies the response must set. With no session it
// returns ErrNoSession and, in the Lookup, the cookie deletions to send.
// Other errors are store failures.
func (m *Manager) LookupHeader(ctx context.Context, h http.Header, opts LookupOptions) (*Lookup, error) {
	j := m.s.readJar(h)
	var cw cookieWriter
	l := &Lookup{}
	sess, err := m.resolve(ctx, &j, &cw, opts)
	l.Session = sess
	l.Cookies = cw.list
	if err != nil {
		return l, err
	}
	return l, nil
}

func (m *Manager) resolve(ctx context.Context, j *jar, cw *cookieWriter, opts LookupOptions) (*Session, error) {
	if m.s.codec == nil && len(j.data) > 0 {
		cw.expireData(m.s, j) // left over from a configuration with a cache
	}
	token, ok := m.s.verify(j.token)
	if !ok {
		return nil, ErrNoSession
	}
	now := m.s.now()

	// The cookie cache answers without the store, unless the caller wants
	// an authoritative read; in stateless mode the cookie is the authority.
	if m.s.codec != nil && len(j.data) > 0 && (!opts.DisableCookieCache || m.s.Stateless) {
		// A copy is trusted only while the revocation feed is current and
		// has not named the session (see revocation.go).
		if out, p := m.fromCache(j, token, now); out != nil && m.feed.trusted(out.Session.ID, token, m.s.Stateless) {
			if m.s.Stateless && !opts.DisableRefresh && p.ExpiresAt.Sub(now) < m.s.refreshAge {
				// The re-mint never moves the session's expiry; the row
				// decides that its cookies end with the browser session.
				dontRemember := m.rememberedOff(&out.Session) || m.s.dontRemember(j)
				m.setSessionCookies(cw, out, dontRemember, false)
				m.setCache(ctx, cw, j, out, now, dontRemember)
			}
			return out, nil
		}
		cw.expireData(m.s, j) // expired, tampered, another token or version
	}
	if m.s.Stateless {
		cw.clearAll(m.s, j)
		return nil, ErrNoSession
	}

	sess, user, err := m.store.SessionByToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		cw.clearAll(m.s, j)
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("sessionkit: read session: %w", err)
	}
	if sess.Expired(now) {
		cw.clearAll(m.s, j)
		if err := m.store.DeleteSession(ctx, token); err != nil {
			m.s.Logger.WarnContext(ctx, "sessionkit: delete expired session", "err", err)
		}
		return nil, ErrNoSession
	}
	out := &Session{Session: sess, User: user, Source: SourceStore}
	// Remember-me off is read from the row, so a token sent without its
	// dont_remember cookie cannot make the session slide.
	if opts.DisableRefresh || m.rememberedOff(&sess) || m.s.dontRemember(j) {
		return out, nil
	}
	if !m.s.DisableRefresh && m.dueForSlide(&sess, now) {
		slid, err := m.slide(ctx, token, now)
		if errors.Is(err, store.ErrNotFound) {
			cw.clearAll(m.s, j)
			return nil, ErrNoSession
		}
		if err != nil {
			return nil, fmt.Errorf("sessionkit: refresh session: %w", err)
		}
		out.Session = slid
		m.setSessionCookies(cw, out, false, false)
	}
	m.setCache(ctx, cw, j, out, now, false)
	return out, nil
}

// fromCache returns the session in the request's cache cookie when it is
// authentic, unexpired, of the configured version, and for this very token.
func (m *Manager) fromCache(j *jar, token string, now time.Time) (*Session, *cache.Payload) {
	val, _, ok := cache.Join(j.data, m.s.names.data)
	if !ok {
		return nil, nil
	}
	p, err := m.s.codec.Decode(val, now)
	if err != nil {
		return nil, nil
	}
	version := p.Version
	if version == "" {
		version = "1"
	}
	// The cache's own expiry is checked again here, whatever the codec's
	// clock tolerance: a cache cookie never answers past it.
	if subtle.ConstantTimeCompare([]byte(p.Session.Token), []byte(token)) != 1 ||
		version != m.s.cacheVersion || p.Session.Expired(now) || !p.ExpiresAt.After(now) {
		return nil, nil
	}
	return &Session{Session: p.Session, User: p.User, Source: m.s.codec.Strategy()}, p
}

// setCache writes a fresh cache cookie for sess (chunked when large), after
// expiring the cache cookies the request carried (spec §1.4): a name set
// again replaces its expiry, and a carried name not set again (the plain
// cookie after a switch to chunks, a chunk past the new count, everything
// when no cookie is written) must not outlive the new value. With
// remember-me off the cookie ends with the browser session, like the token
// cookie.
func (m *Manager) setCache(ctx context.Context, cw *cookieWriter, j *jar, sess *Session, now time.Time, dontRemember bool) {
	for _, c := range j.data {
		cw.expire(m.s, c.Name)
	}
	if m.s.codec == nil {
		return
	}
	// The cache's own expiry is a full MaxAge, as Better Auth mints it
	// (spec §3.2–3.4), even past the session's: fromCache checks that one
	// too, and a shorter value would have a stateless session re-minted on
	// every request of its last fifth.
	val, err := m.s.codec.Encode(&cache.Payload{
		Session: sess.Session, User: sess.User, UpdatedAt: now, Version: m.s.cacheVersion, ExpiresAt: now.Add(m.s.cacheMaxAge),
	})
	if err != nil {
		m.s.Logger.ErrorContext(ctx, "sessionkit: encode cookie cache", "err", err)
		return
	}
	maxAge := m.s.cacheMaxAge
	if dontRemember {
		maxAge = 0
	}
	base := m.s.names.data
	chunks, err := cache.Split(val, cache.ChunkSize(m.s.cookie(base, "", maxAge)))
	if err != nil {
		// Too large for cookies: go without a cache, as Better Auth does.
		m.s.Logger.WarnContext(ctx, "sessionkit: cookie cache skipped", "err", err)
		return
	}
	if len(chunks) == 1 {
		cw.set(m.s.cookie(base, chunks[0], maxAge))
		return
	}
	for i, c := range chunks {
		cw.set(m.s.cookie(cache.ChunkName(base, i), c, maxAge))
	}
}

// dueForSlide reports whether UpdateAge has passed since the last refresh,
// which Better Auth derives as expiresAt − expiresIn (spec §4).
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
// every session cookie on w. A request without a valid session is not an
// error: the cookies are cleared all the same. When the store fails, SignOut
// returns the error and writes no cookie: the session is still live, so the
// browser keeps the cookie that lets it retry (answer 503, as
// WriteUnavailable does).
func (m *Manager) SignOut(w http.ResponseWriter, r *http.Request) error {
	j := m.s.readJar(r.Header)
	if token, ok := m.s.verify(j.token); ok {
		if err := m.store.DeleteSession(r.Context(), token); err != nil {
			return fmt.Errorf("sessionkit: sign out: %w", err)
		}
	}
	var cw cookieWriter
	cw.clearAll(m.s, &j)
	cw.expire(m.s, m.s.names.dontRemember)
	cw.writeTo(w.Header())
	return nil
}

// ClearCookies expires every session cookie the request carries, without
// touching the store.
func (m *Manager) ClearCookies(w http.ResponseWriter, r *http.Request) {
	j := m.s.readJar(r.Header)
	var cw cookieWriter
	cw.clearAll(m.s, &j)
	cw.writeTo(w.Header())
}

// ListSessions returns the user's live sessions, oldest first.
func (m *Manager) ListSessions(ctx context.Context, userID string) ([]store.Session, error) {
	return m.store.ListSessions(ctx, userID, m.s.now())
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
	return nil
}

// RevokeOtherSessions ends every session of the current user but current.
// An error means some may still be live: nothing is cleared, try again.
func (m *Manager) RevokeOtherSessions(ctx context.Context, current *Session) error {
	if err := m.store.DeleteOtherSessions(ctx, current.User.ID, current.Session.Token); err != nil {
		return fmt.Errorf("sessionkit: revoke other sessions: %w", err)
	}
	return nil
}

// RevokeAllSessions ends every session of the user. Clear the caller's
// cookies only when it returns nil: after an error the sessions may still
// be live, and the cookie is what lets the user try again.
func (m *Manager) RevokeAllSessions(ctx context.Context, userID string) error {
	if err := m.store.DeleteUserSessions(ctx, userID); err != nil {
		return fmt.Errorf("sessionkit: revoke all sessions: %w", err)
	}
	return nil
}

// CreateUser registers a user with name and email (and, when pw is not
// empty, a password in Better Auth's format). It returns ErrEmailTaken when
// the email is registered already. See CreateUserWith for more fields.
func (m *Manager) CreateUser(ctx context.Context, name, email, pw string) (store.User, error) {
	return m.CreateUserWith(ctx, NewUser{Name: name, Email: email, Password: pw})
}

// NewUser is what CreateUserWith registers.
type NewUser struct {
	Name, Email string
	Password    string // optional; hashed in Better Auth's scrypt format
	Image       string // optional URL
}

// CreateUserWith registers a user. The name and email are trimmed and the
// email lower-cased; input ValidateUser or (for a non-empty password)
// ValidatePassword refuses is an *InputError matching store.ErrInvalid, a
// registered email ErrEmailTaken, a password with a store that keeps none
// ErrNoCredentials.
func (m *Manager) CreateUserWith(ctx context.Context, nu NewUser) (store.User, error) {
	name, email := strings.TrimSpace(nu.Name), strings.ToLower(strings.TrimSpace(nu.Email))
	if err := ValidateUser(name, email, nu.Image); err != nil {
		return store.User{}, err
	}
	if nu.Password != "" {
		if err := ValidatePassword(nu.Password); err != nil {
			return store.User{}, err
		}
	}
	cs, hasCreds := m.store.(store.CredentialStore)
	var hash string
	if nu.Password != "" {
		if !hasCreds {
			return store.User{}, ErrNoCredentials
		}
		var err error
		if gerr := m.s.hashes.do(ctx, func() { hash, err = password.Hash(nu.Password) }); gerr != nil {
			return store.User{}, fmt.Errorf("sessionkit: create user: %w", gerr)
		}
		if err != nil {
			return store.User{}, fmt.Errorf("sessionkit: create user: %w", err)
		}
	}
	now := m.s.now()
	u := store.User{ID: store.NewID(), Name: name, Email: email, Image: nu.Image, CreatedAt: now, UpdatedAt: now}
	var err error
	if hash != "" {
		// One transaction: a user without its password could neither sign
		// up again (email taken) nor sign in.
		err = cs.CreateUserWithPassword(ctx, u, hash)
	} else {
		err = m.store.CreateUser(ctx, u)
	}
	if err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return store.User{}, ErrEmailTaken
		}
		return store.User{}, fmt.Errorf("sessionkit: create user: %w", err)
	}
	return u, nil
}

// UserByID returns the user with that id (store.ErrNotFound if none).
func (m *Manager) UserByID(ctx context.Context, id string) (store.User, error) {
	return m.store.UserByID(ctx, id)
}

// UserByEmail returns the user with that email (store.ErrNotFound if none).
func (m *Manager) UserByEmail(ctx context.Context, email string) (store.User, error) {
	return m.store.UserByEmail(ctx, strings.TrimSpace(email))
}

// CheckPassword returns the user whose email and password match, or
// ErrInvalidCredentials. An unknown email costs the same scrypt work as a
// wrong password, so timing does not reveal which emails are registered.
// Checks of one email are rate limited (RateLimit.Account) whatever the
// caller's address: over the limit it returns a *RateLimitError. Sign-in
// forms should call CheckPasswordRequest, which limits per address too.
func (m *Manager) CheckPassword(ctx context.Context, email, pw string) (store.User, error) {
	cs, ok := m.store.(store.CredentialStore)
	if !ok {
		return store.User{}, ErrNoCredentials
	}
	if len(email) > MaxEmailLength {
		return store.User{}, ErrInvalidCredentials // no such account can exist
	}
	if err := m.limitAccount(ctx, email); err != nil {
		return store.User{}, err
	}
	u, err := m.store.UserByEmail(ctx, strings.TrimSpace(email))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, fmt.Errorf("sessionkit: check password: %w", err)
	}
	hash := dummyHash
	if err == nil {
		h, herr := cs.PasswordHash(ctx, u.ID)
		switch {
		case herr == nil:
			hash = h
		case !errors.Is(herr, store.ErrNotFound):
			return store.User{}, fmt.Errorf("sessionkit: check password: %w", herr)
		}
	}
	var match bool
	var verr error
	if err := m.s.hashes.do(ctx, func() { match, verr = password.Verify(hash, pw) }); err != nil {
		return store.User{}, fmt.Errorf("sessionkit: check password: %w", err)
	}
	if err != nil || verr != nil || !match || hash == dummyHash {
		return store.User{}, ErrInvalidCredentials
	}
	return u, nil
}

// dummyHash is verified against when the email is unknown, so that path
// costs one scrypt like the others.
const dummyHash = "00000000000000000000000000000000:" +
	"00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"

// Logger returns the Manager's logger.
func (m *Manager) Logger() *slog.Logger { return m.s.Logger }
