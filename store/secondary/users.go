package secondary

import (
	"context"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

var _ store.UserEditor = (*Store)(nil)

// UpdateUser implements store.UserEditor through Primary. Session values
// keep their copy of the user until they are next written, as Better
// Auth's do.
func (s *Store) UpdateUser(ctx context.Context, id string, name, image *string, updatedAt time.Time) (store.User, error) {
	ue, ok := store.As[store.UserEditor](s.primary)
	if !ok {
		return store.User{}, fmt.Errorf("secondary: update user: the primary store %T cannot update users", s.primary)
	}
	return ue.UpdateUser(ctx, id, name, image, updatedAt)
}

// DeleteUser implements store.UserEditor: it revokes the user's sessions
// in secondary storage first (DeleteUserSessions: announced, marked), then
// deletes the user with its rows in Primary. When Primary fails the
// sessions stay revoked and the user stays: calling again finishes it.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	ue, ok := store.As[store.UserEditor](s.primary)
	if !ok {
		return fmt.Errorf("secondary: delete user: the primary store %T cannot delete users", s.primary)
	}
	if _, err := s.primary.UserByID(ctx, id); err != nil {
		return err
	}
	if err := s.DeleteUserSessions(ctx, id); err != nil {
		return fmt.Errorf("secondary: delete user: %w", err)
	}
	return ue.DeleteUser(ctx, id)
}
