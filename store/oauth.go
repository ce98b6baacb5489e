package store

import (
	"context"
	"time"
)

// Account is a link between a user and a way of signing in: a row of
// Better Auth's `account` table. Social sign-in keeps one per provider
// account (ProviderID "github", AccountID the provider's user id), with
// the provider's tokens; passwords live in the "credential" row that
// CredentialStore keeps. A zero time stands for NULL, as does "".
type Account struct {
	ID                    string
	AccountID             string // the provider's id of the user ("sub")
	ProviderID            string
	UserID                string
	AccessToken           string
	RefreshToken          string
	IDToken               string
	AccessTokenExpiresAt  time.Time
	RefreshTokenExpiresAt time.Time
	Scope                 string // comma-separated, as Better Auth joins them
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// Verification is a short-lived value kept under an identifier: a row of
// Better Auth's `verification` table. Social sign-in keeps the state of a
// sign-in that left for the provider under "auth-state:<state>".
type Verification struct {
	ID         string
	Identifier string
	Value      string
	ExpiresAt  time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// AccountStore is the optional ability to keep provider accounts in Better
// Auth's `account` table, found with As. Every store in this module has it.
type AccountStore interface {
	// AccountByProvider returns the account with that provider and
	// provider account id, or ErrNotFound.
	AccountByProvider(ctx context.Context, providerID, accountID string) (Account, error)
	// UserAccount returns the user's oldest account with that provider,
	// or ErrNotFound.
	UserAccount(ctx context.Context, userID, providerID string) (Account, error)
	// CreateAccount inserts a. The user must exist (ErrNotFound); a taken
	// id is ErrDuplicate, as is a second account for the same provider and
	// provider account id.
	CreateAccount(ctx context.Context, a Account) error
	// CreateUserWithAccount inserts u and a (a.UserID = u.ID) atomically:
	// on any error neither is stored. Its errors are CreateUser's and
	// CreateAccount's.
	CreateUserWithAccount(ctx context.Context, u User, a Account) error
	// UpdateAccountTokens sets the tokens, their expiries and updatedAt
	// of the account with a.ID (a fresh sign-in or a refresh) and returns
	// the updated account, or ErrNotFound. Empty tokens and zero times
	// keep the stored value, as Better Auth drops undefined fields; the
	// scope is kept.
	UpdateAccountTokens(ctx context.Context, a Account) (Account, error)
}

// VerificationStore is the optional ability to keep short-lived values in
// Better Auth's `verification` table, found with As. Every store in this
// module has it.
type VerificationStore interface {
	// CreateVerification inserts v (ErrInvalid without an id or
	// identifier).
	CreateVerification(ctx context.Context, v Verification) error
	// TakeVerification deletes the values kept under identifier and
	// returns the newest, or ErrNotFound. It is atomic: of two calls for
	// the same identifier at most one gets the value, so a value is used
	// once. Expired values are returned too: the caller decides.
	TakeVerification(ctx context.Context, identifier string) (Verification, error)
	// DeleteExpiredVerifications deletes at most limit values that
	// expired at or before now and returns how many it deleted.
	DeleteExpiredVerifications(ctx context.Context, now time.Time, limit int) (int, error)
}
