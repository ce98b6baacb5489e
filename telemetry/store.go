package telemetry

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessionkit/sessionkit/ratelimit"
	"github.com/sessionkit/sessionkit/store"
)

// op is a store operation: an index into opNames and the attribute sets.
type op int

const (
	opCreateUser op = iota
	opUserByID
	opUserByEmail
	opCreateSession
	opSessionByToken
	opSlideSession
	opDeleteSession
	opListSessions
	opDeleteUserSessions
	opDeleteOtherSessions
	opDeleteExpired
	opSetPassword
	opPasswordHash
	opCreateUserWithPassword
	opConsume
	numOps
)

var opNames = [numOps]string{
	"create_user", "user_by_id", "user_by_email",
	"create_session", "session_by_token", "slide_session", "delete_session",
	"list_sessions", "delete_user_sessions", "delete_other_sessions", "delete_expired",
	"set_password", "password_hash", "create_user_with_password",
	"rate_limit_consume",
}

const (
	outcomeOK = iota
	outcomeNotFound
	outcomeError
	numStoreOutcomes
)

var storeOutcomes = [numStoreOutcomes]string{"ok", "not_found", "error"}

// WrapStore returns s with every call timed in sessionkit.store.duration and
// traced in a span (see the package doc). The operation names are the
// method names in snake case; ratelimit.Storage's Consume is
// "rate_limit_consume".
//
// The result has exactly the optional abilities s has (found with
// store.As, so also those of a store s wraps), timed as the rest:
// store.CredentialStore (password sign-in),
// store.RevocationFeed (WatchRevocations is passed through, untimed: it
// runs for the Manager's life) and ratelimit.Storage (rate-limit counters
// shared by every instance). Other methods of s (sqlite's DB, postgres's
// Pool) are reached through Unwrap:
//
//	db := tel.WrapStore(s).(interface{ Unwrap() store.Store }).Unwrap()
func (t *Telemetry) WrapStore(s store.Store) store.Store {
	b := &wrapped{s: s, t: t}
	cs, hasCreds := store.As[store.CredentialStore](s)
	fs, hasFeed := store.As[store.RevocationFeed](s)
	ls, hasLimit := store.As[ratelimit.Storage](s)
	c, f, l := credentials{b, cs}, feed{fs}, limiter{b, ls}
	switch {
	case hasCreds && hasFeed && hasLimit:
		return struct {
			*wrapped
			credentials
			feed
			limiter
		}{b, c, f, l}
	case hasCreds && hasFeed:
		return struct {
			*wrapped
			credentials
			feed
		}{b, c, f}
	case hasCreds && hasLimit:
		return struct {
			*wrapped
			credentials
			limiter
		}{b, c, l}
	case hasFeed && hasLimit:
		return struct {
			*wrapped
			feed
			limiter
		}{b, f, l}
	case hasCreds:
		return struct {
			*wrapped
			credentials
		}{b, c}
	case hasFeed:
		return struct {
			*wrapped
			feed
		}{b, f}
	case hasLimit:
		return struct {
			*wrapped
			limiter
		}{b, l}
	}
	return b
}

// wrapped instruments the methods of store.Store.
type wrapped struct {
	s store.Store
	t *Telemetry
}

// call is one instrumented store call in progress.
type call struct {
	t     *Telemetry
	op    op
	span  trace.Span
	start time.Time
}

var spanNames = func() (n [numOps]string) {
	for i, name := range opNames {
		n[i] = "sessionkit.store " + name
	}
	return n
}()

func (t *Telemetry) begin(ctx context.Context, o op) (context.Context, call) {
	ctx, span := t.tracer.Start(ctx, spanNames[o], trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String(string(keyStoreOperation), opNames[o])))
	return ctx, call{t: t, op: o, span: span, start: time.Now()}
}

func (c call) end(ctx context.Context, err error) {
	out := outcomeOK
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound):
		out = outcomeNotFound
	default:
		out = outcomeError
		c.span.RecordError(err)
		c.span.SetStatus(codes.Error, opNames[c.op]+" failed")
	}
	c.t.storeTime.Record(ctx, time.Since(c.start).Seconds(), c.t.storeOpts[c.op][out]...)
	c.span.End()
}

// Unwrap returns the store WrapStore wrapped.
func (w *wrapped) Unwrap() store.Store { return w.s }

// CreateUser implements store.Store.
func (w *wrapped) CreateUser(ctx context.Context, u store.User) (err error) {
	ctx, c := w.t.begin(ctx, opCreateUser)
	defer func() { c.end(ctx, err) }()
	return w.s.CreateUser(ctx, u)
}

// UserByID implements store.Store.
func (w *wrapped) UserByID(ctx context.Context, id string) (u store.User, err error) {
	ctx, c := w.t.begin(ctx, opUserByID)
	defer func() { c.end(ctx, err) }()
	return w.s.UserByID(ctx, id)
}

// UserByEmail implements store.Store.
func (w *wrapped) UserByEmail(ctx context.Context, email string) (u store.User, err error) {
	ctx, c := w.t.begin(ctx, opUserByEmail)
	defer func() { c.end(ctx, err) }()
	return w.s.UserByEmail(ctx, email)
}

// CreateSession implements store.Store.
func (w *wrapped) CreateSession(ctx context.Context, s store.Session) (err error) {
	ctx, c := w.t.begin(ctx, opCreateSession)
	defer func() { c.end(ctx, err) }()
	return w.s.CreateSession(ctx, s)
}

// SessionByToken implements store.Store.
func (w *wrapped) SessionByToken(ctx context.Context, token string) (s store.Session, u store.User, err error) {
	ctx, c := w.t.begin(ctx, opSessionByToken)
	defer func() { c.end(ctx, err) }()
	return w.s.SessionByToken(ctx, token)
}

// SlideSession implements store.Store.
func (w *wrapped) SlideSession(ctx context.Context, token string, expiresAt, updatedAt time.Time) (s store.Session, err error) {
	ctx, c := w.t.begin(ctx, opSlideSession)
	defer func() { c.end(ctx, err) }()
	return w.s.SlideSession(ctx, token, expiresAt, updatedAt)
}

// DeleteSession implements store.Store.
func (w *wrapped) DeleteSession(ctx context.Context, token string) (err error) {
	ctx, c := w.t.begin(ctx, opDeleteSession)
	defer func() { c.end(ctx, err) }()
	return w.s.DeleteSession(ctx, token)
}

// ListSessions implements store.Store.
func (w *wrapped) ListSessions(ctx context.Context, userID string, now time.Time) (ss []store.Session, err error) {
	ctx, c := w.t.begin(ctx, opListSessions)
	defer func() { c.end(ctx, err) }()
	return w.s.ListSessions(ctx, userID, now)
}

// DeleteUserSessions implements store.Store.
func (w *wrapped) DeleteUserSessions(ctx context.Context, userID string) (err error) {
	ctx, c := w.t.begin(ctx, opDeleteUserSessions)
	defer func() { c.end(ctx, err) }()
	return w.s.DeleteUserSessions(ctx, userID)
}

// DeleteOtherSessions implements store.Store.
func (w *wrapped) DeleteOtherSessions(ctx context.Context, userID, keepToken string) (err error) {
	ctx, c := w.t.begin(ctx, opDeleteOtherSessions)
	defer func() { c.end(ctx, err) }()
	return w.s.DeleteOtherSessions(ctx, userID, keepToken)
}

// DeleteExpired implements store.Store.
func (w *wrapped) DeleteExpired(ctx context.Context, now time.Time, limit int) (n int, err error) {
	ctx, c := w.t.begin(ctx, opDeleteExpired)
	defer func() { c.end(ctx, err) }()
	return w.s.DeleteExpired(ctx, now, limit)
}

// Close implements store.Store.
func (w *wrapped) Close() error { return w.s.Close() }

// credentials instruments store.CredentialStore.
type credentials struct {
	w  *wrapped
	cs store.CredentialStore
}

// SetPassword implements store.CredentialStore.
func (x credentials) SetPassword(ctx context.Context, userID, hash string, now time.Time) (err error) {
	ctx, c := x.w.t.begin(ctx, opSetPassword)
	defer func() { c.end(ctx, err) }()
	return x.cs.SetPassword(ctx, userID, hash, now)
}

// PasswordHash implements store.CredentialStore.
func (x credentials) PasswordHash(ctx context.Context, userID string) (h string, err error) {
	ctx, c := x.w.t.begin(ctx, opPasswordHash)
	defer func() { c.end(ctx, err) }()
	return x.cs.PasswordHash(ctx, userID)
}

// CreateUserWithPassword implements store.CredentialStore.
func (x credentials) CreateUserWithPassword(ctx context.Context, u store.User, hash string) (err error) {
	ctx, c := x.w.t.begin(ctx, opCreateUserWithPassword)
	defer func() { c.end(ctx, err) }()
	return x.cs.CreateUserWithPassword(ctx, u, hash)
}

// feed passes store.RevocationFeed through.
type feed struct{ fs store.RevocationFeed }

// WatchRevocations implements store.RevocationFeed.
func (x feed) WatchRevocations(ctx context.Context, since time.Time, sink store.RevocationSink) error {
	return x.fs.WatchRevocations(ctx, since, sink)
}

// limiter instruments ratelimit.Storage.
type limiter struct {
	w  *wrapped
	ls ratelimit.Storage
}

// Consume implements ratelimit.Storage.
func (x limiter) Consume(ctx context.Context, key string, rule ratelimit.Rule, now time.Time) (r ratelimit.Result, err error) {
	ctx, c := x.w.t.begin(ctx, opConsume)
	defer func() { c.end(ctx, err) }()
	return x.ls.Consume(ctx, key, rule, now)
}
