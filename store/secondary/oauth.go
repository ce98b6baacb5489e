package secondary

import (
	"context"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

var (
	_ store.AccountStore      = (*Store)(nil)
	_ store.VerificationStore = (*Store)(nil)
)

// accounts is Primary's store.AccountStore.
func (s *Store) accounts() (store.AccountStore, error) {
	a, ok := store.As[store.AccountStore](s.primary)
	if !ok {
		return nil, fmt.Errorf("secondary: the primary store %T keeps no accounts", s.primary)
	}
	return a, nil
}

// verifications is Primary's store.VerificationStore.
func (s *Store) verifications() (store.VerificationStore, error) {
	v, ok := store.As[store.VerificationStore](s.primary)
	if !ok {
		return nil, fmt.Errorf("secondary: the primary store %T keeps no verification values", s.primary)
	}
	return v, nil
}

// AccountByProvider implements store.AccountStore through Primary:
// accounts, like users, live in the database.
func (s *Store) AccountByProvider(ctx context.Context, providerID, accountID string) (store.Account, error) {
	a, err := s.accounts()
	if err != nil {
		return store.Account{}, err
	}
	return a.AccountByProvider(ctx, providerID, accountID)
}

// UserAccount implements store.AccountStore through Primary.
func (s *Store) UserAccount(ctx context.Context, userID, providerID string) (store.Account, error) {
	a, err := s.accounts()
	if err != nil {
		return store.Account{}, err
	}
	return a.UserAccount(ctx, userID, providerID)
}

// CreateAccount implements store.AccountStore through Primary.
func (s *Store) CreateAccount(ctx context.Context, acct store.Account) error {
	a, err := s.accounts()
	if err != nil {
		return err
	}
	return a.CreateAccount(ctx, acct)
}

// CreateUserWithAccount implements store.AccountStore through Primary.
func (s *Store) CreateUserWithAccount(ctx context.Context, u store.User, acct store.Account) error {
	a, err := s.accounts()
	if err != nil {
		return err
	}
	return a.CreateUserWithAccount(ctx, u, acct)
}

// UpdateAccountTokens implements store.AccountStore through Primary.
func (s *Store) UpdateAccountTokens(ctx context.Context, acct store.Account) (store.Account, error) {
	a, err := s.accounts()
	if err != nil {
		return store.Account{}, err
	}
	return a.UpdateAccountTokens(ctx, acct)
}

// CreateVerification implements store.VerificationStore through Primary.
// Better Auth keeps verification values in secondary storage unless
// verification.storeInDatabase is set; sessionkit keeps them in the
// database, where taking one is atomic (see the README's differences).
func (s *Store) CreateVerification(ctx context.Context, v store.Verification) error {
	vs, err := s.verifications()
	if err != nil {
		return err
	}
	return vs.CreateVerification(ctx, v)
}

// TakeVerification implements store.VerificationStore through Primary.
func (s *Store) TakeVerification(ctx context.Context, identifier string) (store.Verification, error) {
	vs, err := s.verifications()
	if err != nil {
		return store.Verification{}, err
	}
	return vs.TakeVerification(ctx, identifier)
}

// DeleteExpiredVerifications implements store.VerificationStore through
// Primary.
func (s *Store) DeleteExpiredVerifications(ctx context.Context, now time.Time, limit int) (int, error) {
	vs, err := s.verifications()
	if err != nil {
		return 0, err
	}
	return vs.DeleteExpiredVerifications(ctx, now, limit)
}
