package sessionkit

import (
	"context"
	"fmt"
)

// ctxKey is the context key of the session state: an unexported type, so no
// other package can collide with it. It is one key for the process, shared
// by every Manager: see NewContext.
type ctxKey struct{}

// state is what middleware.Load records for a request. It is itself the
// request's context, its parent plus the one key (what context.WithValue
// builds, in one allocation instead of two).
type state struct {
	context.Context
	sess *Session
	err  error // a store failure, not "no session"
}

// Value returns the state for ctxKey and asks the parent for any other key.
func (s *state) Value(key any) any {
	if _, ok := key.(ctxKey); ok {
		return s
	}
	return s.Context.Value(key)
}

// String describes the context as context.WithValue's does, without
// printing the session.
func (s *state) String() string {
	if p, ok := s.Context.(fmt.Stringer); ok {
		return p.String() + ".WithValue(sessionkit.ctxKey, session)"
	}
	return "context.WithValue(sessionkit.ctxKey, session)"
}

// NewContext returns ctx carrying the outcome of a session lookup: the
// session (nil for none) and the store error, if the lookup failed. It is
// for middleware.Load and for tests; handlers use FromContext.
//
// The context holds one session, whichever Manager read it: a request that
// passes the Load of two Managers carries the last one's. Apps with two
// Managers (two cookie prefixes, say) mount each Load on its own routes.
func NewContext(ctx context.Context, sess *Session, err error) context.Context {
	if ctx == nil {
		panic("sessionkit: NewContext with a nil context")
	}
	return &state{Context: ctx, sess: sess, err: err}
}

// FromContext returns the request's session, put there by middleware.Load,
// and whether there is one.
func FromContext(ctx context.Context) (*Session, bool) {
	st, _ := ctx.Value(ctxKey{}).(*state)
	if st == nil || st.sess == nil {
		return nil, false
	}
	return st.sess, true
}

// LookupError returns the store error that kept middleware.Load from
// reading the request's session, or nil. A request without a session has
// no error; one whose session could not be read because the store failed
// has one, and gated routes answer 503 rather than treating it as signed out.
func LookupError(ctx context.Context) error {
	st, _ := ctx.Value(ctxKey{}).(*state)
	if st == nil {
		return nil
	}
	return st.err
}

// Loaded reports whether middleware.Load (or NewContext) has read the
// request's session, whatever it found: false means no Load ran, a wiring
// mistake that gates report rather than treat as signed out.
func Loaded(ctx context.Context) bool {
	st, _ := ctx.Value(ctxKey{}).(*state)
	return st != nil
}
