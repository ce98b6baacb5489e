package oauthcookie

import (
	"bytes"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// Errors. Match them with errors.Is; messages never hold a secret or a
// cookie value.
var (
	// ErrInvalid means a cookie value was not minted with one of the
	// codec's secrets, or does not have the shape Better Auth requires.
	ErrInvalid = errors.New("oauthcookie: invalid cookie value")
	// ErrExpired means an authentic value whose own expiry has passed.
	ErrExpired = errors.New("oauthcookie: cookie value expired")
	// ErrStateMismatch means the state parameter of a callback is not the
	// one the oauth_state cookie was minted for (Better Auth's
	// "state_security_mismatch"): a forged or crossed callback.
	ErrStateMismatch = errors.New("oauthcookie: state parameter does not match the state cookie")
)

// Cookie names, without the prefix ("better-auth.") and the __Secure- of
// https apps, and lifetimes, as Better Auth sets them.
const (
	StateCookieName   = "oauth_state"
	AccountCookieName = "account_data"
	// StateMaxAge is the oauth_state cookie's Max-Age, 600 s.
	StateMaxAge = 10 * time.Minute
	// StateLifetime is how long a state stays valid (expiresAt is now +
	// 600 s when it is minted).
	StateLifetime = 10 * time.Minute
)

// MaxStateLen is the longest oauth_state value Decode looks at: one cookie
// (browsers keep about 4 KB). Longer values are refused before any work.
const MaxStateLen = 4096

// Better Auth's purpose-key derivation (crypto/purpose.mjs).
const (
	purposeSalt  = "better-auth:oauth-encryption:v1"
	statePurpose = "oauth-state-cookie"
)

// State is the content of an oauth_state cookie: Better Auth's stateData
// (state.mjs), member for member.
type State struct {
	// CallbackURL is where the browser goes after sign-in. Required.
	CallbackURL string
	// CodeVerifier is the PKCE verifier (128 random characters from Better
	// Auth). Required.
	CodeVerifier string
	// ErrorURL and NewUserURL are the errorCallbackURL and
	// newUserCallbackURL of the sign-in request; "" when absent.
	ErrorURL, NewUserURL string
	// ExpiresAt is when the state stops being accepted (milliseconds).
	ExpiresAt time.Time
	// OAuthState is the state parameter sent to the provider; the callback
	// must bring it back. Encode fills it with a fresh random value when
	// it is "".
	OAuthState string
	// Link is set when the flow links an account to a signed-in user.
	Link *Link
	// RequestSignUp is the sign-in request's requestSignUp.
	RequestSignUp bool
	// IDTokenNonce is the OIDC nonce sent in the authorization request,
	// "" when none.
	IDTokenNonce string
	// ServerContext is Better Auth's serverContext (values the server
	// attached to the flow), raw JSON; nil when absent.
	ServerContext json.RawMessage
	// Extra holds the members this type does not name (Better Auth's
	// additionalData), as raw JSON. Encode writes them first.
	Extra map[string]json.RawMessage
}

// Link is the account-linking part of a State.
type Link struct {
	Email  string `json:"email"`
	UserID string `json:"userId"`
	// EncryptedSessionToken is set by Better Auth for some linking flows.
	EncryptedSessionToken string `json:"encryptedSessionToken,omitempty"`
}

// StateCodec encrypts and decrypts oauth_state values as Better Auth's
// symmetricEncrypt does with derivePurposeKey(secret,
// "oauth-state-cookie"): key = SHA-256 of the lowercase hex of
// HKDF-SHA256(secret, salt "better-auth:oauth-encryption:v1", info
// "better-auth:oauth-state-cookie:v1", 32 bytes); the value is the hex of a
// random 24-byte nonce followed by the XChaCha20-Poly1305 ciphertext and
// tag of the state's JSON. Safe for concurrent use.
type StateCodec struct {
	keys [][]byte // [0] encrypts; every one decrypts
}

// NewStateCodec returns a StateCodec for secrets: the first encrypts, each
// one decrypts (Better Auth with a single secret does the same with one).
// It panics if no secret, or an empty one, is given.
func NewStateCodec(secrets ...[]byte) *StateCodec {
	if len(secrets) == 0 {
		panic("oauthcookie: NewStateCodec: no secret")
	}
	c := &StateCodec{}
	for _, s := range secrets {
		if len(s) == 0 {
			panic("oauthcookie: NewStateCodec: empty secret")
		}
		c.keys = append(c.keys, purposeKey(s, statePurpose))
	}
	return c
}

// purposeKey is the XChaCha20-Poly1305 key Better Auth's rawEncrypt uses
// with derivePurposeKey(secret, purpose).
func purposeKey(secret []byte, purpose string) []byte {
	k, err := hkdf.Key(sha256.New, secret, []byte(purposeSalt), "better-auth:"+purpose+":v1", 32)
	if err != nil {
		panic("oauthcookie: hkdf: " + err.Error()) // unreachable: 32 bytes is within limits
	}
	sum := sha256.Sum256([]byte(hex.EncodeToString(k)))
	return sum[:]
}

// NewOAuthState returns a state parameter as Better Auth makes one: 32
// characters from a-z, 0-9, A-Z, '-' and '_'.
func NewOAuthState() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	for i := range b {
		b[i] = alphabet[b[i]&63] // 64 letters: no bias
	}
	return string(b[:])
}

// Encode encrypts st. It fills st.OAuthState first when it is "", so the
// caller sends that value as the authorization request's state.
func (c *StateCodec) Encode(st *State) (string, error) {
	if st.OAuthState == "" {
		st.OAuthState = NewOAuthState()
	}
	plain, err := st.marshal()
	if err != nil {
		return "", err
	}
	aead, err := chacha20poly1305.NewX(c.keys[0])
	if err != nil {
		return "", err // unreachable: the key is 32 bytes
	}
	out := make([]byte, chacha20poly1305.NonceSizeX, chacha20poly1305.NonceSizeX+len(plain)+aead.Overhead())
	rand.Read(out) // never fails
	out = aead.Seal(out, out, plain, nil)
	return hex.EncodeToString(out), nil
}

// Decode decrypts value and checks the shape Better Auth requires of a
// state (callbackURL, codeVerifier and expiresAt present, every member of
// its type). It does not check the expiry or the state parameter: Open
// does.
func (c *StateCodec) Decode(value string) (*State, error) {
	if len(value) > MaxStateLen {
		return nil, fmt.Errorf("%w: value too long", ErrInvalid)
	}
	if strings.HasPrefix(value, "$ba$") {
		// Better Auth's versioned envelope (secrets given as BETTER_AUTH_SECRETS).
		return nil, fmt.Errorf("%w: versioned secret envelope not supported", ErrInvalid)
	}
	raw, err := hex.DecodeString(value)
	if err != nil || len(raw) < chacha20poly1305.NonceSizeX+chacha20poly1305.Overhead {
		return nil, fmt.Errorf("%w: malformed value", ErrInvalid)
	}
	nonce, ct := raw[:chacha20poly1305.NonceSizeX], raw[chacha20poly1305.NonceSizeX:]
	for _, k := range c.keys {
		aead, err := chacha20poly1305.NewX(k)
		if err != nil {
			return nil, err // unreachable
		}
		if plain, err := aead.Open(nil, nonce, ct, nil); err == nil {
			st := &State{}
			if err := st.unmarshal(plain); err != nil {
				return nil, err
			}
			return st, nil
		}
	}
	return nil, fmt.Errorf("%w: authentication failed", ErrInvalid)
}

// Open is what Better Auth's callback does with the cookie: Decode, then
// the callback's state parameter must equal the cookie's oauthState
// (constant time; ErrStateMismatch), then the state must not have expired
// (ErrExpired; expiresAt < now, in milliseconds).
func (c *StateCodec) Open(value, stateParam string, now time.Time) (*State, error) {
	st, err := c.Decode(value)
	if err != nil {
		return nil, err
	}
	if stateParam == "" || st.OAuthState == "" ||
		subtle.ConstantTimeCompare([]byte(st.OAuthState), []byte(stateParam)) != 1 {
		return st, ErrStateMismatch
	}
	if st.ExpiresAt.UnixMilli() < now.UnixMilli() {
		return st, fmt.Errorf("%w: state expired", ErrExpired)
	}
	return st, nil
}

// marshal writes st as Better Auth's JSON.stringify of stateData does:
// additional members, then callbackURL, codeVerifier, errorURL,
// newUserURL, link, serverContext, expiresAt, requestSignUp,
// idTokenNonce, oauthState, undefined ones left out.
func (st *State) marshal() ([]byte, error) {
	if st.CallbackURL == "" || st.CodeVerifier == "" {
		return nil, errors.New("oauthcookie: State needs CallbackURL and CodeVerifier")
	}
	w := newObjectWriter()
	for _, k := range sortedKeys(st.Extra) {
		if stateKeys[k] {
			continue // a named member wins, as in Better Auth's spread
		}
		w.raw(k, st.Extra[k])
	}
	w.str("callbackURL", st.CallbackURL)
	w.str("codeVerifier", st.CodeVerifier)
	w.optStr("errorURL", st.ErrorURL)
	w.optStr("newUserURL", st.NewUserURL)
	if st.Link != nil {
		w.value("link", st.Link)
	}
	if st.ServerContext != nil {
		w.raw("serverContext", st.ServerContext)
	}
	w.num("expiresAt", st.ExpiresAt.UnixMilli())
	if st.RequestSignUp {
		w.raw("requestSignUp", json.RawMessage("true"))
	}
	w.optStr("idTokenNonce", st.IDTokenNonce)
	w.optStr("oauthState", st.OAuthState)
	return w.close()
}

// stateKeys are the members State names.
var stateKeys = map[string]bool{
	"callbackURL": true, "codeVerifier": true, "errorURL": true, "newUserURL": true,
	"expiresAt": true, "oauthState": true, "link": true, "requestSignUp": true,
	"idTokenNonce": true, "serverContext": true,
}

// unmarshal reads Better Auth's stateDataSchema (a zod looseObject).
func (st *State) unmarshal(b []byte) error {
	m, err := object(b)
	if err != nil {
		return err
	}
	bad := func(what string) error { return fmt.Errorf("%w: state %s", ErrInvalid, what) }
	var ok bool
	if st.CallbackURL, ok, err = reqString(m, "callbackURL"); err != nil || !ok {
		return bad("callbackURL")
	}
	if st.CodeVerifier, ok, err = reqString(m, "codeVerifier"); err != nil || !ok {
		return bad("codeVerifier")
	}
	for _, f := range []struct {
		k string
		p *string
	}{{"errorURL", &st.ErrorURL}, {"newUserURL", &st.NewUserURL}, {"oauthState", &st.OAuthState}, {"idTokenNonce", &st.IDTokenNonce}} {
		if *f.p, _, err = reqString(m, f.k); err != nil {
			return bad(f.k)
		}
	}
	raw, ok := m["expiresAt"]
	var ms float64
	if !ok || !isNumber(raw) || json.Unmarshal(raw, &ms) != nil || math.Abs(ms) > 8.64e15 {
		return bad("expiresAt")
	}
	st.ExpiresAt = time.UnixMilli(int64(ms)).UTC()
	if raw, ok := m["requestSignUp"]; ok {
		switch string(raw) {
		case "true":
			st.RequestSignUp = true
		case "false":
		default:
			return bad("requestSignUp")
		}
	}
	if raw, ok := m["link"]; ok {
		lm, err := object(raw)
		if err != nil {
			return bad("link")
		}
		l := &Link{}
		if l.Email, ok, err = reqString(lm, "email"); err != nil || !ok {
			return bad("link.email")
		}
		// zod coerces userId to a string: a number is accepted as written.
		if r, ok := lm["userId"]; ok && isNumber(r) {
			l.UserID = string(r)
		} else if l.UserID, ok, err = reqString(lm, "userId"); err != nil || !ok {
			return bad("link.userId")
		}
		if l.EncryptedSessionToken, _, err = reqString(lm, "encryptedSessionToken"); err != nil {
			return bad("link.encryptedSessionToken")
		}
		st.Link = l
	}
	if raw, ok := m["serverContext"]; ok {
		if _, err := object(raw); err != nil {
			return bad("serverContext")
		}
		st.ServerContext = raw
	}
	for k, v := range m {
		if !stateKeys[k] {
			if st.Extra == nil {
				st.Extra = map[string]json.RawMessage{}
			}
			st.Extra[k] = v
		}
	}
	return nil
}

// isNumber reports whether raw JSON is a number.
func isNumber(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9')
}
