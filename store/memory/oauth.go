package memory

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

var (
	_ store.AccountStore      = (*Store)(nil)
	_ store.VerificationStore = (*Store)(nil)
)

func normAccount(a store.Account) store.Account {
	a.AccessTokenExpiresAt = store.Truncate(a.AccessTokenExpiresAt)
	a.RefreshTokenExpiresAt = store.Truncate(a.RefreshTokenExpiresAt)
	a.CreatedAt = store.Truncate(a.CreatedAt)
	a.UpdatedAt = store.Truncate(a.UpdatedAt)
	if a.AccessTokenExpiresAt.IsZero() || a.AccessTokenExpiresAt.Unix() == 0 {
		a.AccessTokenExpiresAt = time.Time{}
	}
	if a.RefreshTokenExpiresAt.Unix() == 0 {
		a.RefreshTokenExpiresAt = time.Time{}
	}
	return a
}

// AccountByProvider implements store.AccountStore.
func (m *Store) AccountByProvider(_ context.Context, providerID, accountID string) (store.Account, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, a := range m.accounts {
		if a.ProviderID == providerID && a.AccountID == accountID {
			return a, nil
		}
	}
	return store.Account{}, store.ErrNotFound
}

// UserAccount implements store.AccountStore.
func (m *Store) UserAccount(_ context.Context, userID, providerID string) (store.Account, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var found []store.Account
	for _, a := range m.accounts {
		if a.UserID == userID && a.ProviderID == providerID {
			found = append(found, a)
		}
	}
	if len(found) == 0 {
		return store.Account{}, store.ErrNotFound
	}
	sort.Slice(found, func(i, j int) bool { return found[i].CreatedAt.Before(found[j].CreatedAt) })
	return found[0], nil
}

func (m *Store) insertAccountLocked(a store.Account) error {
	if err := a.Required(); err != nil {
		return fmt.Errorf("memory: create account: %w", err)
	}
	if _, ok := m.users[a.UserID]; !ok {
		return fmt.Errorf("memory: create account: user %w", store.ErrNotFound)
	}
	if _, ok := m.accounts[a.ID]; ok {
		return fmt.Errorf("memory: create account: %w", store.ErrDuplicate)
	}
	for _, o := range m.accounts {
		if o.ProviderID == a.ProviderID && o.AccountID == a.AccountID {
			return fmt.Errorf("memory: create account: %w", store.ErrDuplicate)
		}
	}
	if m.accounts == nil {
		m.accounts = map[string]store.Account{}
	}
	m.accounts[a.ID] = normAccount(a)
	return nil
}

// CreateAccount implements store.AccountStore.
func (m *Store) CreateAccount(_ context.Context, a store.Account) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.insertAccountLocked(a)
}

// CreateUserWithAccount implements store.AccountStore under one lock.
func (m *Store) CreateUserWithAccount(_ context.Context, u store.User, a store.Account) error {
	u, err := m.newUser(u)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.insertUserLocked(u); err != nil {
		return err
	}
	if err := m.insertAccountLocked(a); err != nil {
		delete(m.users, u.ID)
		delete(m.emails, u.Email)
		return err
	}
	return nil
}

// UpdateAccountTokens implements store.AccountStore.
func (m *Store) UpdateAccountTokens(_ context.Context, a store.Account) (store.Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.accounts[a.ID]
	if !ok {
		return store.Account{}, store.ErrNotFound
	}
	a = normAccount(a)
	if a.AccessToken != "" {
		old.AccessToken = a.AccessToken
	}
	if a.RefreshToken != "" {
		old.RefreshToken = a.RefreshToken
	}
	if a.IDToken != "" {
		old.IDToken = a.IDToken
	}
	if !a.AccessTokenExpiresAt.IsZero() {
		old.AccessTokenExpiresAt = a.AccessTokenExpiresAt
	}
	if !a.RefreshTokenExpiresAt.IsZero() {
		old.RefreshTokenExpiresAt = a.RefreshTokenExpiresAt
	}
	old.UpdatedAt = a.UpdatedAt
	m.accounts[a.ID] = old
	return old, nil
}

// CreateVerification implements store.VerificationStore.
func (m *Store) CreateVerification(_ context.Context, v store.Verification) error {
	if err := v.Required(); err != nil {
		return fmt.Errorf("memory: create verification: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.verifs[v.ID]; ok {
		return fmt.Errorf("memory: create verification: %w", store.ErrDuplicate)
	}
	if m.verifs == nil {
		m.verifs = map[string]store.Verification{}
	}
	v.ExpiresAt, v.CreatedAt, v.UpdatedAt = store.Truncate(v.ExpiresAt), store.Truncate(v.CreatedAt), store.Truncate(v.UpdatedAt)
	m.verifs[v.ID] = v
	return nil
}

// TakeVerification implements store.VerificationStore under one lock.
func (m *Store) TakeVerification(_ context.Context, identifier string) (store.Verification, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var (
		got   store.Verification
		found bool
	)
	for id, v := range m.verifs {
		if v.Identifier != identifier {
			continue
		}
		if !found || v.CreatedAt.After(got.CreatedAt) {
			got, found = v, true
		}
		delete(m.verifs, id)
	}
	if !found {
		return store.Verification{}, store.ErrNotFound
	}
	return got, nil
}

// DeleteExpiredVerifications implements store.VerificationStore.
func (m *Store) DeleteExpiredVerifications(_ context.Context, now time.Time, limit int) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, v := range m.verifs {
		if n >= limit {
			break
		}
		if !v.ExpiresAt.After(now) {
			delete(m.verifs, id)
			n++
		}
	}
	return n, nil
}
