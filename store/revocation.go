package store

import (
	"context"
	"errors"
	"time"
)

// Revocation is one session deleted before its expiry: signed out, revoked,
// or gone with its user. Sessions deleted because they expired are not
// revocations.
type Revocation struct {
	// SessionID is the session's id (Better Auth's session.id), which the
	// cookie cache carries: feeds never carry tokens.
	SessionID string
	// TokenHash, when not zero, is the SHA-256 of the token of a session
	// the feed knows only by its token (a Redis keyspace notification names
	// the deleted key, which is the token). SessionID is then empty, and
	// the sink refuses cached copies presented with that token.
	TokenHash [32]byte
}

// RevocationSink receives a RevocationFeed's news. Its methods must be
// cheap and safe for concurrent use.
type RevocationSink interface {
	// Revoked records revocations.
	Revoked(rs ...Revocation)
	// CaughtUp says every revocation committed before at (a reading of
	// time.Now taken before the feed looked) has been passed to Revoked.
	CaughtUp(at time.Time)
	// Behind says the feed may be missing revocations (a poll failed, the
	// listener dropped): until the next CaughtUp, the sink must not trust
	// copies of sessions kept outside the store.
	Behind(err error)
}

// RevocationFeed is the optional ability of a store to tell every process
// using the same database which sessions were revoked, whoever revoked
// them (another process, or a Better Auth app on the same database). A
// store that has it is found by type assertion.
type RevocationFeed interface {
	// WatchRevocations delivers to sink the revocations made since since
	// and then as they happen, until ctx is done. It returns at once and
	// works in the background; it calls CaughtUp at least every
	// RevocationPoll while healthy, so a sink that hears nothing for longer
	// must assume the feed is stuck.
	WatchRevocations(ctx context.Context, since time.Time, sink RevocationSink) error
}

// RevocationPoll is the longest a healthy RevocationFeed waits between two
// CaughtUp calls.
const RevocationPoll = 100 * time.Millisecond

// ErrNoRevocationFeed is returned by WatchRevocations of a store that has
// the method but, as configured, no feed (store/secondary without a
// database copy of every session). The caller goes without one.
var ErrNoRevocationFeed = errors.New("store: no revocation feed in this configuration")
