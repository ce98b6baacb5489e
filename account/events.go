package account

// Security events (the Manager's Config.Logger) and hooks (Config.Hooks) of
// accounts. No event carries a password, a token or an email address: an
// account is named by its user id or, before one is known, by EmailHash.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/loglimit"
	"github.com/sessionkit/sessionkit/store"
)

// Event messages Accounts log. They are stable: alert on them.
const (
	EventSignInFailed = "sessionkit: sign-in failed"
	EventUserCreated  = "sessionkit: user created"
	EventUserDeleted  = "sessionkit: user deleted"
	EventRateLimited  = "sessionkit: rate limited"
)

// Reasons of EventSignInFailed. The client sees one outcome
// (ErrInvalidCredentials) for all of them.
const (
	ReasonUnknownEmail  = "unknown_email"
	ReasonWrongPassword = "wrong_password"
	ReasonNoPassword    = "no_password"     // the user has no password (another sign-in method)
	ReasonBadHash       = "unreadable_hash" // the stored hash is not in a known format
)

// CodeFailedToCreateSession is the JSON API's code for a session that
// Hooks.BeforeSessionCreate refused without a RefusedError code (Better
// Auth's code when a before hook returns false).
const CodeFailedToCreateSession = "FAILED_TO_CREATE_SESSION"

// rateLimitedLines bounds EventRateLimited lines a minute: the requests
// that trigger them are an attacker's to send.
const rateLimitedLines = 10

// Hooks are the app's callbacks on users, Better Auth's databaseHooks for
// users; session hooks are sessionkit.Config.Hooks. Each is optional and
// called once per event, synchronously, with the request's context.
type Hooks struct {
	// AfterUserCreate runs when CreateUser, CreateUserWith or the JSON
	// API's sign-up has stored a user.
	AfterUserCreate func(ctx context.Context, u store.User)
	// AfterUserDelete runs when Accounts has deleted a user (DeleteUser).
	AfterUserDelete func(ctx context.Context, u store.User)
}

// EmailHash is how events name an email address: the first 16 bytes of
// the SHA-256 of the trimmed, lower-cased address, in hex (the key of the
// per-account rate limit too). It lets an operator match an address they
// know, without logging addresses; it is a pseudonym, not a secret: a
// known address can be hashed and found.
func EmailHash(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(sum[:16])
}

func newRateLimitLog() *loglimit.Limiter {
	return &loglimit.Limiter{Max: rateLimitedLines, Window: time.Minute}
}

// failReason classifies a failed password check for the operator.
func failReason(found, hasPassword bool, verr error) string {
	switch {
	case !found:
		return ReasonUnknownEmail
	case !hasPassword:
		return ReasonNoPassword
	case verr != nil:
		return ReasonBadHash
	}
	return ReasonWrongPassword
}

func (a *Accounts) signInFailed(ctx context.Context, email, reason string) {
	a.m.Logger().WarnContext(ctx, EventSignInFailed, slog.String("reason", reason), slog.String("email_hash", EmailHash(email)))
}

func (a *Accounts) userCreated(ctx context.Context, u *store.User) {
	a.m.Logger().InfoContext(ctx, EventUserCreated, slog.String("user_id", u.ID))
	if h := a.hooks.AfterUserCreate; h != nil {
		h(ctx, *u)
	}
}

// userDeleted reports a deleted user: DeleteUser calls it once the user is gone.
func (a *Accounts) userDeleted(ctx context.Context, u *store.User) {
	a.m.Logger().InfoContext(ctx, EventUserDeleted, slog.String("user_id", u.ID))
	if h := a.hooks.AfterUserDelete; h != nil {
		h(ctx, *u)
	}
}

// limited logs err when it is a *RateLimitError, within the line budget,
// with who was limited (ip or email_hash) on what path, and returns err.
func (a *Accounts) limited(ctx context.Context, path, who, value string, err error) error {
	if rl := (*RateLimitError)(nil); errors.As(err, &rl) {
		if ok, suppressed := a.rateLog.Allow(a.m.Now()); ok {
			a.m.Logger().WarnContext(ctx, EventRateLimited, slog.String("path", path), slog.String(who, value),
				slog.Duration("retry_after", rl.RetryAfter), slog.Int("suppressed", suppressed))
		}
	}
	return err
}

// writeRefused answers 403 for a session that Hooks.BeforeSessionCreate
// refused, with the hook's code when it gave one, and reports whether it
// did.
func writeRefused(w http.ResponseWriter, err error) bool {
	if !errors.Is(err, sessionkit.ErrSessionRefused) {
		return false
	}
	code, msg := CodeFailedToCreateSession, "Failed to create session"
	if re := (*sessionkit.RefusedError)(nil); errors.As(err, &re) && re.Code != "" {
		code, msg = re.Code, re.Message
	}
	sessionkit.WriteError(w, http.StatusForbidden, code, msg)
	return true
}
