package sessionkit

// Security events (Config.Logger) and hooks (Config.Hooks) of the session
// lifecycle. The README's "Events and hooks" lists every message. No event
// carries a token, a secret or a cookie value: sessions and users are named
// by their ids.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/sessionkit/sessionkit/internal/loglimit"
	"github.com/sessionkit/sessionkit/store"
)

// Event messages the Manager logs. They are stable: alert on them.
const (
	EventSessionCreated = "sessionkit: session created"
	EventSessionRefused = "sessionkit: session refused"
	EventSignOut        = "sessionkit: signed out"
	EventRevoked        = "sessionkit: sessions revoked"
	EventBadCookie      = "sessionkit: bad session cookie"
	EventOldSecret      = "sessionkit: cookie signed with an old secret"
	EventStoreError     = "sessionkit: store unavailable"
)

// Revocation paths, the "path" of EventRevoked and Revocation.Path.
const (
	RevokeOne    = "one"    // RevokeSession
	RevokeOthers = "others" // RevokeOtherSessions
	RevokeAll    = "all"    // RevokeAllSessions
)

// Log bounds of events that outside input triggers.
const (
	badCookieLines    = 10          // lines per minute, then a suppressed count
	oldSecretInterval = time.Minute // one line per interval, with a count
)

// ErrSessionRefused is wrapped by SignIn's error when
// Hooks.BeforeSessionCreate refused the session.
var ErrSessionRefused = errors.New("sessionkit: session refused")

// RefusedError is what Hooks.BeforeSessionCreate returns to refuse a
// session with a code and message for the client: the JSON API answers 403
// with them (Better Auth's hooks throw APIError("FORBIDDEN", …) alike, as
// its admin plugin does with BANNED_USER). It matches ErrSessionRefused.
type RefusedError struct {
	Code    string // such as "BANNED_USER"
	Message string // such as "You have been banned from this application"
}

func (e *RefusedError) Error() string { return "sessionkit: session refused: " + e.Code }

// Is makes a RefusedError match ErrSessionRefused.
func (e *RefusedError) Is(target error) bool { return target == ErrSessionRefused }

// Hooks are the app's callbacks on the session lifecycle, Better Auth's
// databaseHooks for sessions. Each is optional, called once per event,
// synchronously, with the context of the request (or of the call). Keep them
// short: the request waits.
type Hooks struct {
	// BeforeSessionCreate runs in SignIn before the session is stored. A
	// non-nil error refuses it: no row, no cookie; SignIn returns the error
	// wrapped with ErrSessionRefused. Return a *RefusedError to give the
	// JSON API's client a code. The session and user may be read, not
	// changed.
	BeforeSessionCreate func(ctx context.Context, s *store.Session, u *store.User) error
	// AfterSessionCreate runs when SignIn has stored a session (a sign-in
	// or sign-up: SignIn is the only place sessions are created).
	AfterSessionCreate func(ctx context.Context, s store.Session, u store.User)
	// AfterSignOut runs when SignOut has deleted the request's session.
	AfterSignOut func(ctx context.Context, s store.Session)
	// AfterSessionRevoked runs when RevokeSession, RevokeOtherSessions or
	// RevokeAllSessions has deleted sessions.
	AfterSessionRevoked func(ctx context.Context, r Revocation)
}

// Revocation describes one revocation, for Hooks.AfterSessionRevoked.
type Revocation struct {
	Path      string // RevokeOne, RevokeOthers or RevokeAll
	UserID    string
	SessionID string // RevokeOne only
	// Count is how many sessions were live before the revocation (those
	// deleted), -1 when the count could not be read.
	Count int
}

// monitor emits the events that the cookie code sees on every request,
// bounded: bad signatures through a line budget, old secrets through a
// counter logged once an interval (the hot path stays allocation-free).
type monitor struct {
	logger  *slog.Logger
	now     func() time.Time
	bad     loglimit.Limiter
	oldHits atomic.Int64
	nextLog atomic.Int64 // unix nanos before which no old-secret line
}

func newMonitor(logger *slog.Logger, now func() time.Time) *monitor {
	return &monitor{logger: logger, now: now, bad: loglimit.Limiter{Max: badCookieLines, Window: time.Minute}}
}

// badSignature records a session cookie whose signature no secret made.
func (mo *monitor) badSignature(cookie string) {
	if mo == nil {
		return
	}
	ok, suppressed := mo.bad.Allow(mo.now())
	if !ok {
		return
	}
	mo.logger.Warn(EventBadCookie, slog.String("cookie", cookie), slog.Int("suppressed", suppressed))
}

// oldSecret records a cookie verified by an old secret: one atomic add, and
// a line at most once an interval.
func (mo *monitor) oldSecret() {
	if mo == nil {
		return
	}
	mo.oldHits.Add(1)
	now := mo.now().UnixNano()
	next := mo.nextLog.Load()
	if now < next || !mo.nextLog.CompareAndSwap(next, now+int64(oldSecretInterval)) {
		return
	}
	mo.logger.Info(EventOldSecret, slog.Int64("count", mo.oldHits.Swap(0)), slog.Duration("interval", oldSecretInterval))
}

// beforeCreate runs Hooks.BeforeSessionCreate and logs a refusal.
func (m *Manager) beforeCreate(ctx context.Context, s *store.Session, u *store.User) error {
	h := m.s.Hooks.BeforeSessionCreate
	if h == nil {
		return nil
	}
	sc, uc := *s, *u // read, not changed
	if err := h(ctx, &sc, &uc); err != nil {
		m.s.Logger.WarnContext(ctx, EventSessionRefused, slog.String("user_id", u.ID), slog.String("reason", err.Error()))
		return fmt.Errorf("sessionkit: sign in: %w: %w", ErrSessionRefused, err)
	}
	return nil
}

// created logs a stored session and runs Hooks.AfterSessionCreate.
func (m *Manager) created(ctx context.Context, s *store.Session, u *store.User) {
	m.s.Logger.InfoContext(ctx, EventSessionCreated, slog.String("session_id", s.ID), slog.String("user_id", u.ID))
	if h := m.s.Hooks.AfterSessionCreate; h != nil {
		h(ctx, *s, *u)
	}
}

// endSession deletes the session of a sign-out, read first so that its
// event and hook can name it; a token of no session is not an error.
func (m *Manager) endSession(ctx context.Context, token string) error {
	s, _, err := m.store.SessionByToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := m.store.DeleteSession(ctx, token); err != nil {
		return err
	}
	m.signedOut(ctx, &s)
	return nil
}

// signedOut logs a sign-out and runs Hooks.AfterSignOut.
func (m *Manager) signedOut(ctx context.Context, s *store.Session) {
	m.s.Logger.InfoContext(ctx, EventSignOut, slog.String("session_id", s.ID), slog.String("user_id", s.UserID))
	if h := m.s.Hooks.AfterSignOut; h != nil {
		h(ctx, *s)
	}
}

// liveSessions counts the user's live sessions before a bulk revocation,
// for its event; -1 when the store cannot say (the revocation goes on).
func (m *Manager) liveSessions(ctx context.Context, userID string) int {
	list, err := m.store.ListSessions(ctx, userID, m.s.now())
	if err != nil {
		return -1
	}
	return len(list)
}

// revoked logs a revocation and runs Hooks.AfterSessionRevoked.
func (m *Manager) revoked(ctx context.Context, r Revocation) {
	m.s.Logger.InfoContext(ctx, EventRevoked, slog.String("path", r.Path), slog.String("user_id", r.UserID),
		slog.String("session_id", r.SessionID), slog.Int("count", r.Count))
	if h := m.s.Hooks.AfterSessionRevoked; h != nil {
		h(ctx, r)
	}
}

// LogStoreError logs a store failure as EventStoreError with the operation
// that failed ("sign in", "load session", …). The JSON API and the
// middleware call it before answering 503.
func (m *Manager) LogStoreError(ctx context.Context, op string, err error) {
	m.s.Logger.ErrorContext(ctx, EventStoreError, slog.String("op", op), slog.Any("err", err))
}

// verifyCookie is verify for the cookie called name, recording a value
// present but not signed by any secret.
func (c *sessionCookies) verifyCookie(name, raw string) (string, bool) {
	tok, ok := c.verify(raw)
	if !ok && raw != "" {
		c.mon.badSignature(name)
	}
	return tok, ok
}
