package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

var _ store.CredentialStore = (*Store)(nil)

// SetPassword implements store.CredentialStore.
func (s *Store) SetPassword(ctx context.Context, userID, hash string, now time.Time) error {
	ts := store.FormatTime(now)
	// One transaction (BEGIN IMMEDIATE: writers take turns), so two calls
	// for a user without a password cannot both insert.
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return mapError("set password", err)
	}
	defer tx.Rollback()
	res, err := tx.StmtContext(ctx, s.updatePassword).ExecContext(ctx, hash, ts, userID)
	if err != nil {
		return mapError("set password", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := tx.StmtContext(ctx, s.insertPassword).ExecContext(ctx, store.NewID(), userID, userID, hash, ts, ts); err != nil {
			return mapError("set password", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return mapError("set password", err)
	}
	return nil
}

// CreateUserWithPassword implements store.CredentialStore: the user and
// its credential account are inserted in one transaction.
func (s *Store) CreateUserWithPassword(ctx context.Context, u store.User, hash string) error {
	if err := u.Required(); err != nil {
		return fmt.Errorf("sqlite: create user: %w", err)
	}
	args, err := s.userArgs(u)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return mapError("create user", err)
	}
	defer tx.Rollback()
	if _, err := tx.StmtContext(ctx, s.insertUser).ExecContext(ctx, args...); err != nil {
		return mapError("create user", err)
	}
	ts := store.FormatTime(u.CreatedAt)
	if _, err := tx.StmtContext(ctx, s.insertPassword).ExecContext(ctx, store.NewID(), u.ID, u.ID, hash, ts, ts); err != nil {
		return mapError("create user: credential account", err)
	}
	if err := tx.Commit(); err != nil {
		return mapError("create user", err)
	}
	return nil
}

// PasswordHash implements store.CredentialStore.
func (s *Store) PasswordHash(ctx context.Context, userID string) (string, error) {
	var h string
	err := s.passwordHash.QueryRowContext(ctx, userID).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", store.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: password hash: %w", err)
	}
	return h, nil
}
