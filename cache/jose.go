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

// checkClaimTimes applies jose's exp and nbf checks with a clock tolerance
// in seconds: expired when exp <= now - tolerance, not yet valid when
// nbf > now + tolerance, with now in whole seconds.
func checkClaimTimes(rp *rawPayload, now time.Time, tolerance int64) error {
	sec := now.Unix()
	if rp.have&hNbf != 0 && rp.nbf > float64(sec+tolerance) {
		return errNotYet
	}
	if rp.exp <= float64(sec-tolerance) {
		return errExpired
	}
	return nil
}

// appendClaimTime appends t as a NumericDate (whole seconds).
func appendClaimTime(dst []byte, t time.Time) ([]byte, error) {
	if sec := t.Unix(); sec > maxJSMillis/1000 || sec < -maxJSMillis/1000 {
		return dst, errEncodeRange
	}
	return appendInt(dst, t.Unix()), nil
}

// claims reads a JOSE claims set (a jwt's payload, a jwe's plaintext) into
// a Payload whose ExpiresAt is its exp, refused from the second exp passes.
func (p *parser) claims(b []byte, st *decodeState, now time.Time) (*Payload, error) {
	p.reset(b, st)
	rp := &st.rp
	if err := p.payload(rp, modeClaims, now); err != nil {
		return nil, err
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	if err := checkClaimTimes(rp, now, 0); err != nil {
		return nil, err
	}
	exp, ok := secTime(rp.exp)
	if !ok {
		return nil, errNumber
	}
	out := p.build(rp)
	out.ExpiresAt = exp
	return out, nil
}
