package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// Options configures NewWith.
type Options struct {
	// Fields declares the additional fields users and sessions carry.
	Fields store.AdditionalFields
}

// NewWith returns an empty Store that keeps the additional fields o
// declares. An invalid declaration is an error wrapping store.ErrField.
func NewWith(o Options) (*Store, error) {
	if err := o.Fields.Validate(); err != nil {
		return nil, fmt.Errorf("memory: %w", err)
	}
	m := New()
	m.fields = o.Fields
	return m, nil
}

var _ store.FieldStore = (*Store)(nil)

// AdditionalFields implements store.FieldStore.
func (m *Store) AdditionalFields() store.AdditionalFields { return m.fields }

// alignFields returns f as decl declares it, defaults not applied.
func alignFields(op string, decl []store.Field, f store.Fields) (store.Fields, error) {
	vals, err := f.Align(decl)
	if err != nil {
		return store.Fields{}, fmt.Errorf("memory: %s: %w: %w", op, store.ErrInvalid, err)
	}
	return store.FieldsFromValues(decl, vals), nil
}

// UpdateUserFields implements store.FieldStore.
func (m *Store) UpdateUserFields(_ context.Context, id string, set map[string]any, updatedAt time.Time) (store.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[id]
	if !ok {
		return store.User{}, store.ErrNotFound
	}
	f, err := updateFields(m.fields.User, u.Fields, set)
	if err != nil {
		return store.User{}, fmt.Errorf("memory: update user fields: %w", err)
	}
	u.Fields, u.UpdatedAt = f, store.Truncate(updatedAt)
	m.users[id] = u
	return u, nil
}

// UpdateSessionFields implements store.FieldStore.
func (m *Store) UpdateSessionFields(_ context.Context, token string, set map[string]any, updatedAt time.Time) (store.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[token]
	if !ok {
		return store.Session{}, store.ErrNotFound
	}
	f, err := updateFields(m.fields.Session, s.Fields, set)
	if err != nil {
		return store.Session{}, fmt.Errorf("memory: update session fields: %w", err)
	}
	s.Fields, s.UpdatedAt = f, store.Truncate(updatedAt)
	m.sessions[token] = s
	return s, nil
}

func updateFields(decl []store.Field, cur store.Fields, set map[string]any) (store.Fields, error) {
	vals := make([]any, len(decl))
	for i := range decl {
		vals[i], _ = cur.Lookup(decl[i].Name)
	}
	vals, err := store.UpdateValues(decl, vals, set)
	if err != nil {
		return store.Fields{}, err
	}
	for i := range decl {
		if vals[i] == nil && decl[i].Required {
			return store.Fields{}, fmt.Errorf("%w: %w: %s is required", store.ErrInvalid, store.ErrField, decl[i].Name)
		}
	}
	return store.FieldsFromValues(decl, vals), nil
}
