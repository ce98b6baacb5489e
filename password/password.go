// Package password hashes and verifies passwords in Better Auth's format,
// so a password set by a Better Auth app verifies here and the
// other way round.
//
// The format is "<saltHex>:<keyHex>": 16 random bytes of salt as 32 lower-case
// hex characters, and key = scrypt(NFKC(password), salt = the hex string
// itself, N=16384, r=16, p=1, 64 bytes). It is not a general password-hashing
// toolkit: it exists to share Better Auth's account table.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"strings"

	"golang.org/x/crypto/scrypt"
	"golang.org/x/text/unicode/norm"
)

// Better Auth's scrypt parameters.
const (
	n      = 16384
	r      = 16
	p      = 1
	keyLen = 64
)

// MaxLength is the longest password Hash accepts, in bytes. Better Auth's
// default maximum is 128 characters; scrypt's cost does not grow with the
// length, but an unbounded input is never a good idea.
const MaxLength = 1024

// ErrTooLong is returned by Hash for a password over MaxLength bytes.
var ErrTooLong = errors.New("password: too long")

// ErrMalformed is returned by Verify for a stored hash not in Better Auth's
// format.
var ErrMalformed = errors.New("password: malformed hash")

// Hash returns the Better Auth encoding of a fresh salted scrypt hash of pw.
func Hash(pw string) (string, error) {
	if len(pw) > MaxLength {
		return "", ErrTooLong
	}
	var salt [16]byte
	rand.Read(salt[:])
	saltHex := hex.EncodeToString(salt[:])
	key, err := derive(pw, saltHex)
	if err != nil {
		return "", err
	}
	return saltHex + ":" + hex.EncodeToString(key), nil
}

// Verify reports whether pw matches hash, in constant time with respect to
// the key. It returns ErrMalformed when hash is not in Better Auth's format.
func Verify(hash, pw string) (bool, error) {
	saltHex, keyHex, ok := strings.Cut(hash, ":")
	if !ok || saltHex == "" {
		return false, ErrMalformed
	}
	want, err := hex.DecodeString(keyHex)
	if err != nil || len(want) != keyLen {
		return false, ErrMalformed
	}
	if len(pw) > MaxLength {
		return false, nil
	}
	got, err := derive(pw, saltHex)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

func derive(pw, saltHex string) ([]byte, error) {
	return scrypt.Key([]byte(norm.NFKC.String(pw)), []byte(saltHex), n, r, p, keyLen)
}
