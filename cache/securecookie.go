package cache

import (
	"crypto/hkdf"
	"crypto/sha256"
	"time"

	"github.com/gorilla/securecookie"
)

// Key derivation for the securecookie codec: one HKDF per secret, with
// distinct info strings so the hash and block keys are independent.
const (
	scSalt      = "sessionkit/cache/securecookie"
	scHashInfo  = "sessionkit securecookie HMAC-SHA256 hash key v1"
	scBlockInfo = "sessionkit securecookie AES-256 block key v1"
)

type secureCookieCodec struct {
	name   string
	codecs []securecookie.Codec
	fields *fieldSpec
}

// NewSecureCookie returns a codec built on gorilla/securecookie. It is not
// a Better Auth format: use it when only Go services read the cache and an
// encrypted, authenticated format from a well-known library is wanted.
//
// The payload inside is the JSON that the compact codec signs (P with a
// final "expiresAt" in milliseconds), encrypted with AES-256-CTR and
// authenticated with HMAC-SHA256 over the cookie name, a timestamp and the
// ciphertext. name must be the cookie's name: a value moved to another
// cookie name fails to decode.
//
// Each secret gives a 64-byte hash key and a 32-byte block key through
// HKDF-SHA256 with distinct info strings; securecookie.CodecsFromPairs does
// the rotation: the first secret encodes, all decode. securecookie's own
// timestamp expiry and length limit are turned off: the payload's expiresAt
// governs (expired when expiresAt <= now, in ms) and Decode applies
// MaxValueLen. It panics if no secret, or an empty one, is given.
func NewSecureCookie(name string, secrets ...[]byte) Codec {
	secrets = copySecrets("NewSecureCookie", secrets)
	var pairs [][]byte
	for _, s := range secrets {
		hashKey, err := hkdf.Key(sha256.New, s, []byte(scSalt), scHashInfo, 64)
		if err != nil {
			panic("cache: hkdf: " + err.Error()) // unreachable
		}
		blockKey, err := hkdf.Key(sha256.New, s, []byte(scSalt), scBlockInfo, 32)
		if err != nil {
			panic("cache: hkdf: " + err.Error()) // unreachable
		}
		pairs = append(pairs, hashKey, blockKey)
	}
	codecs := securecookie.CodecsFromPairs(pairs...)
	for _, c := range codecs {
		sc := c.(*securecookie.SecureCookie)
		sc.MaxAge(0)
		sc.MaxLength(0)
		sc.SetSerializer(securecookie.NopEncoder{})
	}
	return &secureCookieCodec{name: name, codecs: codecs}
}

func (c *secureCookieCodec) Strategy() string { return StrategySecureCookie }

func (c *secureCookieCodec) Encode(p *Payload) (string, error) {
	body, err := payloadBody(p, c.fields)
	if err != nil {
		return "", err
	}
	body = append(body, `,"expiresAt":`...)
	if body, err = appendMillis(body, p.ExpiresAt); err != nil {
		return "", err
	}
	body = append(body, '}')
	return securecookie.EncodeMulti(c.name, body, c.codecs...)
}

var errSecureCookie = invalid("securecookie: authentication failed")

func (c *secureCookieCodec) Decode(value string, now time.Time) (*Payload, error) {
	if len(value) > MaxValueLen {
		return nil, errTooLong
	}
	if value == "" {
		return nil, errEmpty
	}
	var plain []byte
	if err := securecookie.DecodeMulti(c.name, value, &plain, c.codecs...); err != nil {
		return nil, errSecureCookie
	}
	st := getState(c.fields)
	defer putState(st)
	p := &st.p
	p.reset(plain, st)
	rp := &st.rp
	if err := p.payload(rp, modeExpires); err != nil {
		return nil, err
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	k := clock{expMillis: rp.expiresAt, defaulted: rp.defaulted}
	if err := k.valid(now); err != nil {
		return nil, err
	}
	out := p.build(rp)
	out.ExpiresAt = time.UnixMilli(rp.expiresAt).UTC()
	k.fill(now, out)
	return out, nil
}
