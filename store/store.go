// Package store defines the session and user records that sessionkit keeps, the
// Store interface every backend implements, and the errors they return.
//
// The records mirror Better Auth's `session` and `user` tables, so a
// store can share its database with a Better Auth app. A store only keeps
// records: it knows nothing of HTTP, cookies or the session lifecycle, which
// belong to the sessionkit Manager. Every backend must pass the conformance
// suite in package store/storetest.
package store

import (
	"context"
	"crypto/rand"
	"errors"
	"time"
)

// Errors returned by every Store. Match them with errors.Is.
var (
	// ErrNotFound means no live record matches: the token, id or email is
	// unknown, or (for sessions) the record was deleted.
	ErrNotFound = errors.New("store: not found")
	// ErrDuplicate means a record with the same unique key (id, email or
	// session token) already exists.
	ErrDuplicate = errors.New("store: duplicate key")
	// ErrInvalid means a record given to the store is missing a required field.
	ErrInvalid = errors.New("store: invalid record")
)

// Session is one signed-in device: a row of Better Auth's `session` table.
type Session struct {
	ID        string
	Token     string // the raw session token, as Better Auth stores it (unhashed)
	UserID    string
	ExpiresAt time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
	IPAddress string // "" when unknown; NULL in the database reads as ""
	UserAgent string // "" when unknown; NULL in the database reads as ""
	// Fields are the session's additional fields (AdditionalFields.Session),
	// as the store or cache cookie that returned it declares them.
	Fields Fields
}

// Expired reports whether the session is no longer valid at now. Better Auth
// treats a session as live while expiresAt is strictly after now.
func (s *Session) Expired(now time.Time) bool { return !s.ExpiresAt.After(now) }

// User is the owner of sessions: a row of Better Auth's `user` table.
type User struct {
	ID            string
	Name          string
	Email         string // stored lower-cased, as Better Auth does
	EmailVerified bool
	Image         string // "" stands for NULL
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// Fields are the user's additional fields (AdditionalFields.User), as
	// the store or cache cookie that returned it declares them.
	Fields Fields
}

// Store keeps sessions and users. Implementations must be safe for concurrent
// use. Times passed in are already truncated to milliseconds by the caller;
// times returned must round-trip at millisecond precision, in UTC.
type Store interface {
	// CreateUser inserts u. It returns ErrDuplicate when the id or the email
	// is taken, and ErrInvalid when the id or email is empty (an empty name
	// is allowed, as Better Auth allows it).
	CreateUser(ctx context.Context, u User) error
	// UserByID returns the user with that id, or ErrNotFound.
	UserByID(ctx context.Context, id string) (User, error)
	// UserByEmail returns the user with that (case-insensitive) email, or
	// ErrNotFound.
	UserByEmail(ctx context.Context, email string) (User, error)

	// CreateSession inserts s. The user must exist (ErrNotFound otherwise);
	// a taken id or token is ErrDuplicate.
	CreateSession(ctx context.Context, s Session) error
	// SessionByToken returns the session with that token and its user, or
	// ErrNotFound. It returns expired sessions too: the caller decides.
	SessionByToken(ctx context.Context, token string) (Session, User, error)
	// SlideSession sets the session's expiresAt and updatedAt (a sliding
	// refresh) and returns the updated session, or ErrNotFound if the token
	// is gone.
	SlideSession(ctx context.Context, token string, expiresAt, updatedAt time.Time) (Session, error)
	// DeleteSession deletes the session with that token. Deleting a missing
	// session is not an error.
	DeleteSession(ctx context.Context, token string) error
	// ListSessions returns the user's sessions that are live at now
	// (expiresAt after now), oldest first.
	ListSessions(ctx context.Context, userID string, now time.Time) ([]Session, error)
	// DeleteUserSessions deletes every session of the user.
	DeleteUserSessions(ctx context.Context, userID string) error
	// DeleteOtherSessions deletes every session of the user but the one
	// with keepToken.
	DeleteOtherSessions(ctx context.Context, userID, keepToken string) error
	// DeleteExpired deletes at most limit sessions that expired at or before
	// now and returns how many it deleted. Sweepers call it in a loop.
	DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error)

	// Close releases the store's resources.
	Close() error
}

// alphanumerics is Better Auth's alphabet for ids and session tokens.
const alphanumerics = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// NewID returns 32 characters drawn uniformly from a–z, A–Z and 0–9 with
// crypto/rand: the format of Better Auth's ids and session tokens.
func NewID() string {
	var out [32]byte
	var buf [64]byte
	n := 0
	for n < len(out) {
		rand.Read(buf[:]) // never fails (crypto/rand, Go 1.24+)
		for _, b := range buf {
			if b >= 248 { // 248 = 4*62: reject to keep the modulo unbiased
				continue
			}
			out[n] = alphanumerics[b%62]
			n++
			if n == len(out) {
				break
			}
		}
	}
	return string(out[:])
}

// TimeFormat is the layout Better Auth writes dates in: JavaScript's
// Date#toISOString, UTC with exactly three fractional digits.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// FormatTime formats t the way Better Auth stores and serialises dates.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// ParseTime parses a date written by FormatTime or by Better Auth. It also
// accepts any RFC 3339 time, for rows written by other tools.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(TimeFormat, s)
	if err != nil {
		t, err = time.Parse(time.RFC3339Nano, s)
	}
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// Truncate returns t in UTC, truncated to the millisecond precision every
// store keeps.
func Truncate(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// CredentialStore is the optional ability to keep password hashes in Better
// Auth's `account` table (providerId "credential", accountId = the user id),
// so a user who signed up on either side can sign in on the other. A store
// that has it is found by type assertion.
type CredentialStore interface {
	// SetPassword stores hash as the user's password, creating the
	// credential account when missing. The user must exist (ErrNotFound).
	SetPassword(ctx context.Context, userID, hash string, now time.Time) error
	// PasswordHash returns the user's stored password hash, or ErrNotFound
	// when the user has no credential account.
	PasswordHash(ctx context.Context, userID string) (string, error)
	// CreateUserWithPassword inserts u and its credential account holding
	// hash (created at u.CreatedAt) atomically: on any error neither is
	// stored, so a failed sign-up can be retried with the same email. Its
	// errors are CreateUser's.
	CreateUserWithPassword(ctx context.Context, u User, hash string) error
}

// UserEditor is the optional ability to change and delete users, found by
// type assertion as CredentialStore is. Every store in this module has it.
type UserEditor interface {
	// UpdateUser sets the user's name and image (a nil pointer keeps the
	// field; an empty image stands for NULL) and updatedAt, and returns the
	// updated user, or ErrNotFound. An empty name is allowed, as in Better
	// Auth.
	UpdateUser(ctx context.Context, id string, name, image *string, updatedAt time.Time) (User, error)
	// DeleteUser deletes the user with its sessions and accounts in one
	// transaction: on error nothing is deleted. Every session deleted is
	// revoked as DeleteSession revokes it (revocation feeds see them). A
	// missing user is ErrNotFound.
	DeleteUser(ctx context.Context, id string) error
}
