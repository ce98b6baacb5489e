package oauthcookie

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/store"
)

// accountSalt is the HKDF salt of Better Auth's account_data JWE.
const accountSalt = "better-auth-account"

// Account is the content of an account_data cookie: Better Auth's account
// row (the provider account of the signed-in user and its tokens), as
// store.Account holds it, plus the members store.Account does not name.
//
// AccountID, ProviderID and UserID are required. Dates travel as
// JavaScript's toISOString (milliseconds); "" and zero times are left out.
// Tokens are as Better Auth stores them: in clear unless its
// account.encryptOAuthTokens is on, which sessionkit does not implement.
type Account struct {
	store.Account
	// Extra holds the members store.Account does not name (an account
	// table's additional fields, password), as raw JSON; Encode writes
	// them back after the named ones.
	Extra map[string]json.RawMessage
}

// accountKeys are the members Account names, and the JWT claims the cookie
// adds, which are not the account's.
var accountKeys = map[string]bool{
	"id": true, "accountId": true, "providerId": true, "userId": true,
	"accessToken": true, "refreshToken": true, "idToken": true, "scope": true,
	"accessTokenExpiresAt": true, "refreshTokenExpiresAt": true,
	"createdAt": true, "updatedAt": true,
	"iat": true, "exp": true, "jti": true, "nbf": true,
}

// AccountCodec encrypts and decrypts account_data values as Better Auth's
// setAccountCookie and getAccountCookie do: symmetricEncodeJWT(account,
// secret, "better-auth-account", maxAge), the JWE of cache.NewJWEObject.
// Safe for concurrent use.
type AccountCodec struct {
	jwe *cache.JWEObject
}

// NewAccountCodec returns an AccountCodec for secrets: the first encrypts,
// each one decrypts. It panics if no secret, or an empty one, is given.
func NewAccountCodec(secrets ...[]byte) *AccountCodec {
	return &AccountCodec{jwe: cache.NewJWEObject(accountSalt, secrets...)}
}

// Encode encrypts a, valid until now+maxAge (the JWE's exp; Better Auth
// uses the cookie's Max-Age). The value may need chunking (cache.Split).
func (c *AccountCodec) Encode(a *Account, now time.Time, maxAge time.Duration) (string, error) {
	b, err := a.marshal()
	if err != nil {
		return "", err
	}
	return c.jwe.Seal(b, now, maxAge)
}

// Decode checks and decrypts value (joined, see cache.Join) and returns the
// account and the cookie's expiry. Errors wrap ErrInvalid or ErrExpired.
func (c *AccountCodec) Decode(value string, now time.Time) (*Account, time.Time, error) {
	plain, exp, err := c.jwe.Open(value, now)
	switch {
	case errors.Is(err, cache.ErrExpired):
		return nil, time.Time{}, fmt.Errorf("%w: account cookie", ErrExpired)
	case err != nil:
		return nil, time.Time{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	a := &Account{}
	if err := a.unmarshal(plain); err != nil {
		return nil, time.Time{}, err
	}
	return a, exp, nil
}

// marshal writes a as JSON.stringify writes the row: named members first,
// "" and zero times left out, then Extra.
func (a *Account) marshal() ([]byte, error) {
	if a.AccountID == "" || a.ProviderID == "" || a.UserID == "" {
		return nil, errors.New("oauthcookie: Account needs AccountID, ProviderID and UserID")
	}
	w := newObjectWriter()
	w.optStr("id", a.ID)
	w.str("accountId", a.AccountID)
	w.str("providerId", a.ProviderID)
	w.str("userId", a.UserID)
	w.optStr("accessToken", a.AccessToken)
	w.optStr("refreshToken", a.RefreshToken)
	w.optStr("idToken", a.IDToken)
	for _, d := range []struct {
		k string
		t time.Time
	}{{"accessTokenExpiresAt", a.AccessTokenExpiresAt}, {"refreshTokenExpiresAt", a.RefreshTokenExpiresAt}} {
		if err := w.date(d.k, d.t); err != nil {
			return nil, err
		}
	}
	w.optStr("scope", a.Scope)
	for _, d := range []struct {
		k string
		t time.Time
	}{{"createdAt", a.CreatedAt}, {"updatedAt", a.UpdatedAt}} {
		if err := w.date(d.k, d.t); err != nil {
			return nil, err
		}
	}
	for _, k := range sortedKeys(a.Extra) {
		if !accountKeys[k] {
			w.raw(k, a.Extra[k])
		}
	}
	return w.close()
}

// date writes t as Date.prototype.toJSON does, unless it is zero.
func (w *objectWriter) date(k string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return fmt.Errorf("oauthcookie: %s: year %d outside 0000-9999", k, y)
	}
	w.str(k, t.Format("2006-01-02T15:04:05.000Z"))
	return nil
}

// unmarshal reads an account row. Optional members may be absent or null,
// as a database row's are.
func (a *Account) unmarshal(b []byte) error {
	m, err := object(b)
	if err != nil {
		return err
	}
	bad := func(what string) error { return fmt.Errorf("%w: account %s", ErrInvalid, what) }
	for _, f := range []struct {
		k   string
		p   *string
		req bool
	}{
		{"id", &a.ID, false}, {"accountId", &a.AccountID, true}, {"providerId", &a.ProviderID, true},
		{"userId", &a.UserID, true}, {"accessToken", &a.AccessToken, false},
		{"refreshToken", &a.RefreshToken, false}, {"idToken", &a.IDToken, false}, {"scope", &a.Scope, false},
	} {
		if !f.req && string(m[f.k]) == "null" {
			continue
		}
		s, ok, err := reqString(m, f.k)
		if err != nil || f.req && (!ok || s == "") {
			return bad(f.k)
		}
		*f.p = s
	}
	for _, f := range []struct {
		k string
		p *time.Time
	}{{"accessTokenExpiresAt", &a.AccessTokenExpiresAt}, {"refreshTokenExpiresAt", &a.RefreshTokenExpiresAt}, {"createdAt", &a.CreatedAt}, {"updatedAt", &a.UpdatedAt}} {
		if string(m[f.k]) == "null" {
			continue
		}
		s, ok, err := reqString(m, f.k)
		if err != nil {
			return bad(f.k)
		}
		if !ok {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return bad(f.k)
		}
		*f.p = t.UTC()
	}
	for k, v := range m {
		if !accountKeys[k] {
			if a.Extra == nil {
				a.Extra = map[string]json.RawMessage{}
			}
			a.Extra[k] = v
		}
	}
	return nil
}
