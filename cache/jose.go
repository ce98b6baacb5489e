package cache

import (
	"strings"
	"time"
)

// joseHeader is what the JWT and JWE decoders need from a protected header.
type joseHeader struct {
	alg, enc []byte
	kid      []byte
	hasKid   bool // a kid member is present, whatever its type
	kidIsStr bool
}

// header reads a protected header. Like jose it rejects "crit" (no
// extension is understood) and "zip" (unsupported); it also rejects
// replicated iss/sub/aud claims, which Better Auth never writes. Other
// members are ignored.
func (p *parser) header(h *joseHeader) error {
	if p.peek() != '{' {
		return errHeader
	}
	_, err := p.members(func(k []byte) (uint32, error) {
		var err error
		switch string(k) {
		case "alg":
			h.alg, err = p.headerStr()
			return 1, err
		case "enc":
			h.enc, err = p.headerStr()
			return 2, err
		case "kid":
			h.hasKid = true
			if p.peek() == '"' {
				h.kidIsStr = true
				h.kid, err = p.headerStr()
			} else {
				err = p.skipAny()
			}
			return 4, err
		case "crit", "zip", "iss", "sub", "aud":
			return 0, errHeader
		}
		return 0, p.skipAny()
	})
	if err != nil {
		return err
	}
	return p.end()
}

func (p *parser) headerStr() ([]byte, error) {
	if p.peek() != '"' {
		return nil, errHeader
	}
	s, err := p.str()
	if err != nil {
		return nil, err
	}
	return p.bytes(s), nil
}

// splitDots cuts a compact JOSE serialisation into exactly n segments.
func splitDots(value string, parts []string) bool {
	for i := 0; i < len(parts)-1; i++ {
		j := strings.IndexByte(value, '.')
		if j < 0 {
			return false
		}
		parts[i], value = value[:j], value[j+1:]
	}
	if strings.IndexByte(value, '.') >= 0 {
		return false
	}
	parts[len(parts)-1] = value
	return true
}

// appendClaimTime appends t as a NumericDate (whole seconds).
func appendClaimTime(dst []byte, t time.Time) ([]byte, error) {
	if sec := t.Unix(); sec > maxJSMillis/1000 || sec < -maxJSMillis/1000 {
		return dst, errEncodeRange
	}
	return appendInt(dst, t.Unix()), nil
}

// claims reads a JOSE claims set (a jwt's payload, a jwe's plaintext)
// into *out, whose ExpiresAt is its exp, and *k (exp, nbf: see
// clock.valid).
func (p *parser) claims(b []byte, st *decodeState, out *Payload, k *clock) error {
	p.reset(b, st)
	rp := &st.rp
	if err := p.payload(rp, modeClaims); err != nil {
		return err
	}
	if err := p.end(); err != nil {
		return err
	}
	exp, ok := secTime(rp.exp)
	p.buildInto(rp, out)
	out.ExpiresAt = exp
	*k = clock{claims: true, hasNbf: rp.have&hNbf != 0, badExp: !ok, defaulted: rp.defaulted, exp: rp.exp, nbf: rp.nbf}
	return nil
}
