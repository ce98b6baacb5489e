package social

import (
	"context"
	"net/http"

	"github.com/sessionkit/sessionkit/store"
)

// Account is a provider account: a row of Better Auth's `account` table.
type Account = store.Account

// AccountStore keeps the provider accounts linked to users.
// DatabaseAccounts keeps them in the `account` table of the Manager's
// store; a stateless app may keep them in a cookie. Users are always in
// the Manager's store. The request and response are those of the
// callback, for implementations that keep accounts in cookies; the
// callback writes no byte of its own before these calls return.
type AccountStore interface {
	// Find returns the account with that provider and provider account
	// id, or store.ErrNotFound (wrapped).
	Find(ctx context.Context, r *http.Request, providerID, accountID string) (store.Account, error)
	// CreateUser creates u with its first account a (a.UserID == u.ID),
	// both or neither.
	CreateUser(ctx context.Context, w http.ResponseWriter, r *http.Request, u store.User, a store.Account) error
	// Link adds a to an existing user (a.UserID).
	Link(ctx context.Context, w http.ResponseWriter, r *http.Request, a store.Account) error
	// Update stores the fresh tokens of an account already linked (a.ID),
	// as store.AccountStore.UpdateAccountTokens does, and returns it.
	Update(ctx context.Context, w http.ResponseWriter, r *http.Request, a store.Account) (store.Account, error)
}
