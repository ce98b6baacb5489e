package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/sessionkit/sessionkit/password"
	"github.com/sessionkit/sessionkit/store"
)

// Errors of the account changes. Match them with errors.Is.
var (
	// ErrInvalidPassword means the current password given to confirm a
	// change did not match (Better Auth's INVALID_PASSWORD).
	ErrInvalidPassword = errors.New("account: invalid password")
	// ErrNoPassword means the user has no password to check (Better
	// Auth's CREDENTIAL_ACCOUNT_NOT_FOUND).
	ErrNoPassword = errors.New("account: user has no password")
	// ErrPasswordAlreadySet means SetPassword found a password already:
	// change it with ChangePassword (Better Auth's PASSWORD_ALREADY_SET).
	ErrPasswordAlreadySet = errors.New("account: user already has a password")
	// ErrNoFields means UpdateUser was given nothing to change.
	ErrNoFields = errors.New("account: no fields to update")
	// ErrUserEditing means the store cannot update or delete users (it
	// does not implement store.UserEditor).
	ErrUserEditing = errors.New("account: store cannot update or delete users")
)

// UserUpdate is what UpdateUser changes: a nil field is kept. An empty
// Image removes the image.
type UserUpdate struct {
	Name  *string
	Image *string
	// Fields sets additional fields (Manager.Fields().User) by name; nil
	// sets null. Go code may set any declared field, Input or not.
	Fields map[string]any
}

// UpdateUser changes the user's name and image, validated as
// CreateUserWith validates them (an *InputError matching store.ErrInvalid),
// and returns the updated user. Nothing to change is ErrNoFields, an
// unknown user store.ErrNotFound.
func (a *Accounts) UpdateUser(ctx context.Context, userID string, up UserUpdate) (store.User, error) {
	if up.Name == nil && up.Image == nil && len(up.Fields) == 0 {
		return store.User{}, ErrNoFields
	}
	ue, ok := store.As[store.UserEditor](a.m.Store())
	if !ok {
		return store.User{}, ErrUserEditing
	}
	fs, hasFields := store.As[store.FieldStore](a.m.Store())
	if len(up.Fields) > 0 && !hasFields {
		return store.User{}, ErrUserEditing
	}
	u, err := a.m.Store().UserByID(ctx, userID)
	if err != nil {
		return store.User{}, fmt.Errorf("account: update user: %w", err)
	}
	name, image := u.Name, u.Image
	if up.Name != nil {
		name = *up.Name
	}
	if up.Image != nil {
		image = *up.Image
	}
	if err := ValidateUser(name, u.Email, image); err != nil {
		return store.User{}, err
	}
	out := u
	if len(up.Fields) > 0 {
		// Checked before anything is written; the fields go first, so a
		// failure leaves the name and image as they were too.
		if _, err := store.UpdateValues(a.m.Fields().User, nil, up.Fields); err != nil {
			return store.User{}, fieldError(err)
		}
		if out, err = fs.UpdateUserFields(ctx, userID, up.Fields, a.m.Now()); err != nil {
			if errors.Is(err, store.ErrField) {
				return store.User{}, fieldError(err)
			}
			return store.User{}, fmt.Errorf("account: update user: %w", err)
		}
	}
	if up.Name != nil || up.Image != nil {
		if out, err = ue.UpdateUser(ctx, userID, up.Name, up.Image, a.m.Now()); err != nil {
			return store.User{}, fmt.Errorf("account: update user: %w", err)
		}
	}
	return out, nil
}

// ChangePassword replaces the user's password with newPassword (checked
// by ValidatePassword) once currentPassword matches: ErrInvalidPassword
// when it does not, ErrNoPassword when the user has none (see
// SetPassword). It leaves the user's sessions alone: to end them, call
// the Manager's RevokeAllSessions or RevokeOtherSessions, as the JSON
// API's change-password does with revokeOtherSessions.
func (a *Accounts) ChangePassword(ctx context.Context, userID, currentPassword, newPassword string) error {
	hash, err := a.verifyUserPassword(ctx, userID, currentPassword, newPassword)
	if err != nil {
		return err
	}
	return a.storePassword(ctx, userID, hash)
}

// verifyUserPassword checks newPassword's policy and the user's current
// password, and returns newPassword's hash.
func (a *Accounts) verifyUserPassword(ctx context.Context, userID, currentPassword, newPassword string) (string, error) {
	if err := ValidatePassword(newPassword); err != nil {
		return "", err
	}
	if utf16Len(currentPassword) > MaxPasswordLength {
		return "", &InputError{"currentPassword", CodePasswordTooLong, "Password too long"}
	}
	if err := a.checkUserPassword(ctx, userID, currentPassword); err != nil {
		return "", err
	}
	return a.hash(ctx, newPassword)
}

// checkUserPassword checks pw against the user's stored password, counted
// against the account's rate limit (RateLimit.Account) as sign-in is.
func (a *Accounts) checkUserPassword(ctx context.Context, userID, pw string) error {
	cs, ok := store.As[store.CredentialStore](a.m.Store())
	if !ok {
		return ErrNoCredentials
	}
	u, err := a.m.Store().UserByID(ctx, userID)
	if err != nil {
		return fmt.Errorf("account: check password: %w", err)
	}
	if err := a.limitAccount(ctx, u.Email); err != nil {
		return err
	}
	hash, err := cs.PasswordHash(ctx, userID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ErrNoPassword
	case err != nil:
		return fmt.Errorf("account: check password: %w", err)
	}
	var match bool
	var verr error
	if err := a.hashes.do(ctx, func() { match, verr = password.Verify(hash, pw) }); err != nil {
		return fmt.Errorf("account: check password: %w", err)
	}
	if verr != nil || !match {
		return ErrInvalidPassword
	}
	return nil
}

func (a *Accounts) hash(ctx context.Context, pw string) (string, error) {
	var h string
	var err error
	if gerr := a.hashes.do(ctx, func() { h, err = password.Hash(pw) }); gerr != nil {
		return "", fmt.Errorf("account: hash password: %w", gerr)
	}
	if err != nil {
		return "", fmt.Errorf("account: hash password: %w", err)
	}
	return h, nil
}

func (a *Accounts) storePassword(ctx context.Context, userID, hash string) error {
	cs, ok := store.As[store.CredentialStore](a.m.Store())
	if !ok {
		return ErrNoCredentials
	}
	if err := cs.SetPassword(ctx, userID, hash, a.m.Now()); err != nil {
		return fmt.Errorf("account: set password: %w", err)
	}
	return nil
}

// SetPassword gives a user without a password (one created without, say
// by an OAuth sign-in on the Better Auth side) the password pw, checked by
// ValidatePassword. A user who has one gets ErrPasswordAlreadySet: change
// it with ChangePassword. Like Better Auth's setPassword, it has no HTTP
// route: call it from your own handler after checking who asks.
func (a *Accounts) SetPassword(ctx context.Context, userID, pw string) error {
	if err := ValidatePassword(pw); err != nil {
		return err
	}
	cs, ok := store.As[store.CredentialStore](a.m.Store())
	if !ok {
		return ErrNoCredentials
	}
	switch _, err := cs.PasswordHash(ctx, userID); {
	case err == nil:
		return ErrPasswordAlreadySet
	case !errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("account: set password: %w", err)
	}
	hash, err := a.hash(ctx, pw)
	if err != nil {
		return err
	}
	return a.storePassword(ctx, userID, hash)
}

// DeleteUser deletes the user with its sessions (each revoked, as
// RevokeAllSessions revokes them) and accounts, in one store transaction.
// An unknown user is store.ErrNotFound. It checks nothing: the JSON API's
// delete-user asks for the password or a fresh session first.
func (a *Accounts) DeleteUser(ctx context.Context, userID string) error {
	ue, ok := store.As[store.UserEditor](a.m.Store())
	if !ok {
		return ErrUserEditing
	}
	u, err := a.m.Store().UserByID(ctx, userID)
	if err != nil {
		return fmt.Errorf("account: delete user: %w", err)
	}
	if err := ue.DeleteUser(ctx, userID); err != nil {
		return fmt.Errorf("account: delete user: %w", err)
	}
	a.userDeleted(ctx, &u)
	return nil
}
