package social

import (
	"context"
	"fmt"
	"net/http"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store"
)

// DatabaseAccounts is the AccountStore of the Manager's store: Better
// Auth's `account` table, shared with a Better Auth app on the same
// database.
type DatabaseAccounts struct {
	a store.AccountStore
}

// NewDatabaseAccounts returns the DatabaseAccounts of m's store, or an
// error wrapping sessionkit.ErrConfig when the store keeps no accounts.
func NewDatabaseAccounts(m *sessionkit.Manager) (*DatabaseAccounts, error) {
	a, ok := store.As[store.AccountStore](m.Store())
	if !ok {
		return nil, fmt.Errorf("%w: social: the store keeps no accounts (store.AccountStore)", sessionkit.ErrConfig)
	}
	return &DatabaseAccounts{a: a}, nil
}

// Find implements AccountStore.
func (d *DatabaseAccounts) Find(ctx context.Context, _ *http.Request, providerID, accountID string) (store.Account, error) {
	return d.a.AccountByProvider(ctx, providerID, accountID)
}

// CreateUser implements AccountStore.
func (d *DatabaseAccounts) CreateUser(ctx context.Context, _ http.ResponseWriter, _ *http.Request, u store.User, a store.Account) error {
	return d.a.CreateUserWithAccount(ctx, u, a)
}

// Link implements AccountStore.
func (d *DatabaseAccounts) Link(ctx context.Context, _ http.ResponseWriter, _ *http.Request, a store.Account) error {
	return d.a.CreateAccount(ctx, a)
}

// Update implements AccountStore.
func (d *DatabaseAccounts) Update(ctx context.Context, _ http.ResponseWriter, _ *http.Request, a store.Account) (store.Account, error) {
	return d.a.UpdateAccountTokens(ctx, a)
}
