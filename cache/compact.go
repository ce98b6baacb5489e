package cache

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"time"
)

// compactCodec is Better Auth's default strategy.
type compactCodec struct {
	macs   []*macPool // one per secret; the first signs
	fields *fieldSpec // nil: no additional fields
}

// NewCompact returns the "compact" codec, Better Auth's default:
// base64url of {"session":P,"expiresAt":E,"signature":sig}, where sig is
// HMAC-SHA256 over P with "expiresAt":E appended.
//
// The first secret signs; every secret verifies, so a rotated-out secret
// keeps reading old cookies until they expire. (Better Auth itself signs and
// verifies compact cookies with its current secret only.) It panics if no
// secret, or an empty one, is given.
//
// Decode verifies the signature over the exact bytes of the session member,
// as Better Auth does for cookies minted by JavaScript, so it never
// re-serialises what it parsed. Encode writes JSON byte for byte as
// JavaScript's JSON.stringify would, so Better Auth's re-serialising
// verifier accepts it. The cache is expired when expiresAt <= now in
// milliseconds: Better Auth accepts it while expiresAt > Date.now().
func NewCompact(secrets ...[]byte) Codec {
	return &compactCodec{macs: sha256Pools("NewCompact", secrets)}
}

func (c *compactCodec) Strategy() string { return StrategyCompact }

func (c *compactCodec) Encode(p *Payload) (string, error) {
	body, err := payloadBody(p, c.fields)
	if err != nil {
		return "", err
	}
	var e [24]byte
	exp := e[:0]
	if exp, err = appendMillis(exp, p.ExpiresAt); err != nil {
		return "", err
	}
	n := len(body)
	// M = P with a final "expiresAt" member.
	body = append(body, `,"expiresAt":`...)
	body = append(body, exp...)
	body = append(body, '}')
	h := c.macs[0].get()
	h.Write(body)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	c.macs[0].put(h)

	out := make([]byte, 0, n+120)
	out = append(out, `{"session":`...)
	out = append(out, body[:n]...)
	out = append(out, `},"expiresAt":`...)
	out = append(out, exp...)
	out = append(out, `,"signature":"`...)
	out = b64Encode.AppendEncode(out, sum[:])
	out = append(out, `"}`...)
	return b64Encode.EncodeToString(out), nil
}

func (c *compactCodec) Decode(value string, now time.Time) (*Payload, error) {
	return decodeNew(c, value, now)
}

// verify is the compact decode without its clock (see verifyWith).
func (c *compactCodec) verify(value string, out *Payload, k *clock) error {
	if len(value) > MaxValueLen {
		return errTooLong
	}
	// Better Auth's base64 decoder stops at the first '='.
	if i := strings.IndexByte(value, '='); i >= 0 {
		value = value[:i]
	}
	if value == "" {
		return errEmpty
	}
	st := getState(c.fields)
	defer putState(st)
	var ok bool
	if st.buf, ok = decodeB64(st.buf, value); !ok {
		return errBase64
	}
	p := &st.p
	p.reset(st.buf, st)
	rp := &st.rp

	// {"session": P, "expiresAt": E, "signature": sig}; zod's z.object
	// ignores other members.
	var sessStart, sessEnd int
	var expRaw, sigRaw []byte
	const gotSession, gotExp, gotSig = 1, 2, 4
	have, err := p.members(func(k []byte) (uint32, error) {
		switch string(k) {
		case "session":
			sessStart = p.i
			err := p.payload(rp, modeCompact)
			sessEnd = p.i
			return gotSession, err
		case "expiresAt":
			if c := p.peek(); c != '-' && (c < '0' || c > '9') {
				return 0, errShape
			}
			var err error
			expRaw, err = p.number()
			return gotExp, err
		case "signature":
			if p.peek() != '"' {
				return 0, errShape
			}
			s, err := p.str()
			if err == nil {
				sigRaw = p.bytes(s)
			}
			return gotSig, err
		}
		return 0, p.skipAny()
	})
	if err == nil {
		err = p.end()
	}
	if err != nil {
		return err
	}
	if have != gotSession|gotExp|gotSig {
		return errShape
	}
	exp, ok := canonicalInt(expRaw)
	if !ok {
		return errNumber
	}
	// The signature decoder also accepts either alphabet and stops at '='.
	if i := indexByte(sigRaw, '='); i >= 0 {
		sigRaw = sigRaw[:i]
	}
	if len(sigRaw) != 43 {
		return errBadMAC
	}
	sig, ok := decodeB64(st.sig[:0], sigRaw)
	if !ok || len(sig) != sha256.Size {
		return errBadMAC
	}

	// M = the session member's raw bytes without the closing '}', then
	// ,"expiresAt":E}.
	msg := st.buf[sessStart:sessEnd]
	msg = msg[:len(msg)-1]
	suffix := append(st.suffix[:0], `,"expiresAt":`...)
	suffix = append(suffix, expRaw...)
	suffix = append(suffix, '}')
	match := false
	for _, m := range c.macs {
		h := m.get()
		h.Write(msg)
		h.Write(suffix)
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
	p.buildInto(rp, out)
	out.ExpiresAt = time.UnixMilli(exp).UTC()
	*k = clock{expMillis: exp, defaulted: rp.defaulted}
	return nil
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}
