package account

import (
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sessionkit/sessionkit/store"
)

// Limits of user input, checked by ValidateUser and ValidatePassword for
// the Go API and the JSON API alike. Better Auth bounds only the password;
// the others keep one request from storing megabytes in every session
// lookup, cache cookie and list-sessions answer.
const (
	// MaxNameLength is the longest name, in characters (code points).
	MaxNameLength = 256
	// MaxEmailLength is the longest email address, in bytes (RFC 5321's
	// limits add up to 320).
	MaxEmailLength = 320
	// MaxImageLength is the longest image URL, in bytes: a link, not an
	// inline data: image.
	MaxImageLength = 2048
)

// InputError is a refused input: which field, and Better Auth's error code
// and message for it. It matches store.ErrInvalid with errors.Is.
type InputError struct {
	Field   string // "name", "email", "image" or "password"
	Code    string // such as CodeValidation, CodeInvalidEmail, CodePasswordTooShort
	Message string
}

func (e *InputError) Error() string {
	return "account: invalid " + e.Field + ": " + e.Message
}

// Unwrap makes an InputError match store.ErrInvalid.
func (e *InputError) Unwrap() error { return store.ErrInvalid }

// ValidatePassword checks a new password against Better Auth's policy:
// MinPasswordLength to MaxPasswordLength UTF-16 code units (JavaScript's
// String#length), valid UTF-8. It returns an *InputError.
func ValidatePassword(pw string) error {
	if !utf8.ValidString(pw) {
		return &InputError{"password", CodeValidation, "[body.password] Invalid UTF-8"}
	}
	switch n := utf16Len(pw); {
	case n < MinPasswordLength:
		return &InputError{"password", CodePasswordTooShort, "Password too short"}
	case n > MaxPasswordLength:
		return &InputError{"password", CodePasswordTooLong, "Password too long"}
	}
	return nil
}

// ValidateUser checks a new user's name, email and (optional) image, as
// CreateUserWith receives them (it trims the name and email first): a name
// of at most MaxNameLength characters without control characters (empty
// allowed, as Better Auth allows it), an email
// Better Auth's validator accepts of at most MaxEmailLength bytes, an image
// of at most MaxImageLength bytes without control characters, all valid
// UTF-8. It returns an *InputError.
func ValidateUser(name, email, image string) error {
	switch {
	case !utf8.ValidString(name):
		return badChars("name", "Invalid UTF-8")
	case utf8.RuneCountInString(name) > MaxNameLength:
		return tooBig("name", MaxNameLength, "characters")
	case hasControl(name):
		return badChars("name", "Control characters are not allowed")
	}
	if len(email) > MaxEmailLength || !emailPattern.MatchString(email) {
		return &InputError{"email", CodeInvalidEmail, "Invalid email"}
	}
	switch {
	case len(image) > MaxImageLength:
		return tooBig("image", MaxImageLength, "bytes")
	case !utf8.ValidString(image):
		return badChars("image", "Invalid UTF-8")
	case hasControl(image):
		return badChars("image", "Control characters are not allowed")
	}
	return nil
}

func tooBig(field string, max int, unit string) error {
	return &InputError{field, CodeValidation, "[body." + field + "] Too big: expected string to have <=" + strconv.Itoa(max) + " " + unit}
}

func badChars(field, why string) error {
	return &InputError{field, CodeValidation, fmt.Sprintf("[body.%s] %s", field, why)}
}

// hasControl reports a C0/C1 control character (NUL, newline, escape, …).
func hasControl(s string) bool {
	for _, c := range s {
		if unicode.IsControl(c) {
			return true
		}
	}
	return false
}

// utf16Len is JavaScript's String#length of s.
func utf16Len(s string) int {
	n := 0
	for _, c := range s {
		n += utf16.RuneLen(c)
	}
	return n
}
