package cache

import (
	"bytes"
	"crypto/aes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"time"
)

// Errors of JWEObject beyond those its decoding shares with NewJWE.
var (
	errObject       = invalid("plaintext is not a JSON object with numeric claims")
	errEncodeObject = errors.New("cache: JWEObject.Seal: not a JSON object")
)

// JWEObject is the "jwe" format of NewJWE for any JSON object, under an HKDF
// salt of the caller's choosing: Better Auth's symmetricEncodeJWT and
// symmetricDecodeJWT (crypto/jwt.mjs), which it uses with the salt
// "better-auth-session" for session_data and "better-auth-account" for the
// account_data cookie of stateless mode. Safe for concurrent use.
type JWEObject struct {
	keys []*jweKey
}

// NewJWEObject returns a JWEObject whose keys are derived from secrets
// under salt: K = HKDF-SHA256(secret, salt, "BetterAuth.js Generated
// Encryption Key", 64 bytes), each named by its RFC 7638 thumbprint. Seal
// uses the first secret; Open accepts any of them, as NewJWE does.
//
// It panics if no secret, or an empty one, is given.
func NewJWEObject(salt string, secrets ...[]byte) *JWEObject {
	return &JWEObject{keys: newJWEKeys("NewJWEObject", salt, secrets)}
}

// Seal encrypts obj, a JSON object, after adding the claims jose's
// EncryptJWT adds behind its members: iat (now), exp (now+maxAge, whole
// seconds) and a random jti. obj must not have members of those names. The
// result is cookie-safe and may need chunking (Split).
func (j *JWEObject) Seal(obj []byte, now time.Time, maxAge time.Duration) (string, error) {
	obj = bytes.TrimSpace(obj)
	if len(obj) < 2 || obj[0] != '{' || !json.Valid(obj) {
		return "", errEncodeObject
	}
	body := make([]byte, 0, len(obj)+96)
	body = append(body, obj[:len(obj)-1]...)
	if len(bytes.TrimSpace(body[1:])) > 0 {
		body = append(body, ',')
	}
	body = append(body, `"iat":`...)
	var err error
	if body, err = appendClaimTime(body, now); err != nil {
		return "", err
	}
	body = append(body, `,"exp":`...)
	if body, err = appendClaimTime(body, now.Add(maxAge)); err != nil {
		return "", err
	}
	var iv [aes.BlockSize]byte
	rand.Read(iv[:]) // never fails (crypto/rand, Go 1.24+)
	return jweSeal(j.keys[0], body, iv, appendUUIDv4(make([]byte, 0, 36))), nil
}

// Open checks and decrypts value (a joined cookie value, see Join) and
// returns its plaintext: the JSON object Seal was given, with iat, exp and
// jti, and the expiry exp names. exp is required and must be after now
// (whole seconds, no clock tolerance: Better Auth allows 15 s); nbf, when
// present, must not be after now. Errors wrap ErrInvalid or ErrExpired.
func (j *JWEObject) Open(value string, now time.Time) (plain []byte, exp time.Time, err error) {
	st := getState(nil)
	pt, err := jweOpen(j.keys, value, st)
	if err == nil {
		plain = bytes.Clone(pt)
	}
	putState(st)
	if err != nil {
		return nil, time.Time{}, err
	}
	var claims map[string]json.RawMessage
	if json.Unmarshal(plain, &claims) != nil || claims == nil {
		return nil, time.Time{}, errObject
	}
	num := func(name string) (float64, bool, error) {
		raw, ok := claims[name]
		if !ok {
			return 0, false, nil
		}
		var f float64
		if len(raw) == 0 || raw[0] == '"' || raw[0] == 'n' || json.Unmarshal(raw, &f) != nil {
			return 0, true, errObject
		}
		return f, true, nil
	}
	if _, _, err := num("iat"); err != nil {
		return nil, time.Time{}, err
	}
	e, ok, err := num("exp")
	if err != nil {
		return nil, time.Time{}, err
	}
	if !ok {
		return nil, time.Time{}, errExpNotSet
	}
	sec := now.Unix()
	if nbf, ok, err := num("nbf"); err != nil {
		return nil, time.Time{}, err
	} else if ok && nbf > float64(sec) {
		return nil, time.Time{}, errNotYet
	}
	if e <= float64(sec) {
		return nil, time.Time{}, errExpired
	}
	t, ok := secTime(e)
	if !ok {
		return nil, time.Time{}, errNumber
	}
	return plain, t, nil
}
