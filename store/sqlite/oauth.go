package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

var (
	_ store.AccountStore      = (*Store)(nil)
	_ store.VerificationStore = (*Store)(nil)
)

// oauthStatements are social sign-in's statements (store.AccountStore,
// store.VerificationStore), rendered by render with the schema's names.
type oauthStatements struct {
	// indexes are sessionkit's own, additive as the sweep index is: the
	// account of a provider account, and the cleanup of expired states.
	indexes []store.Index

	accountByKey, userAccount, accountTaken, insertAccount string
	accountByID, updateAccount                             string
	insertVerif, takeVerif, deleteExpVerifs                string
}

func renderOAuth(t store.Tables) oauthStatements {
	q := store.Quote
	a, v := t.Account, t.Verification
	A, V := q(a.Name), q(v.Name)
	ac, vc := a.Q, v.Q
	accountColumns, verifColumns := t.AccountColumns(), t.VerificationColumns()
	key := ac("providerId") + ` = ? AND ` + ac("accountId") + ` = ?`
	coalesce := func(f string) string { return ac(f) + ` = coalesce(?, ` + ac(f) + `)` }
	return oauthStatements{
		indexes:       store.OAuthIndexes(t),
		accountByKey:  `SELECT ` + accountColumns + ` FROM ` + A + ` WHERE ` + key + ` ORDER BY ` + ac("createdAt") + ` LIMIT 1`,
		userAccount:   `SELECT ` + accountColumns + ` FROM ` + A + ` WHERE ` + ac("userId") + ` = ? AND ` + ac("providerId") + ` = ? ORDER BY ` + ac("createdAt") + ` LIMIT 1`,
		accountTaken:  `SELECT 1 FROM ` + A + ` WHERE ` + key + ` LIMIT 1`,
		insertAccount: `INSERT INTO ` + A + ` (` + accountColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		accountByID:   `SELECT ` + accountColumns + ` FROM ` + A + ` WHERE ` + ac("id") + ` = ?`,
		updateAccount: `UPDATE ` + A + ` SET ` + coalesce("accessToken") + `, ` + coalesce("refreshToken") + `, ` + coalesce("idToken") + `, ` +
			coalesce("accessTokenExpiresAt") + `, ` + coalesce("refreshTokenExpiresAt") + `, ` + ac("updatedAt") + ` = ? WHERE ` + ac("id") + ` = ?`,
		insertVerif:     `INSERT INTO ` + V + ` (` + verifColumns + `) VALUES (?, ?, ?, ?, ?, ?)`,
		takeVerif:       `DELETE FROM ` + V + ` WHERE ` + vc("identifier") + ` = ? RETURNING ` + verifColumns,
		deleteExpVerifs: `DELETE FROM ` + V + ` WHERE rowid IN (SELECT rowid FROM ` + V + ` WHERE ` + vc("expiresAt") + ` <= ? LIMIT ?)`,
	}
}

// nullString is "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullTime is the zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return store.FormatTime(t)
}

func accountArgs(a store.Account) []any {
	return []any{a.ID, a.AccountID, a.ProviderID, a.UserID, nullString(a.AccessToken), nullString(a.RefreshToken),
		nullString(a.IDToken), nullTime(a.AccessTokenExpiresAt), nullTime(a.RefreshTokenExpiresAt), nullString(a.Scope),
		store.FormatTime(a.CreatedAt), store.FormatTime(a.UpdatedAt)}
}

type rowScanner interface{ Scan(dest ...any) error }

func scanAccount(op string, row rowScanner) (store.Account, error) {
	var a store.Account
	var at, rt, it, aexp, rexp, scope sql.NullString
	var created, updated string
	err := row.Scan(&a.ID, &a.AccountID, &a.ProviderID, &a.UserID, &at, &rt, &it, &aexp, &rexp, &scope, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Account{}, store.ErrNotFound
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	a.AccessToken, a.RefreshToken, a.IDToken, a.Scope = at.String, rt.String, it.String, scope.String
	for _, f := range []struct {
		dst *time.Time
		src string
	}{{&a.AccessTokenExpiresAt, aexp.String}, {&a.RefreshTokenExpiresAt, rexp.String}, {&a.CreatedAt, created}, {&a.UpdatedAt, updated}} {
		if f.src == "" {
			continue
		}
		if *f.dst, err = parseTime(f.src); err != nil {
			return store.Account{}, fmt.Errorf("sqlite: %s: %w", op, err)
		}
	}
	return a, nil
}

// AccountByProvider implements store.AccountStore.
func (s *Store) AccountByProvider(ctx context.Context, providerID, accountID string) (store.Account, error) {
	return scanAccount("account by provider", s.db.QueryRowContext(ctx, s.sql.oauth.accountByKey, providerID, accountID))
}

// UserAccount implements store.AccountStore.
func (s *Store) UserAccount(ctx context.Context, userID, providerID string) (store.Account, error) {
	return scanAccount("user account", s.db.QueryRowContext(ctx, s.sql.oauth.userAccount, userID, providerID))
}

// CreateAccount implements store.AccountStore. Better Auth's table has no
// unique key on (providerId, accountId), so the check and the insert share
// a write transaction (writers take turns).
func (s *Store) CreateAccount(ctx context.Context, a store.Account) error {
	return s.inTx(ctx, "create account", func(tx *sql.Tx) error { return insertAccount(ctx, tx, &s.sql.oauth, a) })
}

// CreateUserWithAccount implements store.AccountStore in one transaction.
func (s *Store) CreateUserWithAccount(ctx context.Context, u store.User, a store.Account) error {
	if err := u.Required(); err != nil {
		return fmt.Errorf("sqlite: create user: %w", err)
	}
	args, err := s.userArgs(u)
	if err != nil {
		return err
	}
	return s.inTx(ctx, "create user", func(tx *sql.Tx) error {
		if _, err := tx.StmtContext(ctx, s.insertUser).ExecContext(ctx, args...); err != nil {
			return err
		}
		return insertAccount(ctx, tx, &s.sql.oauth, a)
	})
}

func insertAccount(ctx context.Context, tx *sql.Tx, st *oauthStatements, a store.Account) error {
	if err := a.Required(); err != nil {
		return err
	}
	var one int
	err := tx.QueryRowContext(ctx, st.accountTaken, a.ProviderID, a.AccountID).Scan(&one)
	if err == nil {
		return fmt.Errorf("%w: the provider account is linked already", store.ErrDuplicate)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	_, err = tx.ExecContext(ctx, st.insertAccount, accountArgs(a)...)
	return err
}

// inTx runs fn in a write transaction and maps its error.
func (s *Store) inTx(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return mapError(op, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		if errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrDuplicate) {
			return fmt.Errorf("sqlite: %s: %w", op, err)
		}
		return mapError(op, err)
	}
	if err := tx.Commit(); err != nil {
		return mapError(op, err)
	}
	return nil
}

// UpdateAccountTokens implements store.AccountStore.
func (s *Store) UpdateAccountTokens(ctx context.Context, a store.Account) (store.Account, error) {
	var out store.Account
	err := s.inTx(ctx, "update account", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.sql.oauth.updateAccount, nullString(a.AccessToken), nullString(a.RefreshToken), nullString(a.IDToken),
			nullTime(a.AccessTokenExpiresAt), nullTime(a.RefreshTokenExpiresAt), store.FormatTime(a.UpdatedAt), a.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		out, err = scanAccount("update account", tx.QueryRowContext(ctx, s.sql.oauth.accountByID, a.ID))
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return store.Account{}, store.ErrNotFound
	}
	return out, err
}

// CreateVerification implements store.VerificationStore.
func (s *Store) CreateVerification(ctx context.Context, v store.Verification) error {
	if err := v.Required(); err != nil {
		return fmt.Errorf("sqlite: create verification: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, s.sql.oauth.insertVerif, v.ID, v.Identifier, v.Value,
		store.FormatTime(v.ExpiresAt), store.FormatTime(v.CreatedAt), store.FormatTime(v.UpdatedAt)); err != nil {
		return mapError("create verification", err)
	}
	return nil
}

// TakeVerification implements store.VerificationStore with one DELETE …
// RETURNING: of two racing calls, one deletes the row.
func (s *Store) TakeVerification(ctx context.Context, identifier string) (store.Verification, error) {
	rows, err := s.db.QueryContext(ctx, s.sql.oauth.takeVerif, identifier)
	if err != nil {
		return store.Verification{}, mapError("take verification", err)
	}
	defer rows.Close()
	var got store.Verification
	found := false
	for rows.Next() {
		var v store.Verification
		var exp, created, updated string
		if err := rows.Scan(&v.ID, &v.Identifier, &v.Value, &exp, &created, &updated); err != nil {
			return store.Verification{}, mapError("take verification", err)
		}
		if v.ExpiresAt, err = parseTime(exp); err != nil {
			return store.Verification{}, fmt.Errorf("sqlite: take verification: %w", err)
		}
		v.CreatedAt, _ = parseTime(created)
		v.UpdatedAt, _ = parseTime(updated)
		if !found || v.CreatedAt.After(got.CreatedAt) {
			got, found = v, true
		}
	}
	if err := rows.Err(); err != nil {
		return store.Verification{}, mapError("take verification", err)
	}
	if !found {
		return store.Verification{}, store.ErrNotFound
	}
	return got, nil
}

// DeleteExpiredVerifications implements store.VerificationStore.
func (s *Store) DeleteExpiredVerifications(ctx context.Context, now time.Time, limit int) (int, error) {
	res, err := s.db.ExecContext(ctx, s.sql.oauth.deleteExpVerifs, store.FormatTime(now), limit)
	if err != nil {
		return 0, mapError("delete expired verifications", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
