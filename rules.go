package sessionkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// Rule is a plugin's rule on sessions, such as package admin's bans: a
// check that every new session passes, one that every session a lookup
// finds passes, and which sessions ListSessions shows. Each func is
// optional. Rules run in the order of Config.Rules, before Hooks.
//
// Rules are part of the Manager rather than of the handlers because the
// Manager is the only place that creates and reads sessions: a rule there
// cannot be missed by a sign-in path (password, sign-up, a social or
// multi-session handler, an app's own SignIn call).
type Rule struct {
	// Name names the rule in events ("admin").
	Name string
	// BeforeCreate runs in SignIn, the only place sessions are created,
	// before the session is stored. Return a *RefusedError (or an error
	// wrapping ErrSessionRefused) to refuse the session: no row, no cookie,
	// and the JSON API answers 403 with its code. Any other error is a
	// store failure: SignIn fails with it, and nothing is created. It may
	// write the user through st (Better Auth's admin plugin lifts an
	// expired ban here) and then update *u to what it wrote.
	BeforeCreate func(ctx context.Context, st store.Store, u *store.User, now time.Time) error
	// Admit runs on every session a lookup is about to answer, read from
	// the store or from a cache cookie, and must not block (no store
	// call). A non-nil error makes the lookup answer no session and clear
	// its cookies; a refused cache cookie is first checked against the
	// store, which decides.
	Admit func(s *store.Session, u *store.User, now time.Time) error
	// Listed reports whether ListSessions (the JSON API's list-sessions)
	// shows s. Default: every session.
	Listed func(s *store.Session) bool
}

// Better Auth's admin plugin fields that Session's accessors read.
const (
	fieldRole           = "role"
	fieldImpersonatedBy = "impersonatedBy"
)

// Role returns the user's role field as stored (Better Auth's admin plugin
// writes several roles comma-separated: "admin,user"), or "" when the
// field is not declared or null.
func (s *Session) Role() string { return s.User.Fields.String(fieldRole) }

// HasRole reports whether one of the user's roles (the comma-separated
// list in the role field) is one of roles. Roles compare exactly, spaces
// included, as Better Auth's permission check splits them: " admin" is
// not "admin".
func (s *Session) HasRole(roles ...string) bool {
	for have := range strings.SplitSeq(s.Role(), ",") {
		if have != "" && slices.Contains(roles, have) {
			return true
		}
	}
	return false
}

// ImpersonatedBy returns the id of the admin who started this session
// by impersonating its user (Better Auth's admin plugin's session field
// impersonatedBy), or "" for a session the user signed in to.
func (s *Session) ImpersonatedBy() string { return s.Session.Fields.String(fieldImpersonatedBy) }

// ruleBeforeCreate runs every Rule.BeforeCreate for a new session of u.
func (m *Manager) ruleBeforeCreate(ctx context.Context, u *store.User, now time.Time) error {
	for i := range m.s.Rules {
		r := &m.s.Rules[i]
		if r.BeforeCreate == nil {
			continue
		}
		err := r.BeforeCreate(ctx, m.store, u, now)
		if err == nil {
			continue
		}
		if errors.Is(err, ErrSessionRefused) {
			m.s.Logger.WarnContext(ctx, EventSessionRefused, slog.String("user_id", u.ID), slog.String("rule", r.Name), slog.String("reason", err.Error()))
			return fmt.Errorf("sessionkit: sign in: %w", err)
		}
		return fmt.Errorf("sessionkit: sign in: rule %s: %w", r.Name, err)
	}
	return nil
}

// admitted reports whether every Rule.Admit lets the session through.
func (m *Manager) admitted(s *Session, now time.Time) bool {
	for i := range m.s.Rules {
		if a := m.s.Rules[i].Admit; a != nil && a(&s.Session, &s.User, now) != nil {
			return false
		}
	}
	return true
}

// listed keeps the sessions every Rule.Listed shows.
func (m *Manager) listed(list []store.Session) []store.Session {
	for i := range m.s.Rules {
		if l := m.s.Rules[i].Listed; l != nil {
			list = slices.DeleteFunc(list, func(s store.Session) bool { return !l(&s) })
		}
	}
	return list
}
