// Package memory is an in-process store.Store for tests, demos and
// stateless deployments that still want sign-up to work within one process.
// Everything it holds is lost when the process exits.
package memory

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// Store is a store.Store kept in maps behind one mutex. The zero value is not
// usable: call New.
type Store struct {
	mu        sync.RWMutex
	users     map[string]store.User         // by id
	emails    map[string]string             // lower-cased email → user id
	sessions  map[string]store.Session      // by token
	ids       map[string]string             // session id → token
	passwords map[string]string             // user id → password hash
	feed      feed                          // revocations, under mu
	accounts  map[string]store.Account      // provider accounts by id; see oauth.go
	verifs    map[string]store.Verification // by id
	fields    store.AdditionalFields        // see NewWith; never changes
}

var _ store.Store = (*Store)(nil)

// New returns an empty Store.
func New() *Store {
	return &Store{
		users:    map[string]store.User{},
		emails:   map[string]string{},
		sessions: map[string]store.Session{},
		ids:      map[string]string{},
	}
}

func normUser(u store.User) store.User {
	u.Email = strings.ToLower(u.Email)
	u.CreatedAt = store.Truncate(u.CreatedAt)
	u.UpdatedAt = store.Truncate(u.UpdatedAt)
	return u
}

func normSession(s store.Session) store.Session {
	s.ExpiresAt = store.Truncate(s.ExpiresAt)
	s.CreatedAt = store.Truncate(s.CreatedAt)
	s.UpdatedAt = store.Truncate(s.UpdatedAt)
	return s
}

// newUser checks a user about to be created, with its fields completed
// from their declarations: one rule for every way a user is created.
func (m *Store) newUser(u store.User) (store.User, error) {
	if err := u.Required(); err != nil {
		return u, fmt.Errorf("memory: create user: %w", err)
	}
	u = normUser(u)
	var err error
	u.Fields, err = alignFields("create user", m.fields.User, u.Fields)
	return u, err
}

// CreateUser implements store.Store.
func (m *Store) CreateUser(_ context.Context, u store.User) error {
	u, err := m.newUser(u)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.insertUserLocked(u)
}

// insertUserLocked inserts the normalised u; m.mu must be held.
func (m *Store) insertUserLocked(u store.User) error {
	if _, ok := m.users[u.ID]; ok {
		return fmt.Errorf("memory: create user: id: %w", store.ErrDuplicate)
	}
	if _, ok := m.emails[u.Email]; ok {
		return fmt.Errorf("memory: create user: email: %w", store.ErrDuplicate)
	}
	m.users[u.ID] = u
	m.emails[u.Email] = u.ID
	return nil
}

// UserByID implements store.Store.
func (m *Store) UserByID(_ context.Context, id string) (store.User, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	u, ok := m.users[id]
	if !ok {
		return store.User{}, store.ErrNotFound
	}
	return u, nil
}

// UserByEmail implements store.Store.
func (m *Store) UserByEmail(_ context.Context, email string) (store.User, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	id, ok := m.emails[strings.ToLower(email)]
	if !ok {
		return store.User{}, store.ErrNotFound
	}
	return m.users[id], nil
}

// CreateSession implements store.Store.
func (m *Store) CreateSession(_ context.Context, s store.Session) error {
	if err := s.Required(); err != nil {
		return fmt.Errorf("memory: create session: %w", err)
	}
	s = normSession(s)
	var err error
	if s.Fields, err = alignFields("create session", m.fields.Session, s.Fields); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.users[s.UserID]; !ok {
		return fmt.Errorf("memory: create session: user %w", store.ErrNotFound)
	}
	if _, ok := m.sessions[s.Token]; ok {
		return fmt.Errorf("memory: create session: token: %w", store.ErrDuplicate)
	}
	if _, ok := m.ids[s.ID]; ok {
		return fmt.Errorf("memory: create session: id: %w", store.ErrDuplicate)
	}
	m.sessions[s.Token] = s
	m.ids[s.ID] = s.Token
	return nil
}

// SessionByToken implements store.Store.
func (m *Store) SessionByToken(_ context.Context, token string) (store.Session, store.User, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, ok := m.sessions[token]
	if !ok {
		return store.Session{}, store.User{}, store.ErrNotFound
	}
	u, ok := m.users[s.UserID]
	if !ok {
		return store.Session{}, store.User{}, store.ErrNotFound
	}
	return s, u, nil
}

// SlideSession implements store.Store.
func (m *Store) SlideSession(_ context.Context, token string, expiresAt, updatedAt time.Time) (store.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[token]
	if !ok {
		return store.Session{}, store.ErrNotFound
	}
	s.ExpiresAt = store.Truncate(expiresAt)
	s.UpdatedAt = store.Truncate(updatedAt)
	m.sessions[token] = s
	return s, nil
}

// deleteLocked deletes a session before its expiry: a revocation.
func (m *Store) deleteLocked(token string) {
	if s, ok := m.sessions[token]; ok {
		m.feed.revokedLocked(s.ID)
	}
	m.dropLocked(token)
}

// dropLocked deletes a session without telling the revocation feed.
func (m *Store) dropLocked(token string) {
	if s, ok := m.sessions[token]; ok {
		delete(m.ids, s.ID)
		delete(m.sessions, token)
	}
}

// DeleteSession implements store.Store.
func (m *Store) DeleteSession(_ context.Context, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deleteLocked(token)
	return nil
}

// ListSessions implements store.Store.
func (m *Store) ListSessions(_ context.Context, userID string, now time.Time) ([]store.Session, error) {
	m.mu.RLock()
	var out []store.Session
	for _, s := range m.sessions {
		if s.UserID == userID && !s.Expired(now) {
			out = append(out, s)
		}
	}
	m.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// DeleteUserSessions implements store.Store.
func (m *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	return m.DeleteOtherSessions(ctx, userID, "")
}

// DeleteOtherSessions implements store.Store.
func (m *Store) DeleteOtherSessions(_ context.Context, userID, keepToken string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for tok, s := range m.sessions {
		if s.UserID == userID && (keepToken == "" || tok != keepToken) {
			m.deleteLocked(tok)
		}
	}
	return nil
}

// DeleteExpired implements store.Store.
func (m *Store) DeleteExpired(_ context.Context, now time.Time, limit int) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for tok, s := range m.sessions {
		if n >= limit {
			break
		}
		if s.Expired(now) {
			m.dropLocked(tok)
			n++
		}
	}
	return n, nil
}

// Close implements store.Store. It keeps the data: a closed memory store
// still answers, which is what tests sharing one want.
func (m *Store) Close() error { return nil }

var _ store.CredentialStore = (*Store)(nil)

// SetPassword implements store.CredentialStore.
func (m *Store) SetPassword(_ context.Context, userID, hash string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.users[userID]; !ok {
		return fmt.Errorf("memory: set password: user %w", store.ErrNotFound)
	}
	if m.passwords == nil {
		m.passwords = map[string]string{}
	}
	m.passwords[userID] = hash
	return nil
}

// CreateUserWithPassword implements store.CredentialStore: the user and the
// password are stored under one lock, or neither is.
func (m *Store) CreateUserWithPassword(_ context.Context, u store.User, hash string) error {
	u, err := m.newUser(u)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.insertUserLocked(u); err != nil {
		return err
	}
	if m.passwords == nil {
		m.passwords = map[string]string{}
	}
	m.passwords[u.ID] = hash
	return nil
}

// PasswordHash implements store.CredentialStore.
func (m *Store) PasswordHash(_ context.Context, userID string) (string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	h, ok := m.passwords[userID]
	if !ok {
		return "", store.ErrNotFound
	}
	return h, nil
}

var _ store.UserEditor = (*Store)(nil)

// UpdateUser implements store.UserEditor.
func (m *Store) UpdateUser(_ context.Context, id string, name, image *string, updatedAt time.Time) (store.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[id]
	if !ok {
		return store.User{}, store.ErrNotFound
	}
	if name != nil {
		u.Name = *name
	}
	if image != nil {
		u.Image = *image
	}
	u.UpdatedAt = store.Truncate(updatedAt)
	m.users[id] = u
	return u, nil
}

// DeleteUser implements store.UserEditor under one lock.
func (m *Store) DeleteUser(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[id]
	if !ok {
		return store.ErrNotFound
	}
	for tok, s := range m.sessions {
		if s.UserID == id {
			m.deleteLocked(tok)
		}
	}
	delete(m.passwords, id)
	for aid, a := range m.accounts {
		if a.UserID == id {
			delete(m.accounts, aid)
		}
	}
	delete(m.emails, u.Email)
	delete(m.users, id)
	return nil
}
