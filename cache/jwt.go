package cache

import (
	"crypto/hmac"
	"crypto/sha256"
	"strconv"
	"time"
)

// jwtHeader is base64url({"alg":"HS256"}), the header jose writes for
// Better Auth.
const jwtHeader = "eyJhbGciOiJIUzI1NiJ9"

type jwtCodec struct {
	macs   []*macPool
	fields *fieldSpec
}

// NewJWT returns the "jwt" codec: a compact JWS with header
// {"alg":"HS256"} whose claims are P plus iat and exp, signed with
// HMAC-SHA256 keyed by the secret's bytes.
//
// Encode sets iat from UpdatedAt and exp from ExpiresAt, both truncated to
// whole seconds, and writes the claims in Better Auth's order (session,
// user, updatedAt, version, iat, exp) with JavaScript's string rules.
// Decode accepts alg HS256 only (none and every other algorithm are
// rejected), requires exp, and applies it with no clock tolerance, as
// jose's jwtVerify does: expired when exp <= now in whole seconds.
//
// The first secret signs; every secret verifies. It panics if no secret,
// or an empty one, is given.
func NewJWT(secrets ...[]byte) Codec {
	return &jwtCodec{macs: sha256Pools("NewJWT", secrets)}
}

func (c *jwtCodec) Strategy() string { return StrategyJWT }

func (c *jwtCodec) Encode(p *Payload) (string, error) {
	body, err := payloadBody(p, c.fields)
	if err != nil {
		return "", err
	}
	if body, err = appendClaims(body, p); err != nil {
		return "", err
	}
	body = append(body, '}')

	out := make([]byte, 0, len(jwtHeader)+2+b64Encode.EncodedLen(len(body))+43)
	out = append(out, jwtHeader+"."...)
	out = b64Encode.AppendEncode(out, body)
	h := c.macs[0].get()
	h.Write(out)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	c.macs[0].put(h)
	out = append(out, '.')
	out = b64Encode.AppendEncode(out, sum[:])
	return string(out), nil
}

func (c *jwtCodec) Decode(value string, now time.Time) (*Payload, error) {
	return decodeNew(c, value, now)
}

// verify is the jwt decode without its clock (see verifyWith).
func (c *jwtCodec) verify(value string, out *Payload, k *clock) error {
	if len(value) > MaxValueLen {
		return errTooLong
	}
	var seg [3]string
	if !splitDots(value, seg[:]) {
		return errSegments
	}
	st := getState(c.fields)
	defer putState(st)
	p := &st.p

	if seg[0] != jwtHeader {
		var ok bool
		if st.buf, ok = decodeB64(st.buf, seg[0]); !ok {
			return errBase64
		}
		p.reset(st.buf, st)
		var h joseHeader
		if err := p.header(&h); err != nil {
			return err
		}
		if string(h.alg) != "HS256" {
			return errHeader
		}
	}

	if len(seg[2]) != 43 {
		return errBadMAC
	}
	sig, ok := decodeB64(st.sig[:0], seg[2])
	if !ok || len(sig) != sha256.Size {
		return errBadMAC
	}
	signed := len(seg[0]) + 1 + len(seg[1])
	st.aux = append(st.aux[:0], value[:signed]...)
	match := false
	for _, m := range c.macs {
		h := m.get()
		h.Write(st.aux)
		sum := h.Sum(st.sum[:0])
		m.put(h)
		if hmac.Equal(sum, sig) {
			match = true
			break
		}
	}
	if !match {
		return errBadMAC
	}

	if st.buf, ok = decodeB64(st.buf, seg[1]); !ok {
		return errBase64
	}
	return p.claims(st.buf, st, out, k)
}

func appendInt(dst []byte, v int64) []byte { return strconv.AppendInt(dst, v, 10) }
