package sqlite

import (
	"context"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

var _ store.UserEditor = (*Store)(nil)

// UpdateUser implements store.UserEditor.
func (s *Store) UpdateUser(ctx context.Context, id string, name, image *string, updatedAt time.Time) (store.User, error) {
	var img any
	if image != nil && *image != "" {
		img = *image
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return store.User{}, mapError("update user", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, s.sql.updateUser,
		nullable(name), image != nil, img, store.FormatTime(updatedAt), id)
	if err != nil {
		return store.User{}, mapError("update user", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.User{}, store.ErrNotFound
	}
	u, err := s.scanUser("update user", tx.StmtContext(ctx, s.userByID).QueryRowContext(ctx, id))
	if err != nil {
		return store.User{}, err
	}
	if err := tx.Commit(); err != nil {
		return store.User{}, mapError("update user", err)
	}
	return u, nil
}

// DeleteUser implements store.UserEditor: sessions (each one seen by the
// revocation trigger), accounts and the user go in one transaction.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return mapError("delete user", err)
	}
	defer tx.Rollback()
	for _, q := range []string{s.sql.deleteUserSessions, s.sql.deleteUserAccounts} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return mapError("delete user", err)
		}
	}
	res, err := tx.ExecContext(ctx, s.sql.deleteUserOnly, id)
	if err != nil {
		return mapError("delete user", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	if err := tx.Commit(); err != nil {
		return mapError("delete user", err)
	}
	return nil
}

func nullable(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}
