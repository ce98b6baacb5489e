// Package account is Better Auth's email-and-password accounts on top of a
// sessionkit.Manager: sign-up and password checks (scrypt, bounded by a
// hashing gate and rate limits per client and per account), input
// validation, and Better Auth's JSON API (Handler) that Better Auth's
// client speaks. It uses only the Manager's exported API: the session
// lifecycle (cookies, lookups, revocation) stays in package sessionkit.
package account

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/admin"
	"github.com/sessionkit/sessionkit/internal/loglimit"
	"github.com/sessionkit/sessionkit/password"
	"github.com/sessionkit/sessionkit/store"
)

// Errors returned by Accounts. Match them with errors.Is.
var (
	// ErrInvalidCredentials means an email and password did not match.
	ErrInvalidCredentials = errors.New("account: invalid email or password")
	// ErrEmailTaken means sign-up found the email already registered.
	ErrEmailTaken = errors.New("account: email already registered")
	// ErrNoCredentials means the store cannot keep passwords (it does not
	// implement store.CredentialStore).
	ErrNoCredentials = errors.New("account: store keeps no passwords")
)

// Config configures Accounts. The zero value is Better Auth's defaults.
type Config struct {
	// BasePath is the path Handler serves the endpoints under. Mount the
	// handler there: mux.Handle(BasePath+"/", h). Default "/api/auth";
	// "/" serves them at the root.
	BasePath string
	// TrustedOrigins are the other origins ("https://app.example.com", no
	// path) whose pages may send state-changing requests and be named as a
	// callbackURL, such as a front end served from another host. The
	// Manager's BaseURL origin and non-browser clients need no entry.
	// Unlike Better Auth, patterns with wildcards are not supported.
	TrustedOrigins []string

	// MaxConcurrentHashes bounds the scrypt password hashes (sign-up,
	// sign-in, CheckPassword) running at once: each holds ~32 MiB and a
	// core for tens of milliseconds, so unbounded sign-ins exhaust memory.
	// Default: GOMAXPROCS, at least 2 (more at once adds memory, not
	// throughput). Up to 8 requests per slot wait for one, each at most
	// HashWait; the others fail at once with ErrBusy (503 in the JSON API).
	MaxConcurrentHashes int
	// HashWait is how long a request waits for a hashing slot before
	// failing with ErrBusy. Default 2 seconds; sessionkit.Disabled never
	// waits.
	HashWait time.Duration

	// RateLimit limits requests per client IP and path, and password
	// checks per account. On by default with Better Auth's rules; see
	// RateLimit.
	RateLimit RateLimit

	// Hooks are the app's callbacks on user events. See Hooks.
	Hooks Hooks

	// Plugins add endpoints and hooks to Handler, as Better Auth's server
	// plugins do (package multisession is one). See Plugin.
	Plugins []Plugin

	// Admin, when set, serves Better Auth's admin plugin's session
	// endpoints under BasePath: POST /admin/ban-user, /admin/unban-user,
	// /admin/set-role, /admin/list-user-sessions,
	// /admin/revoke-user-session and /admin/revoke-user-sessions, with its
	// bodies, answers and codes, for callers whose session (read from the
	// store) has one of the admin roles (admin.Admin.IsAdmin). Default:
	// not served.
	Admin *admin.Admin

	// EnableDeleteUser serves POST /delete-user, Better Auth's
	// user.deleteUser.enabled. Off by default, as in Better Auth, where it
	// then answers 404: deleting an account is for apps that offer it.
	// Accounts.DeleteUser works either way.
	EnableDeleteUser bool
}

// Accounts creates users, checks passwords and serves the JSON API for one
// Manager. It is safe for concurrent use.
type Accounts struct {
	m       *sessionkit.Manager
	base    string
	trusted []string
	hashes  *hashGate
	limits  rateLimits
	hooks   Hooks
	rateLog *loglimit.Limiter // EventRateLimited lines

	deleteEnabled bool
	plugins       []Plugin
	admin         *admin.Admin
}

// New checks cfg and returns the Accounts of m. Every error wraps
// sessionkit.ErrConfig.
func New(m *sessionkit.Manager, cfg Config) (*Accounts, error) {
	a := &Accounts{m: m, base: basePath(cfg.BasePath), trusted: cfg.TrustedOrigins, hooks: cfg.Hooks, rateLog: newRateLimitLog(),
		deleteEnabled: cfg.EnableDeleteUser, plugins: cfg.Plugins, admin: cfg.Admin}
	if err := checkPlugins(cfg.Plugins); err != nil {
		return nil, err
	}
	for _, origin := range cfg.TrustedOrigins {
		// The form http.CrossOriginProtection accepts, and a real origin.
		if err := http.NewCrossOriginProtection().AddTrustedOrigin(strings.TrimSuffix(origin, "/")); err != nil || originOf(origin) == "" {
			return nil, fmt.Errorf("%w: TrustedOrigins: %q is not of the form scheme://host[:port]", sessionkit.ErrConfig, origin)
		}
	}
	n := cfg.MaxConcurrentHashes
	switch {
	case n == 0:
		n = defaultMaxHashes()
	case n < 0:
		return nil, fmt.Errorf("%w: MaxConcurrentHashes %d is negative", sessionkit.ErrConfig, n)
	}
	wait := cfg.HashWait
	switch {
	case wait == 0:
		wait = DefaultHashWait
	case wait == sessionkit.Disabled:
		wait = 0
	case wait < 0:
		return nil, fmt.Errorf("%w: HashWait must be positive, zero (default) or sessionkit.Disabled", sessionkit.ErrConfig)
	}
	a.hashes = newHashGate(n, wait)
	limits, err := resolveRateLimit(cfg.RateLimit, m.Store())
	if err != nil {
		return nil, err
	}
	a.limits = limits
	return a, nil
}

// basePath normalizes Config.BasePath: "/api/auth" by default, "" for the
// root.
func basePath(p string) string {
	if p == "" {
		p = DefaultBasePath
	}
	p = "/" + strings.Trim(p, "/")
	if p == "/" {
		return ""
	}
	return p
}

// CreateUser registers a user with name and email (and, when pw is not
// empty, a password in Better Auth's format). It returns ErrEmailTaken when
// the email is registered already. See CreateUserWith for more fields.
func (a *Accounts) CreateUser(ctx context.Context, name, email, pw string) (store.User, error) {
	return a.CreateUserWith(ctx, NewUser{Name: name, Email: email, Password: pw})
}

// NewUser is what CreateUserWith registers.
type NewUser struct {
	Name, Email string
	Password    string // optional; hashed in Better Auth's scrypt format
	Image       string // optional URL
	// Fields are values of the user's additional fields
	// (Manager.Fields().User). Fields left out get their defaults; a
	// required field without one, or a value of the wrong type, is an
	// *InputError (MISSING_FIELD, VALIDATION_ERROR). Go code may set any
	// declared field, Input or not: only the JSON API checks Input.
	Fields map[string]any
}

// CreateUserWith registers a user. The name and email are trimmed and the
// email lower-cased; input ValidateUser or (for a non-empty password)
// ValidatePassword refuses is an *InputError matching store.ErrInvalid, a
// registered email ErrEmailTaken, a password with a store that keeps none
// ErrNoCredentials, a password while every hashing slot is taken ErrBusy.
func (a *Accounts) CreateUserWith(ctx context.Context, nu NewUser) (store.User, error) {
	name, email := strings.TrimSpace(nu.Name), strings.ToLower(strings.TrimSpace(nu.Email))
	if err := ValidateUser(name, email, nu.Image); err != nil {
		return store.User{}, err
	}
	if nu.Password != "" {
		if err := ValidatePassword(nu.Password); err != nil {
			return store.User{}, err
		}
	}
	fields, err := store.NewFields(a.m.Fields().User, nu.Fields)
	if err == nil {
		fields, err = fields.Complete()
	}
	if err != nil {
		return store.User{}, fieldError(err)
	}
	st := a.m.Store()
	cs, hasCreds := store.As[store.CredentialStore](st)
	var hash string
	if nu.Password != "" {
		if !hasCreds {
			return store.User{}, ErrNoCredentials
		}
		var err error
		if gerr := a.hashes.do(ctx, func() { hash, err = password.Hash(nu.Password) }); gerr != nil {
			return store.User{}, fmt.Errorf("account: create user: %w", gerr)
		}
		if err != nil {
			return store.User{}, fmt.Errorf("account: create user: %w", err)
		}
	}
	now := a.m.Now()
	u := store.User{ID: store.NewID(), Name: name, Email: email, Image: nu.Image, CreatedAt: now, UpdatedAt: now, Fields: fields}
	if hash != "" {
		// One transaction: a user without its password could neither sign
		// up again (email taken) nor sign in.
		err = cs.CreateUserWithPassword(ctx, u, hash)
	} else {
		err = st.CreateUser(ctx, u)
	}
	if err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return store.User{}, ErrEmailTaken
		}
		return store.User{}, fmt.Errorf("account: create user: %w", err)
	}
	a.userCreated(ctx, &u)
	return u, nil
}

// CheckPassword returns the user whose email and password match, or
// ErrInvalidCredentials. An unknown email costs the same scrypt work as a
// wrong password, so timing does not reveal which emails are registered.
// Checks of one email are rate limited (RateLimit.Account) whatever the
// caller's address: over the limit it returns a *RateLimitError. Sign-in
// forms should call CheckPasswordRequest, which limits per address too.
func (a *Accounts) CheckPassword(ctx context.Context, email, pw string) (store.User, error) {
	st := a.m.Store()
	cs, ok := store.As[store.CredentialStore](st)
	if !ok {
		return store.User{}, ErrNoCredentials
	}
	if len(email) > MaxEmailLength {
		a.signInFailed(ctx, email, ReasonUnknownEmail)
		return store.User{}, ErrInvalidCredentials // no such account can exist
	}
	if err := a.limitAccount(ctx, email); err != nil {
		return store.User{}, err
	}
	u, err := st.UserByEmail(ctx, strings.TrimSpace(email))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, fmt.Errorf("account: check password: %w", err)
	}
	hash := dummyHash
	if err == nil {
		h, herr := cs.PasswordHash(ctx, u.ID)
		switch {
		case herr == nil:
			hash = h
		case !errors.Is(herr, store.ErrNotFound):
			return store.User{}, fmt.Errorf("account: check password: %w", herr)
		}
	}
	var match bool
	var verr error
	if err := a.hashes.do(ctx, func() { match, verr = password.Verify(hash, pw) }); err != nil {
		return store.User{}, fmt.Errorf("account: check password: %w", err)
	}
	if err != nil || verr != nil || !match || hash == dummyHash {
		a.signInFailed(ctx, email, failReason(err == nil, hash != dummyHash, verr))
		return store.User{}, ErrInvalidCredentials
	}
	return u, nil
}

// dummyHash is verified against when the email is unknown, so that path
// costs one scrypt like the others.
const dummyHash = "00000000000000000000000000000000:" +
	"00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
