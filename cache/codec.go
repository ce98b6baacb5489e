package cache

import (
	"errors"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// Errors returned by Decode. Match them with errors.Is; the wrapped message
// says what was wrong but never contains a secret or the cookie value.
var (
	// ErrInvalid means the value is not a cache cookie minted with one of the
	// codec's secrets: bad encoding, bad signature or tag, unsupported
	// algorithm, or a payload that fails Better Auth's shape checks. Treat
	// it as "no cache": fall back to the store.
	ErrInvalid = errors.New("cache: invalid cookie cache value")
	// ErrExpired means the value is authentic and well formed but its own
	// expiry (compact expiresAt, jwt/jwe exp) has passed.
	ErrExpired = errors.New("cache: cookie cache value expired")
)

// MaxValueLen is the longest value Decode looks at. Anything longer is
// rejected before any decoding work: Better Auth writes at most MaxChunks
// chunks of about 4 KB each, so a legitimate value stays far below it.
const MaxValueLen = 400 << 10

// Payload is what a cache cookie carries: the session and user
// records plus the cache's own metadata.
//
// Decode returns times in UTC. Dates inside the session and user have
// millisecond precision; UpdatedAt and ExpiresAt have the precision of their
// format (see the field comments).
type Payload struct {
	Session store.Session
	User    store.User
	// UpdatedAt is when the cookie was minted; it travels in milliseconds.
	UpdatedAt time.Time
	// Version is the cache version. Encode omits the member when
	// it is ""; Decode returns "" when it is absent. Treating "" as "1" is
	// the caller's job.
	Version string
	// ExpiresAt is the cache cookie's own expiry: compact and securecookie
	// carry it in milliseconds (expiresAt), jwt and jwe in seconds (exp,
	// truncated on Encode).
	ExpiresAt time.Time
}

// Codec is one cookie-cache strategy: it turns a Payload into a cookie value
// and back. Codecs are safe for concurrent use.
type Codec interface {
	// Strategy names the format: "compact", "jwt", "jwe" or "securecookie".
	Strategy() string
	// Encode mints a cookie value for p. The value contains only
	// characters allowed in a cookie value and may need chunking (Split).
	Encode(p *Payload) (string, error)
	// Decode verifies value (a joined cookie value, see Join) and returns
	// its payload. Errors wrap ErrInvalid or ErrExpired. Decode checks the
	// cache's own expiry against now; it does not compare the session token,
	// the version or the session's expiry with anything: the caller does.
	Decode(value string, now time.Time) (*Payload, error)
}

// DecodeInto is c.Decode(value, now) into *p, which the caller provides; on
// an error *p is unchanged. For the compact, jwt and jwe codecs it
// allocates nothing but the payload's strings, so a caller that keeps p on
// its stack saves the Payload's allocation (a cookie-cache hit copies it
// into its own result anyway); securecookie decodes with Decode and copies.
func DecodeInto(c Codec, value string, now time.Time, p *Payload) error {
	if split, err := decodeSplit(c, value, now, p); split {
		return err
	}
	out, err := c.Decode(value, now)
	if err != nil {
		return err
	}
	*p = *out
	return nil
}

// A decode of the compact, jwt and jwe codecs is two parts. Their verify
// method turns the value into its payload and proves it authentic and well
// formed: it depends on the value and the codec's keys alone, writes *out
// and *k on success, and may have written either on an error. The clock it
// fills holds what the time checks need: valid applies the value's own
// expiry (and a claims set's nbf) at the request's time, and fill sets the
// dates a payload may leave out, which default to that time. Decode is
// verify, valid, fill; a Memo hit skips verify only.
//
// verifyWith runs c's verify when c is a codec split so (compact, jwt,
// jwe), through a type switch rather than an interface, so that out and k
// can stay on the caller's stack; split is false for another codec
// (securecookie), which decodes in one piece.
func verifyWith(c Codec, value string, out *Payload, k *clock) (split bool, err error) {
	switch c := c.(type) {
	case *compactCodec:
		return true, c.verify(value, out, k)
	case *jwtCodec:
		return true, c.verify(value, out, k)
	case *jweCodec:
		return true, c.verify(value, out, k)
	}
	return false, nil
}

// decodeSplit is a split codec's whole decode, verify and then the clock
// at now, into *p, which is unchanged on an error; split is false, and
// nothing done, for another codec.
func decodeSplit(c Codec, value string, now time.Time, p *Payload) (split bool, err error) {
	var out Payload
	var k clock
	if split, err = verifyWith(c, value, &out, &k); !split || err != nil {
		return split, err
	}
	if err := k.apply(now, &out); err != nil {
		return true, err
	}
	*p = out
	return true, nil
}

// decodeNew is decodeSplit into a new Payload, allocated only once the
// value is accepted: a split codec's Decode.
func decodeNew(c Codec, value string, now time.Time) (*Payload, error) {
	var p Payload
	if split, err := decodeSplit(c, value, now, &p); !split {
		return nil, errNotRemembered
	} else if err != nil {
		return nil, err
	}
	out := new(Payload)
	*out = p
	return out, nil
}

// clock is a verified value's time-dependent part.
type clock struct {
	claims    bool  // jwt/jwe: exp and nbf in seconds; else expMillis
	hasNbf    bool  // claims: an nbf member was present
	badExp    bool  // claims: exp is past what a time.Time holds (ErrInvalid)
	defaulted uint8 // dates left out (dSessCreated...): now's
	expMillis int64
	exp, nbf  float64
}

// valid applies the value's own expiry at now, with no clock tolerance:
// compact and securecookie expiresAt in milliseconds, expired when
// expiresAt <= now; jwt and jwe as jose's jwtVerify does, in whole
// seconds, nbf first.
func (k *clock) valid(now time.Time) error {
	if !k.claims {
		if k.expMillis <= now.UnixMilli() {
			return errExpired
		}
		return nil
	}
	sec := float64(now.Unix())
	if k.hasNbf && k.nbf > sec {
		return errNotYet
	}
	if k.exp <= sec {
		return errExpired
	}
	if k.badExp {
		return errNumber
	}
	return nil
}

// fill sets the dates the value left out to now (milliseconds), as zod's
// defaults do on every parse.
func (k *clock) fill(now time.Time, p *Payload) {
	if k.defaulted == 0 {
		return
	}
	t := store.Truncate(now)
	if k.defaulted&dSessCreated != 0 {
		p.Session.CreatedAt = t
	}
	if k.defaulted&dSessUpdated != 0 {
		p.Session.UpdatedAt = t
	}
	if k.defaulted&dUserCreated != 0 {
		p.User.CreatedAt = t
	}
	if k.defaulted&dUserUpdated != 0 {
		p.User.UpdatedAt = t
	}
}

// apply is valid, then fill.
func (k *clock) apply(now time.Time, p *Payload) error {
	if err := k.valid(now); err != nil {
		return err
	}
	k.fill(now, p)
	return nil
}

// Strategy names returned by Codec.Strategy.
const (
	StrategyCompact      = "compact"
	StrategyJWT          = "jwt"
	StrategyJWE          = "jwe"
	StrategySecureCookie = "securecookie"
)

// decodeError is an allocation-free error that wraps ErrInvalid or
// ErrExpired with a fixed detail.
type decodeError struct {
	kind error
	msg  string
}

func (e *decodeError) Error() string { return e.kind.Error() + ": " + e.msg }
func (e *decodeError) Unwrap() error { return e.kind }

func invalid(msg string) error { return &decodeError{ErrInvalid, msg} }

var (
	errTooLong    = invalid("value too long")
	errEmpty      = invalid("empty value")
	errBase64     = invalid("malformed base64")
	errBadMAC     = invalid("signature mismatch")
	errExpired    = &decodeError{ErrExpired, "cache expiry passed"}
	errExpNotSet  = invalid("missing exp claim")
	errNotYet     = invalid("nbf claim in the future")
	errSegments   = invalid("wrong number of segments")
	errHeader     = invalid("unsupported protected header")
	errUnknownKid = invalid("unknown kid")
)

// copySecrets checks and copies the secrets given to a constructor. A codec
// without a secret is a programming error, so constructors panic on it.
func copySecrets(fn string, secrets [][]byte) [][]byte {
	if len(secrets) == 0 {
		panic("cache: " + fn + " needs at least one secret")
	}
	out := make([][]byte, len(secrets))
	for i, s := range secrets {
		if len(s) == 0 {
			panic("cache: " + fn + ": empty secret")
		}
		out[i] = append([]byte(nil), s...)
	}
	return out
}
