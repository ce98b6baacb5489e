package secondary

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// Additional fields: Primary declares them (store.FieldStore) and keeps
// the users' and, with StoreSessionInDatabase, the sessions' rows; token
// keys hold them in the session and user objects, as Better Auth's do.

var _ store.FieldStore = (*Store)(nil)

// fields is Primary's declaration, or none.
func (s *Store) fields() store.AdditionalFields {
	if fs, ok := store.As[store.FieldStore](s.primary); ok {
		return fs.AdditionalFields()
	}
	return store.AdditionalFields{}
}

// AdditionalFields implements store.FieldStore: Primary's declaration.
func (s *Store) AdditionalFields() store.AdditionalFields { return s.fields() }

// UpdateUserFields implements store.FieldStore through Primary. Session
// values keep their copy of the user until they are next written, as with
// UpdateUser.
func (s *Store) UpdateUserFields(ctx context.Context, id string, set map[string]any, updatedAt time.Time) (store.User, error) {
	fs, ok := store.As[store.FieldStore](s.primary)
	if !ok {
		return store.User{}, fmt.Errorf("secondary: update user fields: the primary store %T keeps no additional fields", s.primary)
	}
	return fs.UpdateUserFields(ctx, id, set, updatedAt)
}

// UpdateSessionFields implements store.FieldStore: it merges the fields
// and updatedAt into the stored value, as SlideSession merges the expiry,
// and, with StoreSessionInDatabase, into the row.
func (s *Store) UpdateSessionFields(ctx context.Context, token string, set map[string]any, updatedAt time.Time) (store.Session, error) {
	decl := s.fields().Session
	vals, err := store.UpdateValues(decl, make([]any, len(decl)), set)
	if err != nil {
		return store.Session{}, fmt.Errorf("secondary: update session fields: %w", err)
	}
	for i := range decl {
		if _, ok := set[decl[i].Name]; ok && vals[i] == nil && decl[i].Required {
			return store.Session{}, fmt.Errorf("secondary: update session fields: %w: %w: %s is required", store.ErrInvalid, store.ErrField, decl[i].Name)
		}
	}
	b, found, err := s.kv.get(ctx, token)
	if err != nil {
		return store.Session{}, fmt.Errorf("secondary: update session fields: %w", err)
	}
	if !found || isTombstone(b) {
		return store.Session{}, store.ErrNotFound
	}
	var d refs
	if err := json.Unmarshal(b, &d); err != nil || d.Session.UserID == "" {
		return store.Session{}, store.ErrNotFound
	}
	unlock := s.lock(d.Session.UserID)
	defer unlock()
	b, found, err = s.kv.get(ctx, token)
	if err != nil {
		return store.Session{}, fmt.Errorf("secondary: update session fields: %w", err)
	}
	var rec record
	if !found || isTombstone(b) || json.Unmarshal(b, &rec) != nil || rec.Session == nil {
		return store.Session{}, store.ErrNotFound
	}
	for i := range decl {
		if _, ok := set[decl[i].Name]; ok {
			if rec.Session[decl[i].Name], err = fieldJSON(vals[i]); err != nil {
				return store.Session{}, fmt.Errorf("secondary: update session fields: %w", err)
			}
		}
	}
	rec.Session["updatedAt"], _ = json.Marshal(store.FormatTime(store.Truncate(updatedAt)))
	nb, err := json.Marshal(rec)
	if err != nil {
		return store.Session{}, fmt.Errorf("secondary: update session fields: %w", err)
	}
	ss, _, err := decodeRecord(nb, s.fields())
	if err != nil {
		return store.Session{}, fmt.Errorf("secondary: update session fields: %w", err)
	}
	if s.inDB {
		fs, ok := store.As[store.FieldStore](s.primary)
		if !ok {
			return store.Session{}, fmt.Errorf("secondary: update session fields: the primary store %T keeps no additional fields", s.primary)
		}
		// The row first: a failure leaves both as they were.
		if _, err := fs.UpdateSessionFields(ctx, token, set, updatedAt); err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Session{}, fmt.Errorf("secondary: update session fields: database: %w", err)
		}
	}
	if err := s.writeRaw(ctx, ss, nb); err != nil {
		return store.Session{}, fmt.Errorf("secondary: update session fields: %w", err)
	}
	return ss, nil
}
