package social

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/oauthcookie"
	"github.com/sessionkit/sessionkit/store"
)

// CookieState is the StateStore of Better Auth's storeStateStrategy
// "cookie", its default without a database: the State encrypted in the
// oauth_state cookie (Manager.SetOAuthState), ten minutes, and nothing on
// the server. The callback's state parameter must be the one the cookie
// was minted for; the cookie is expired once used.
//
// A cookie cannot be used up on the server as a verification row can: a
// copied cookie and state pair stays usable for its ten minutes. What a
// replay of the callback lacks is a fresh authorization code, which only
// the provider issues (once) for this flow's PKCE challenge.
type CookieState struct {
	m *sessionkit.Manager
}

// NewCookieState returns the CookieState of m: its secrets encrypt the
// cookie, its prefix and attributes name and scope it.
func NewCookieState(m *sessionkit.Manager) *CookieState { return &CookieState{m: m} }

// Save implements StateStore.
func (c *CookieState) Save(_ context.Context, w http.ResponseWriter, _ *http.Request, st State) error {
	cs := &oauthcookie.State{
		CallbackURL: st.CallbackURL, CodeVerifier: st.CodeVerifier, ErrorURL: st.ErrorURL,
		NewUserURL: st.NewUserURL, ExpiresAt: time.UnixMilli(st.ExpiresAt).UTC(),
		OAuthState: st.OAuthState, RequestSignUp: st.RequestSignUp, IDTokenNonce: st.IDTokenNonce,
	}
	if st.Link != nil {
		cs.Link = &oauthcookie.Link{Email: st.Link.Email, UserID: st.Link.UserID, EncryptedSessionToken: st.Link.EncryptedSessionToken}
	}
	if _, err := c.m.SetOAuthState(w, cs); err != nil {
		return fmt.Errorf("social: save state: %w", err)
	}
	return nil
}

// Take implements StateStore. No cookie, one that does not decrypt, or an
// expired one is ErrStateNotFound; one minted for another state is
// ErrStateMismatch, and is kept, so that a forged callback does not end
// the sign-in the browser has in flight.
func (c *CookieState) Take(_ context.Context, w http.ResponseWriter, r *http.Request, state string) (State, error) {
	cs, err := c.m.TakeOAuthState(w, r, state)
	switch {
	case errors.Is(err, oauthcookie.ErrStateMismatch):
		return State{}, fmt.Errorf("social: %w: the state cookie names another state", ErrStateMismatch)
	case err != nil:
		return State{}, fmt.Errorf("social: %w: state cookie: %v", ErrStateNotFound, err)
	}
	st := State{
		CallbackURL: cs.CallbackURL, CodeVerifier: cs.CodeVerifier, ErrorURL: cs.ErrorURL,
		NewUserURL: cs.NewUserURL, ExpiresAt: cs.ExpiresAt.UnixMilli(), RequestSignUp: cs.RequestSignUp,
		IDTokenNonce: cs.IDTokenNonce, OAuthState: cs.OAuthState,
	}
	if cs.Link != nil {
		st.Link = &StateLink{Email: cs.Link.Email, UserID: cs.Link.UserID, EncryptedSessionToken: cs.Link.EncryptedSessionToken}
	}
	return st, nil
}

// CookieAccounts is the AccountStore of Better Auth's
// account.storeAccountCookie: every account the callback creates, links
// or refreshes is written to the encrypted account_data cookie
// (Manager.SetAccountCookie), so that the app reads the provider's tokens
// (AccessToken) without a database. Rows, when not nil, also keeps the
// accounts (DatabaseAccounts: Better Auth with a database and the cookie);
// it is then the one Find asks.
//
// With Rows nil the account lives in the browser alone: a user coming back
// on another browser is found by e-mail and linked again under the linking
// rules (Config.TrustedProviders, a verified e-mail). Users themselves are
// always created in the Manager's store.
type CookieAccounts struct {
	m    *sessionkit.Manager
	rows AccountStore
}

// NewCookieAccounts returns the CookieAccounts of m, keeping rows too when
// rows is not nil.
func NewCookieAccounts(m *sessionkit.Manager, rows AccountStore) *CookieAccounts {
	return &CookieAccounts{m: m, rows: rows}
}

// cookie returns the request's account cookie, or nil when it has none
// that is valid.
func (c *CookieAccounts) cookie(r *http.Request) *oauthcookie.Account {
	a, err := c.m.AccountCookie(r)
	if err != nil {
		return nil
	}
	return a
}

// Find implements AccountStore: Rows when set, else the request's account
// cookie when it holds that very account.
func (c *CookieAccounts) Find(ctx context.Context, r *http.Request, providerID, accountID string) (store.Account, error) {
	if c.rows != nil {
		return c.rows.Find(ctx, r, providerID, accountID)
	}
	if a := c.cookie(r); a != nil && a.ProviderID == providerID && a.AccountID == accountID {
		return a.Account, nil
	}
	return store.Account{}, fmt.Errorf("social: account cookie: %w", store.ErrNotFound)
}

// CreateUser implements AccountStore: the user (with a in Rows, when set)
// goes to the store first, then a into the cookie.
func (c *CookieAccounts) CreateUser(ctx context.Context, w http.ResponseWriter, r *http.Request, u store.User, a store.Account) error {
	var err error
	if c.rows != nil {
		err = c.rows.CreateUser(ctx, w, r, u, a)
	} else {
		err = c.m.Store().CreateUser(ctx, u)
	}
	if err != nil {
		return err
	}
	return c.m.SetAccountCookie(w, r, &oauthcookie.Account{Account: a})
}

// Link implements AccountStore.
func (c *CookieAccounts) Link(ctx context.Context, w http.ResponseWriter, r *http.Request, a store.Account) error {
	if c.rows != nil {
		if err := c.rows.Link(ctx, w, r, a); err != nil {
			return err
		}
	}
	return c.m.SetAccountCookie(w, r, &oauthcookie.Account{Account: a})
}

// Update implements AccountStore: the fresh tokens go to Rows, when set,
// and into the cookie. As store.AccountStore.UpdateAccountTokens, empty
// tokens and zero times keep the value they would replace, and the scope
// is kept.
func (c *CookieAccounts) Update(ctx context.Context, w http.ResponseWriter, r *http.Request, a store.Account) (store.Account, error) {
	out := &oauthcookie.Account{Account: a}
	if c.rows != nil {
		updated, err := c.rows.Update(ctx, w, r, a)
		if err != nil {
			return store.Account{}, err
		}
		out.Account = updated
	} else if old := c.cookie(r); old != nil && old.ID == a.ID && old.UserID == a.UserID {
		out.Account = mergeTokens(old.Account, a)
		out.Extra = old.Extra
	}
	if err := c.m.SetAccountCookie(w, r, out); err != nil {
		return store.Account{}, err
	}
	return out.Account, nil
}

// UserAccount returns the user's account with providerID: the request's
// account cookie when it holds it, else Rows' (when it can tell).
func (c *CookieAccounts) UserAccount(ctx context.Context, r *http.Request, userID, providerID string) (store.Account, error) {
	if a := c.cookie(r); a != nil && a.UserID == userID && a.ProviderID == providerID {
		return a.Account, nil
	}
	if f, ok := c.rows.(userAccounts); ok {
		return f.UserAccount(ctx, r, userID, providerID)
	}
	return store.Account{}, fmt.Errorf("social: account cookie: %w", store.ErrNotFound)
}

// mergeTokens is old with a's tokens, expiries and updatedAt, keeping
// old's where a has none, and old's scope.
func mergeTokens(old, a store.Account) store.Account {
	keep := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	keepT := func(dst *time.Time, v time.Time) {
		if !v.IsZero() {
			*dst = v
		}
	}
	keep(&old.AccessToken, a.AccessToken)
	keep(&old.RefreshToken, a.RefreshToken)
	keep(&old.IDToken, a.IDToken)
	keepT(&old.AccessTokenExpiresAt, a.AccessTokenExpiresAt)
	keepT(&old.RefreshTokenExpiresAt, a.RefreshTokenExpiresAt)
	keepT(&old.UpdatedAt, a.UpdatedAt)
	return old
}
