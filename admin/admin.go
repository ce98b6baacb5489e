// Package admin is Better Auth's admin plugin's session rules for a
// sessionkit Manager: its user fields (role, banned, banReason,
// banExpires) and session field (impersonatedBy), the refusal of a banned
// user's sessions (new and existing), bans that revoke every session, and
// roles.
//
// Wire it in three lines:
//
//	opts := admin.Options{}
//	m, err := sessionkit.New(sessionkit.Config{Secret: secret, Fields: opts.Fields(appFields), Rules: []sessionkit.Rule{opts.Rule()}})
//	a, err := admin.New(m, opts)
//
// Handlers read the role with Session.Role and Session.HasRole; the
// middleware package's RequireRole gates routes on it.
//
// It is not the admin plugin's JSON API (ban-user, set-role, …: an app's
// own admin pages call Admin's methods), nor its access-control
// statements: a role is allowed or not, as AdminRoles says.
package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store"
)

// The admin plugin's field names, as Better Auth's schema has them.
const (
	FieldRole           = "role"
	FieldBanned         = "banned"
	FieldBanReason      = "banReason"
	FieldBanExpires     = "banExpires"
	FieldImpersonatedBy = "impersonatedBy"
)

// Better Auth's defaults and its refusal of a banned user.
const (
	DefaultRole              = "user"
	DefaultBanReason         = "No reason"
	DefaultBannedUserMessage = "You have been banned from this application. Please contact support if you believe this is an error."
	CodeBannedUser           = "BANNED_USER"
)

// DefaultAdminRoles are the roles Options.AdminRoles defaults to.
var DefaultAdminRoles = []string{"admin"}

// Errors of Admin's methods. Match them with errors.Is.
var (
	// ErrNotDeclared means the Manager's fields lack the admin plugin's
	// (see Options.Fields) or its store cannot keep fields.
	ErrNotDeclared = errors.New("admin: the Manager does not declare the admin plugin's fields")
	// ErrRevoke wraps the store's error when a ban is recorded but the
	// user's sessions could not all be revoked: call Ban again.
	ErrRevoke = errors.New("admin: ban recorded but sessions not revoked")
)

// Options are the admin plugin's options, with Better Auth's defaults.
type Options struct {
	// DefaultRole is the role given to every new user. Default "user".
	DefaultRole string
	// AdminRoles are the roles IsAdmin accepts. Default ["admin"].
	AdminRoles []string
	// BannedUserMessage is the message of the 403 BANNED_USER refusal.
	// Default DefaultBannedUserMessage.
	BannedUserMessage string
}

func (o Options) defaults() Options {
	if o.DefaultRole == "" {
		o.DefaultRole = DefaultRole
	}
	if len(o.AdminRoles) == 0 {
		o.AdminRoles = DefaultAdminRoles
	}
	if o.BannedUserMessage == "" {
		o.BannedUserMessage = DefaultBannedUserMessage
	}
	return o
}

// Fields returns the admin plugin's fields followed by app's, the order
// Better Auth's schema has them in (plugins first): give the result to
// sessionkit.Config.Fields and to the store's Options.Fields. As in
// Better Auth, no field is settable by clients (input: false) and none is
// required; a new user gets DefaultRole and banned false.
func (o Options) Fields(app store.AdditionalFields) store.AdditionalFields {
	o = o.defaults()
	return store.AdditionalFields{
		User: append([]store.Field{
			{Name: FieldRole, Type: store.FieldString, Default: o.DefaultRole},
			{Name: FieldBanned, Type: store.FieldBoolean, Default: false},
			{Name: FieldBanReason, Type: store.FieldString},
			{Name: FieldBanExpires, Type: store.FieldDate},
		}, app.User...),
		Session: append([]store.Field{
			{Name: FieldImpersonatedBy, Type: store.FieldString},
		}, app.Session...),
	}
}

// Banned reports whether u is banned at now: banned is true and
// banExpires is unset or not yet past (Better Auth lifts a ban whose
// banExpires is before now).
func Banned(u *store.User, now time.Time) bool {
	if !u.Fields.Bool(FieldBanned) {
		return false
	}
	exp := u.Fields.Time(FieldBanExpires)
	return exp.IsZero() || !exp.Before(now)
}

// Rule returns the sessionkit.Rule of the admin plugin, for
// sessionkit.Config.Rules:
//
//   - a banned user gets no new session: 403 BANNED_USER with
//     BannedUserMessage, as Better Auth's session.create hook refuses;
//     a ban whose banExpires has passed is lifted in the store first
//     (banned false, banReason and banExpires null) and the session is
//     created, as Better Auth does;
//   - a session whose user reads as banned (from the store or a cache
//     cookie) is refused, though a ban revokes every session: a ban
//     written to the database without revoking them is enforced too
//     (Better Auth does not check this; safer);
//   - list-sessions hides impersonated sessions, as Better Auth does.
func (o Options) Rule() sessionkit.Rule {
	o = o.defaults()
	return sessionkit.Rule{
		Name: "admin",
		BeforeCreate: func(ctx context.Context, st store.Store, u *store.User, now time.Time) error {
			if !u.Fields.Bool(FieldBanned) {
				return nil
			}
			if Banned(u, now) {
				return &sessionkit.RefusedError{Code: CodeBannedUser, Message: o.BannedUserMessage}
			}
			fs, ok := store.As[store.FieldStore](st)
			if !ok {
				return ErrNotDeclared
			}
			lifted, err := fs.UpdateUserFields(ctx, u.ID, unban, now)
			if err != nil {
				return fmt.Errorf("admin: lift expired ban: %w", err)
			}
			*u = lifted
			return nil
		},
		Admit: func(_ *store.Session, u *store.User, now time.Time) error {
			if Banned(u, now) {
				return errBanned
			}
			return nil
		},
		Listed: func(s *store.Session) bool { return s.Fields.String(FieldImpersonatedBy) == "" },
	}
}

var errBanned = errors.New("admin: user is banned")

// unban is the update that lifts a ban, Better Auth's.
var unban = map[string]any{FieldBanned: false, FieldBanReason: nil, FieldBanExpires: nil}

// Admin bans, unbans and sets roles through a Manager. Create it with New.
type Admin struct {
	m  *sessionkit.Manager
	fs store.FieldStore
	o  Options
}

// New returns an Admin for m, which must declare the admin plugin's
// fields (Options.Fields) on a store that keeps them; otherwise
// ErrNotDeclared. m's Config.Rules should hold o.Rule(): without it bans
// are recorded and revoke sessions but do not stop new sign-ins.
func New(m *sessionkit.Manager, o Options) (*Admin, error) {
	fs, ok := store.As[store.FieldStore](m.Store())
	if !ok {
		return nil, ErrNotDeclared
	}
	declared := m.Fields()
	for _, name := range []string{FieldRole, FieldBanned, FieldBanReason, FieldBanExpires} {
		if !slices.ContainsFunc(declared.User, func(f store.Field) bool { return f.Name == name }) {
			return nil, fmt.Errorf("%w: user field %q", ErrNotDeclared, name)
		}
	}
	if !slices.ContainsFunc(declared.Session, func(f store.Field) bool { return f.Name == FieldImpersonatedBy }) {
		return nil, fmt.Errorf("%w: session field %q", ErrNotDeclared, FieldImpersonatedBy)
	}
	return &Admin{m: m, fs: fs, o: o.defaults()}, nil
}

// Ban records a ban of the user (banned true, banReason — "" means
// DefaultBanReason —, banExpires now+expiresIn, or none when expiresIn is
// 0), then revokes every session of the user, as Better Auth's ban-user
// does. It fails closed: when the revocation fails, the ban stays recorded
// (so no new session is created, and no session is answered from the
// store) and the error wraps ErrRevoke: call Ban again. A missing user is
// store.ErrNotFound.
func (a *Admin) Ban(ctx context.Context, userID, reason string, expiresIn time.Duration) (store.User, error) {
	if reason == "" {
		reason = DefaultBanReason
	}
	now := a.m.Now()
	var expires any
	if expiresIn > 0 {
		expires = now.Add(expiresIn)
	}
	u, err := a.fs.UpdateUserFields(ctx, userID, map[string]any{FieldBanned: true, FieldBanReason: reason, FieldBanExpires: expires}, now)
	if err != nil {
		return store.User{}, fmt.Errorf("admin: ban: %w", err)
	}
	if err := a.m.RevokeAllSessions(ctx, userID); err != nil {
		return u, fmt.Errorf("%w: %w", ErrRevoke, err)
	}
	return u, nil
}

// Unban lifts the user's ban (banned false, banReason and banExpires
// null), as Better Auth's unban-user does. Sessions revoked by the ban
// stay revoked.
func (a *Admin) Unban(ctx context.Context, userID string) (store.User, error) {
	u, err := a.fs.UpdateUserFields(ctx, userID, unban, a.m.Now())
	if err != nil {
		return store.User{}, fmt.Errorf("admin: unban: %w", err)
	}
	return u, nil
}

// SetRole sets the user's roles, stored comma-separated as Better Auth's
// set-role stores an array ("admin,user"). At least one role is needed,
// and a role cannot be empty or contain a comma.
func (a *Admin) SetRole(ctx context.Context, userID string, roles ...string) (store.User, error) {
	if len(roles) == 0 || slices.ContainsFunc(roles, func(r string) bool { return strings.TrimSpace(r) == "" || strings.Contains(r, ",") }) {
		return store.User{}, fmt.Errorf("admin: set role: %w: roles %q", store.ErrInvalid, roles)
	}
	u, err := a.fs.UpdateUserFields(ctx, userID, map[string]any{FieldRole: strings.Join(roles, ",")}, a.m.Now())
	if err != nil {
		return store.User{}, fmt.Errorf("admin: set role: %w", err)
	}
	return u, nil
}

// IsAdmin reports whether s's user has one of AdminRoles. A user whose
// role is null counts as DefaultRole, as Better Auth's permission check
// reads it.
func (a *Admin) IsAdmin(s *sessionkit.Session) bool {
	if s.Role() == "" {
		return slices.Contains(a.o.AdminRoles, a.o.DefaultRole)
	}
	return s.HasRole(a.o.AdminRoles...)
}

// ListUserSessions returns the user's live sessions, impersonated ones
// included, oldest first: Better Auth's list-user-sessions.
func (a *Admin) ListUserSessions(ctx context.Context, userID string) ([]store.Session, error) {
	list, err := a.m.Store().ListSessions(ctx, userID, a.m.Now())
	if err != nil {
		return nil, fmt.Errorf("admin: list user sessions: %w", err)
	}
	return list, nil
}

// RevokeUserSession ends the session with that token, whoever's it is:
// Better Auth's revoke-user-session. An unknown token is not an error.
func (a *Admin) RevokeUserSession(ctx context.Context, token string) error {
	s, _, err := a.m.Store().SessionByToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("admin: revoke user session: %w", err)
	}
	return a.m.RevokeSession(ctx, s.UserID, token)
}

// RevokeUserSessions ends every session of the user: Better Auth's
// revoke-user-sessions.
func (a *Admin) RevokeUserSessions(ctx context.Context, userID string) error {
	return a.m.RevokeAllSessions(ctx, userID)
}
