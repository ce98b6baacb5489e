package cache

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"time"
)

// Better Auth's key derivation for the session cookie cache.
const (
	jweSalt = "better-auth-session"
	jweInfo = "BetterAuth.js Generated Encryption Key"
)

// jweKey is everything derived from one secret.
type jweKey struct {
	kid    string
	header string // base64url of {"alg":"dir","enc":"A256CBC-HS512","kid":kid}
	block  cipher.Block
	mac    *macPool // HMAC-SHA512 keyed with K[0:32]
}

type jweCodec struct {
	keys   []*jweKey
	fields *fieldSpec
}

// NewJWE returns the "jwe" codec, Better Auth's default in
// stateless mode: a compact JWE with alg "dir" and enc "A256CBC-HS512"
// (RFC 7518 §5.2.5), whose plaintext is P plus iat, exp and jti.
//
// Each secret gives a 64-byte key K = HKDF-SHA256(secret,
// salt "better-auth-session", info "BetterAuth.js Generated Encryption
// Key"), named by its RFC 7638 thumbprint (kid). Encode uses the first
// secret and writes its kid; Decode picks the key by kid and rejects an
// unknown kid; a token without kid is tried with every key, first to last.
// exp is required and checked with no clock tolerance: expired when
// exp <= now in whole seconds. (Better Auth gives jose 15 s of tolerance,
// which would keep a cache cookie, and a session revoked elsewhere,
// answering 15 s past its MaxAge.)
//
// It panics if no secret, or an empty one, is given.
func NewJWE(secrets ...[]byte) Codec {
	return &jweCodec{keys: newJWEKeys("NewJWE", jweSalt, secrets)}
}

// newJWEKeys derives the key of every secret under salt, first to last.
func newJWEKeys(fn, salt string, secrets [][]byte) []*jweKey {
	secrets = copySecrets(fn, secrets)
	keys := make([]*jweKey, 0, len(secrets))
	for _, s := range secrets {
		k := deriveJWEKeySalt(s, salt)
		block, err := aes.NewCipher(k[32:])
		if err != nil {
			panic("cache: " + fn + ": " + err.Error()) // unreachable: the key is 32 bytes
		}
		kid := jwkThumbprint(k)
		keys = append(keys, &jweKey{
			kid:    kid,
			header: b64Encode.EncodeToString([]byte(`{"alg":"dir","enc":"A256CBC-HS512","kid":"` + kid + `"}`)),
			block:  block,
			mac:    newMacPool(sha512.New, k[:32]),
		})
	}
	return keys
}

// deriveJWEKey returns K for secret.
func deriveJWEKey(secret []byte) []byte { return deriveJWEKeySalt(secret, jweSalt) }

// deriveJWEKeySalt returns K for secret under salt: Better Auth's
// deriveEncryptionSecret.
func deriveJWEKeySalt(secret []byte, salt string) []byte {
	k, err := hkdf.Key(sha256.New, secret, []byte(salt), jweInfo, 64)
	if err != nil {
		panic("cache: hkdf: " + err.Error()) // unreachable: 64 bytes is within limits
	}
	return k
}

// jwkThumbprint is the RFC 7638 SHA-256 thumbprint of the oct JWK holding k.
func jwkThumbprint(k []byte) string {
	sum := sha256.Sum256([]byte(`{"k":"` + b64Encode.EncodeToString(k) + `","kty":"oct"}`))
	return b64Encode.EncodeToString(sum[:])
}

func (c *jweCodec) Strategy() string { return StrategyJWE }

func (c *jweCodec) Encode(p *Payload) (string, error) {
	var iv [aes.BlockSize]byte
	rand.Read(iv[:]) // never fails (crypto/rand, Go 1.24+)
	return c.seal(p, iv, appendUUIDv4(make([]byte, 0, 36)))
}

// seal is Encode with the random parts given: the IV and the jti.
func (c *jweCodec) seal(p *Payload, iv [aes.BlockSize]byte, jti []byte) (string, error) {
	body, err := payloadBody(p, c.fields)
	if err != nil {
		return "", err
	}
	if body, err = appendClaims(body, p); err != nil {
		return "", err
	}
	return jweSeal(c.keys[0], body, iv, jti), nil
}

// jweSeal closes the JSON object body (open: its members so far, iat and
// exp included) with the jti, then encrypts it with key under iv, as jose's
// EncryptJWT does. body is overwritten.
func jweSeal(key *jweKey, body []byte, iv [aes.BlockSize]byte, jti []byte) string {
	body = append(body, `,"jti":`...)
	body = appendJSString(body, string(jti))
	body = append(body, '}')

	// PKCS#7 padding, then AES-256-CBC.
	pad := aes.BlockSize - len(body)%aes.BlockSize
	for range pad {
		body = append(body, byte(pad))
	}
	cipher.NewCBCEncrypter(key.block, iv[:]).CryptBlocks(body, body)
	tag := jweTag(key, []byte(key.header), iv[:], body, nil)

	out := make([]byte, 0, len(key.header)+2+22+1+b64Encode.EncodedLen(len(body))+1+43)
	out = append(out, key.header...)
	out = append(out, ".."...)
	out = b64Encode.AppendEncode(out, iv[:])
	out = append(out, '.')
	out = b64Encode.AppendEncode(out, body)
	out = append(out, '.')
	out = b64Encode.AppendEncode(out, tag)
	return string(out)
}

// jweTag computes the A256CBC-HS512 authentication tag (RFC 7518
// §5.2.2.1): the first 32 bytes of HMAC-SHA512(MAC_KEY, AAD || IV || CT ||
// AL), AL being the bit length of AAD as a 64-bit big-endian integer. The
// result goes in sum, or a new slice when sum is nil.
func jweTag(key *jweKey, aad, iv, ct []byte, sum []byte) []byte {
	var al [8]byte
	binary.BigEndian.PutUint64(al[:], uint64(len(aad))*8)
	h := key.mac.get()
	h.Write(aad)
	h.Write(iv)
	h.Write(ct)
	h.Write(al[:])
	sum = h.Sum(sum[:0])
	key.mac.put(h)
	return sum[:32]
}

// appendUUIDv4 appends a random RFC 9562 version 4 UUID, as
// crypto.randomUUID writes it.
func appendUUIDv4(dst []byte) []byte {
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	for i, b := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[b>>4], hexDigits[b&0xf])
	}
	return dst
}

func (c *jweCodec) Decode(value string, now time.Time) (*Payload, error) {
	return decodeNew(c, value, now)
}

// verify is the jwe decode without its clock (see verifyWith).
func (c *jweCodec) verify(value string, out *Payload, k *clock) error {
	st := getState(c.fields)
	defer putState(st)
	plain, err := jweOpen(c.keys, value, st)
	if err != nil {
		return err
	}
	return st.p.claims(plain, st, out, k)
}

// jweOpen checks and decrypts value with keys, as Better Auth's
// symmetricDecodeJWT picks them (by kid; without one, each in turn), and
// returns the plaintext, which lives in st.aux.
func jweOpen(keys []*jweKey, value string, st *decodeState) ([]byte, error) {
	if len(value) > MaxValueLen {
		return nil, errTooLong
	}
	var seg [5]string
	if !splitDots(value, seg[:]) {
		return nil, errSegments
	}
	if seg[1] != "" { // "dir" has no encrypted key
		return nil, errHeader
	}
	p := &st.p
	all := keys

	// Fast path: the exact header this package and Better Auth write.
	var one [1]*jweKey
	known := false
	for _, k := range all {
		if seg[0] == k.header {
			one[0], keys, known = k, one[:], true
			break
		}
	}
	if !known {
		var ok bool
		if st.buf, ok = decodeB64(st.buf, seg[0]); !ok {
			return nil, errBase64
		}
		p.reset(st.buf, st)
		var h joseHeader
		if err := p.header(&h); err != nil {
			return nil, err
		}
		if string(h.alg) != "dir" || string(h.enc) != "A256CBC-HS512" {
			return nil, errHeader
		}
		if h.hasKid {
			keys = nil
			if h.kidIsStr {
				for _, k := range all {
					if string(h.kid) == k.kid {
						one[0] = k
						keys = one[:]
						break
					}
				}
			}
			if keys == nil {
				return nil, errUnknownKid
			}
		}
	}

	// IV (16 bytes) and tag (32 bytes) have fixed encoded lengths.
	if len(seg[2]) != 22 || len(seg[4]) != 43 {
		return nil, errBadMAC
	}
	iv, ok := decodeB64(st.suffix[:0], seg[2])
	if !ok || len(iv) != aes.BlockSize {
		return nil, errBase64
	}
	tag, ok := decodeB64(st.sig[:0], seg[4])
	if !ok || len(tag) != 32 {
		return nil, errBase64
	}
	if st.aux, ok = decodeB64(st.aux, seg[3]); !ok {
		return nil, errBase64
	}
	ct := st.aux
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, errBadMAC
	}
	st.buf = append(st.buf[:0], seg[0]...)
	var key *jweKey
	for _, k := range keys {
		if hmac.Equal(jweTag(k, st.buf, iv, ct, st.sum[:0]), tag) {
			key = k
			break
		}
	}
	if key == nil {
		return nil, errBadMAC
	}
	cipher.NewCBCDecrypter(key.block, iv).CryptBlocks(ct, ct)
	// The tag is verified, so the padding check can't be an oracle.
	pad := int(ct[len(ct)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, errBadMAC
	}
	for _, b := range ct[len(ct)-pad:] {
		if int(b) != pad {
			return nil, errBadMAC
		}
	}
	return ct[:len(ct)-pad], nil
}
