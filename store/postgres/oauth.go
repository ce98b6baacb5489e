package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/sessionkit/sessionkit/store"
)

var (
	_ store.AccountStore      = (*Store)(nil)
	_ store.VerificationStore = (*Store)(nil)
)

// oauthStatements are social sign-in's statements (store.AccountStore,
// store.VerificationStore), rendered by render with the schema's names.
type oauthStatements struct {
	// indexes are sessionkit's own, additive: the account of a provider
	// account, and the cleanup of expired states.
	indexes []store.Index

	accountByKey, userAccount, accountTaken, insertAccount string
	// lockAccountKey serialises the check and insert of one provider
	// account: Better Auth's table has no unique key on it.
	lockAccountKey, updateAccount           string
	insertVerif, takeVerif, deleteExpVerifs string
}

func renderOAuth(t store.Tables) oauthStatements {
	q := store.Quote
	a, v := t.Account, t.Verification
	A, V := q(a.Name), q(v.Name)
	ac, vc := a.Q, v.Q
	accountColumns, verifColumns := t.AccountColumns(), t.VerificationColumns()
	key := ac("providerId") + ` = $1 AND ` + ac("accountId") + ` = $2`
	return oauthStatements{
		indexes:        store.OAuthIndexes(t),
		accountByKey:   `SELECT ` + accountColumns + ` FROM ` + A + ` WHERE ` + key + ` ORDER BY ` + ac("createdAt") + ` LIMIT 1`,
		userAccount:    `SELECT ` + accountColumns + ` FROM ` + A + ` WHERE ` + ac("userId") + ` = $1 AND ` + ac("providerId") + ` = $2 ORDER BY ` + ac("createdAt") + ` LIMIT 1`,
		lockAccountKey: `SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))`,
		accountTaken:   `SELECT 1 FROM ` + A + ` WHERE ` + key + ` LIMIT 1`,
		insertAccount:  `INSERT INTO ` + A + ` (` + accountColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		updateAccount: `UPDATE ` + A + ` SET ` + ac("accessToken") + ` = COALESCE($2, ` + ac("accessToken") + `), ` + ac("refreshToken") + ` = COALESCE($3, ` + ac("refreshToken") + `), ` +
			ac("idToken") + ` = COALESCE($4, ` + ac("idToken") + `), ` + ac("accessTokenExpiresAt") + ` = COALESCE($5, ` + ac("accessTokenExpiresAt") + `), ` +
			ac("refreshTokenExpiresAt") + ` = COALESCE($6, ` + ac("refreshTokenExpiresAt") + `), ` + ac("updatedAt") + ` = $7 WHERE ` + ac("id") + ` = $1 RETURNING ` + accountColumns,
		insertVerif:     `INSERT INTO ` + V + ` (` + verifColumns + `) VALUES ($1, $2, $3, $4, $5, $6)`,
		takeVerif:       `DELETE FROM ` + V + ` WHERE ` + vc("identifier") + ` = $1 RETURNING ` + verifColumns,
		deleteExpVerifs: `DELETE FROM ` + V + ` WHERE ` + vc("id") + ` IN (SELECT ` + vc("id") + ` FROM ` + V + ` WHERE ` + vc("expiresAt") + ` <= $1 LIMIT $2)`,
	}
}

func text(s string) pgtype.Text { return pgtype.Text{String: s, Valid: s != ""} }

func stamp(t time.Time) pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: store.Truncate(t), Valid: !t.IsZero()}
}

func accountArgs(a store.Account) []any {
	return []any{a.ID, a.AccountID, a.ProviderID, a.UserID, text(a.AccessToken), text(a.RefreshToken), text(a.IDToken),
		stamp(a.AccessTokenExpiresAt), stamp(a.RefreshTokenExpiresAt), text(a.Scope), store.Truncate(a.CreatedAt), store.Truncate(a.UpdatedAt)}
}

func scanAccount(op string, row pgx.Row) (store.Account, error) {
	var a store.Account
	var at, rt, it, scope pgtype.Text
	var aexp, rexp pgtype.Timestamptz
	err := row.Scan(&a.ID, &a.AccountID, &a.ProviderID, &a.UserID, &at, &rt, &it, &aexp, &rexp, &scope, &a.CreatedAt, &a.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Account{}, store.ErrNotFound
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	a.AccessToken, a.RefreshToken, a.IDToken, a.Scope = at.String, rt.String, it.String, scope.String
	if aexp.Valid {
		a.AccessTokenExpiresAt = aexp.Time.UTC()
	}
	if rexp.Valid {
		a.RefreshTokenExpiresAt = rexp.Time.UTC()
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return a, nil
}

// AccountByProvider implements store.AccountStore.
func (s *Store) AccountByProvider(ctx context.Context, providerID, accountID string) (store.Account, error) {
	return scanAccount("account by provider", s.pool.QueryRow(ctx, s.sql.oauth.accountByKey, providerID, accountID))
}

// UserAccount implements store.AccountStore.
func (s *Store) UserAccount(ctx context.Context, userID, providerID string) (store.Account, error) {
	return scanAccount("user account", s.pool.QueryRow(ctx, s.sql.oauth.userAccount, userID, providerID))
}

// CreateAccount implements store.AccountStore.
func (s *Store) CreateAccount(ctx context.Context, a store.Account) error {
	return s.inTx(ctx, "create account", func(tx pgx.Tx) error { return insertAccount(ctx, tx, &s.sql.oauth, a) })
}

// CreateUserWithAccount implements store.AccountStore in one transaction.
func (s *Store) CreateUserWithAccount(ctx context.Context, u store.User, a store.Account) error {
	if err := u.Required(); err != nil {
		return fmt.Errorf("postgres: create user: %w", err)
	}
	args, err := s.userArgs(u)
	if err != nil {
		return err
	}
	return s.inTx(ctx, "create user", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, s.sql.insertUser, args...); err != nil {
			return err
		}
		return insertAccount(ctx, tx, &s.sql.oauth, a)
	})
}

func insertAccount(ctx context.Context, tx pgx.Tx, st *oauthStatements, a store.Account) error {
	if err := a.Required(); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, st.lockAccountKey, a.ProviderID, a.AccountID); err != nil {
		return err
	}
	var one int
	err := tx.QueryRow(ctx, st.accountTaken, a.ProviderID, a.AccountID).Scan(&one)
	if err == nil {
		return fmt.Errorf("%w: the provider account is linked already", store.ErrDuplicate)
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	_, err = tx.Exec(ctx, st.insertAccount, accountArgs(a)...)
	return err
}

// inTx runs fn in a transaction and maps its error.
func (s *Store) inTx(ctx context.Context, op string, fn func(pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return mapError(op, err)
	}
	defer tx.Rollback(ctx)
	if err := fn(tx); err != nil {
		if errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrDuplicate) {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
		return mapError(op, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return mapError(op, err)
	}
	return nil
}

// UpdateAccountTokens implements store.AccountStore in one statement.
func (s *Store) UpdateAccountTokens(ctx context.Context, a store.Account) (store.Account, error) {
	return scanAccount("update account", s.pool.QueryRow(ctx, s.sql.oauth.updateAccount, a.ID, text(a.AccessToken), text(a.RefreshToken), text(a.IDToken),
		stamp(a.AccessTokenExpiresAt), stamp(a.RefreshTokenExpiresAt), store.Truncate(a.UpdatedAt)))
}

// CreateVerification implements store.VerificationStore.
func (s *Store) CreateVerification(ctx context.Context, v store.Verification) error {
	if err := v.Required(); err != nil {
		return fmt.Errorf("postgres: create verification: %w", err)
	}
	if _, err := s.pool.Exec(ctx, s.sql.oauth.insertVerif, v.ID, v.Identifier, v.Value,
		store.Truncate(v.ExpiresAt), store.Truncate(v.CreatedAt), store.Truncate(v.UpdatedAt)); err != nil {
		return mapError("create verification", err)
	}
	return nil
}

// TakeVerification implements store.VerificationStore with one DELETE …
// RETURNING: of two racing calls, the second finds the row gone.
func (s *Store) TakeVerification(ctx context.Context, identifier string) (store.Verification, error) {
	rows, err := s.pool.Query(ctx, s.sql.oauth.takeVerif, identifier)
	if err != nil {
		return store.Verification{}, mapError("take verification", err)
	}
	defer rows.Close()
	var got store.Verification
	found := false
	for rows.Next() {
		var v store.Verification
		if err := rows.Scan(&v.ID, &v.Identifier, &v.Value, &v.ExpiresAt, &v.CreatedAt, &v.UpdatedAt); err != nil {
			return store.Verification{}, mapError("take verification", err)
		}
		v.ExpiresAt, v.CreatedAt, v.UpdatedAt = v.ExpiresAt.UTC(), v.CreatedAt.UTC(), v.UpdatedAt.UTC()
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
	tag, err := s.pool.Exec(ctx, s.sql.oauth.deleteExpVerifs, store.Truncate(now), limit)
	if err != nil {
		return 0, mapError("delete expired verifications", err)
	}
	return int(tag.RowsAffected()), nil
}
