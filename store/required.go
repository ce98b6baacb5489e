package store

import "fmt"

// What every store needs of a new row before it writes it. The stores
// check these first and prefix the error with their name and operation;
// it wraps ErrInvalid.

// Required reports a new user without an id or an email.
func (u User) Required() error {
	if u.ID == "" || u.Email == "" {
		return fmt.Errorf("%w: id and email are required", ErrInvalid)
	}
	return nil
}

// Required reports a new account without an id, providerId, accountId or
// userId.
func (a Account) Required() error {
	if a.ID == "" || a.ProviderID == "" || a.AccountID == "" || a.UserID == "" {
		return fmt.Errorf("%w: id, providerId, accountId and userId are required", ErrInvalid)
	}
	return nil
}

// Required reports a new verification value without an id or an
// identifier.
func (v Verification) Required() error {
	if v.ID == "" || v.Identifier == "" {
		return fmt.Errorf("%w: id and identifier are required", ErrInvalid)
	}
	return nil
}

// Required reports a new session without an id, a token or a user id.
func (s Session) Required() error {
	if s.ID == "" || s.Token == "" || s.UserID == "" {
		return fmt.Errorf("%w: id, token and user id are required", ErrInvalid)
	}
	return nil
}
