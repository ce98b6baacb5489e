package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/sessionkit/sessionkit/store"
)

var _ store.UserEditor = (*Store)(nil)

// UpdateUser implements store.UserEditor in one statement.
func (s *Store) UpdateUser(ctx context.Context, id string, name, image *string, updatedAt time.Time) (store.User, error) {
	var n pgtype.Text
	if name != nil {
		n = pgtype.Text{String: *name, Valid: true}
	}
	img := pgtype.Text{}
	if image != nil && *image != "" {
		img = pgtype.Text{String: *image, Valid: true}
	}
	return s.scanUser("update user", s.pool.QueryRow(ctx, s.sql.updateUser, id, n, image != nil, img, store.Truncate(updatedAt)))
}

// DeleteUser implements store.UserEditor: sessions (each one seen by the
// revocation trigger), accounts and the user go in one transaction.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return mapError("delete user", err)
	}
	defer tx.Rollback(ctx)
	for _, q := range []string{s.sql.deleteUserSessions, s.sql.deleteUserAccounts} {
		if _, err := tx.Exec(ctx, q, id); err != nil {
			return mapError("delete user", err)
		}
	}
	tag, err := tx.Exec(ctx, s.sql.deleteUser, id)
	if err != nil {
		return mapError("delete user", err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	if err := tx.Commit(ctx); err != nil {
		return mapError("delete user", err)
	}
	return nil
}
