package social

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store"
)

// Errors of AccessToken. Match them with errors.Is.
var (
	// ErrNoSession means the request has no session (no middleware.Load in
	// front, or nobody signed in).
	ErrNoSession = errors.New("social: no session")
	// ErrNoAccount means the signed-in user has no account with that
	// provider where the Handler's AccountStore looks (for CookieAccounts:
	// in this browser's account cookie). Better Auth's ACCOUNT_NOT_FOUND.
	ErrNoAccount = errors.New("social: no account with that provider")
	// ErrTokenExpired means the access token has expired and cannot be
	// refreshed (no refresh token, or the provider refused it): the user
	// must sign in with the provider again. Better Auth's
	// FAILED_TO_GET_ACCESS_TOKEN.
	ErrTokenExpired = errors.New("social: access token expired and not refreshable")
)

// refreshMargin is how close to its expiry a token is refreshed: Better
// Auth's five seconds.
const refreshMargin = 5 * time.Second

// AccessToken is a provider access token that is valid now.
type AccessToken struct {
	AccessToken string
	// ExpiresAt is zero when the provider did not say.
	ExpiresAt time.Time
	// Scopes granted, as the account row keeps them.
	Scopes []string
	// IDToken is the latest ID token, "" when none.
	IDToken string
}

// userAccounts is the ability to find a user's account by provider, which
// DatabaseAccounts and CookieAccounts have.
type userAccounts interface {
	UserAccount(ctx context.Context, r *http.Request, userID, providerID string) (store.Account, error)
}

// UserAccount returns the user's oldest account with providerID.
func (d *DatabaseAccounts) UserAccount(ctx context.Context, _ *http.Request, userID, providerID string) (store.Account, error) {
	return d.a.UserAccount(ctx, userID, providerID)
}

// AccessToken returns a valid access token of the signed-in user's account
// with providerID: Better Auth's getAccessToken. The session is the one
// middleware.Load put in r's context; the account comes from the
// Handler's AccountStore (the account_data cookie with CookieAccounts, the
// `account` table with DatabaseAccounts) and must belong to that user.
//
// A token that expires within five seconds is refreshed at the provider's
// token endpoint (golang.org/x/oauth2) and the fresh tokens are stored
// through the AccountStore's Update before the token is returned; with
// CookieAccounts that re-mints the account_data cookie on w, so call it
// before the response's first byte. Fail closed: a token past its expiry
// is never returned; a refused or failed refresh is ErrTokenExpired (or
// the provider's error), a failed Update is that error.
func (h *Handler) AccessToken(w http.ResponseWriter, r *http.Request, providerID string) (AccessToken, error) {
	ctx := r.Context()
	sess, ok := sessionkit.FromContext(ctx)
	if !ok || sess == nil {
		if err := sessionkit.LookupError(ctx); err != nil {
			return AccessToken{}, err
		}
		return AccessToken{}, ErrNoSession
	}
	finder, ok := h.accounts.(userAccounts)
	if !ok {
		return AccessToken{}, fmt.Errorf("social: the AccountStore %T cannot find a user's account", h.accounts)
	}
	a, err := finder.UserAccount(ctx, r, sess.User.ID, providerID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return AccessToken{}, ErrNoAccount
	case err != nil:
		return AccessToken{}, fmt.Errorf("social: access token: %w", err)
	}
	if a.UserID != sess.User.ID || a.ProviderID != providerID {
		return AccessToken{}, ErrNoAccount
	}
	now := h.m.Now()
	if !a.AccessTokenExpiresAt.IsZero() && a.AccessTokenExpiresAt.Sub(now) < refreshMargin {
		if a.RefreshToken == "" {
			return AccessToken{}, ErrTokenExpired
		}
		fresh, err := h.refreshOnce(ctx, a)
		if err != nil {
			h.log.WarnContext(ctx, "social: token refresh failed", "provider", providerID, "err", err)
			return AccessToken{}, fmt.Errorf("%w: %v", ErrTokenExpired, err)
		}
		if a, err = h.accounts.Update(ctx, w, r, fresh); err != nil {
			h.m.LogStoreError(ctx, "social: store refreshed tokens", err)
			return AccessToken{}, fmt.Errorf("social: access token: %w", err)
		}
		if a.AccessToken == "" || !a.AccessTokenExpiresAt.IsZero() && !a.AccessTokenExpiresAt.After(now) {
			return AccessToken{}, ErrTokenExpired
		}
	}
	if a.AccessToken == "" {
		return AccessToken{}, ErrTokenExpired
	}
	out := AccessToken{AccessToken: a.AccessToken, ExpiresAt: a.AccessTokenExpiresAt, IDToken: a.IDToken}
	if a.Scope != "" {
		out.Scopes = strings.Split(a.Scope, ",")
	}
	return out, nil
}

// refreshOnce is Refresh, shared by the concurrent requests that refresh
// the same refresh token: a provider that rotates refresh tokens accepts
// each one once.
func (h *Handler) refreshOnce(ctx context.Context, a store.Account) (store.Account, error) {
	key := a.ProviderID + "\x00" + a.AccountID + "\x00" + a.RefreshToken
	v, err, _ := h.refreshes.Do(key, func() (any, error) {
		// Detached from one caller's cancellation: the others wait too.
		return h.Refresh(context.WithoutCancel(ctx), a)
	})
	if err != nil {
		return store.Account{}, err
	}
	return v.(store.Account), nil
}
