package cache

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// This file applies Better Auth's zod checks to the members of a
// cache payload that it knows, on top of the tokenizer in jsontoken.go.

var (
	errShape  = invalid("payload fails the cookie-cache schema")
	errDate   = invalid("payload date is not an ISO date with Z")
	errNumber = invalid("number out of range")
)

// strVal reads a string value that zod checks with z.string(). Better Auth
// parses with a date reviver, so a string that reads as an ISO date arrives
// as a Date and fails z.string(): mirror that.
func (p *parser) strVal() (span, error) {
	if p.peek() != '"' {
		return span{}, errShape
	}
	s, err := p.str()
	if err != nil {
		return s, err
	}
	if _, isDate := parseJSDate(p.bytes(s)); isDate {
		return s, errShape
	}
	return s, nil
}

// nullishStrVal reads z.string().nullish(): a string or null.
func (p *parser) nullishStrVal() (span, error) {
	if p.peek() == 'n' {
		return span{}, p.lit("null")
	}
	return p.strVal()
}

// dateVal reads a value that zod checks with z.date(): a string the reviver
// turns into a valid Date.
func (p *parser) dateVal() (time.Time, error) {
	if p.peek() != '"' {
		return time.Time{}, errDate
	}
	s, err := p.str()
	if err != nil {
		return time.Time{}, err
	}
	t, ok := parseJSDate(p.bytes(s))
	if !ok {
		return time.Time{}, errDate
	}
	return t, nil
}

// numVal reads a value zod checks with z.number().
func (p *parser) numVal() (float64, []byte, error) {
	c := p.peek()
	if c != '-' && (c < '0' || c > '9') {
		return 0, nil, errShape
	}
	raw, err := p.number()
	if err != nil {
		return 0, nil, err
	}
	if v, ok := canonicalInt(raw); ok {
		return float64(v), raw, nil
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsInf(f, 0) { // JSON.parse gives ±Infinity; zod rejects it
		return 0, nil, errNumber
	}
	return f, raw, nil
}

// maxSafeInt is JavaScript's Number.MAX_SAFE_INTEGER.
const maxSafeInt = 1<<53 - 1

// canonicalInt parses an integer written the way JavaScript writes it: an
// optional '-', no leading zeros, no "-0", at most MAX_SAFE_INTEGER.
func canonicalInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	if len(b) == 0 || len(b) > 16 || (b[0] == '0' && (len(b) > 1 || neg)) {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if v > maxSafeInt {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// boolVal reads a boolean.
func (p *parser) boolVal() (bool, error) {
	p.ws()
	if p.literal("true") {
		return true, nil
	}
	if p.literal("false") {
		return false, nil
	}
	return false, errShape
}

// parseJSDate parses what Better Auth's reviver turns into a Date: a string
// matching ^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$ that V8's Date
// accepts. Like V8, it takes days 1-31 and rolls over (Feb 30 is Mar 2),
// takes 24:00:00 as the next midnight, and truncates fractions to ms.
func parseJSDate(b []byte) (time.Time, bool) {
	n := len(b)
	if n < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' ||
		b[16] != ':' || b[n-1] != 'Z' {
		return time.Time{}, false
	}
	d2 := func(i int) int {
		x, y := b[i]-'0', b[i+1]-'0'
		if x > 9 || y > 9 {
			return -1
		}
		return int(x)*10 + int(y)
	}
	yh, yl := d2(0), d2(2)
	mo, dd, hh, mi, ss := d2(5), d2(8), d2(11), d2(14), d2(17)
	if yh < 0 || yl < 0 || mo < 0 || dd < 0 || hh < 0 || mi < 0 || ss < 0 {
		return time.Time{}, false
	}
	ms, fracZero := 0, true
	if n > 20 {
		if b[19] != '.' || n == 21 {
			return time.Time{}, false
		}
		for k, c := range b[20 : n-1] {
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			if k < 3 {
				ms = ms*10 + int(c-'0')
			}
			fracZero = fracZero && c == '0'
		}
		for k := n - 21; k < 3; k++ {
			ms *= 10
		}
	}
	if mo < 1 || mo > 12 || dd < 1 || dd > 31 || mi > 59 || ss > 59 ||
		hh > 24 || (hh == 24 && (mi != 0 || ss != 0 || !fracZero)) {
		return time.Time{}, false
	}
	return time.Date(yh*100+yl, time.Month(mo), dd, hh, mi, ss, ms*1e6, time.UTC), true
}

// msTime converts JavaScript milliseconds to a time.
func msTime(f float64) (time.Time, bool) {
	if math.IsNaN(f) || f > maxJSMillis || f < -maxJSMillis {
		return time.Time{}, false
	}
	if f == math.Trunc(f) {
		return time.UnixMilli(int64(f)).UTC(), true
	}
	sec := math.Floor(f / 1000)
	ns := math.Floor((f - sec*1000) * 1e6)
	return time.Unix(int64(sec), int64(ns)).UTC(), true
}

// secTime converts JWT NumericDate seconds to a time.
func secTime(f float64) (time.Time, bool) {
	t, ok := msTime(f * 1000)
	if ok && f == math.Trunc(f) {
		t = time.Unix(int64(f), 0).UTC()
	}
	return t, ok
}

// payloadMode says which strategy-specific members P carries.
type payloadMode uint8

const (
	modeCompact payloadMode = iota // P inside the compact envelope
	modeClaims                     // JWT/JWE claims: P + iat, exp, nbf, jti
	modeExpires                    // securecookie: P + expiresAt (ms)
)

// Members already seen, to reject duplicates of the keys the schema knows.
const (
	hSession = 1 << iota
	hUser
	hUpdatedAt
	hVersion
	hExp
	hIat
	hNbf
	hExpiresAt
)

// rawPayload is P as read, before the signature is trusted: strings are
// spans, so a forged value costs no allocation.
type rawPayload struct {
	sID, sToken, sUserID, sIP, sUA span
	sExpires, sCreated, sUpdated   time.Time
	uID, uName, uEmail, uImage     span
	uVerified                      bool
	uCreated, uUpdated             time.Time
	updatedAt                      time.Time
	version                        span
	exp, nbf                       float64
	expiresAt                      int64
	have                           uint32
	// defaulted lists the dates zod defaults to now that the value left
	// out (dSessCreated...): the caller's clock sets them (clock.fill).
	defaulted uint8
}

// Dates a payload may leave out, which then read as the time of the
// request.
const (
	dSessCreated = 1 << iota
	dSessUpdated
	dUserCreated
	dUserUpdated
)

// payload reads P at p.i and checks it against Better Auth's
// schema. Dates that zod defaults to now (createdAt, updatedAt) are
// flagged in rp.defaulted, for the caller's clock.
func (p *parser) payload(rp *rawPayload, mode payloadMode) error {
	have, err := p.members(func(k []byte) (uint32, error) {
		switch string(k) {
		case "session":
			return hSession, p.session(rp)
		case "user":
			return hUser, p.user(rp)
		case "updatedAt":
			f, _, err := p.numVal()
			if err != nil {
				return 0, err
			}
			var ok bool
			if rp.updatedAt, ok = msTime(f); !ok {
				return 0, errNumber
			}
			return hUpdatedAt, nil
		case "version":
			var err error
			rp.version, err = p.strVal()
			return hVersion, err
		}
		return p.extraMember(rp, k, mode)
	})
	rp.have = have
	if err != nil {
		return err
	}
	need := uint32(hSession | hUser | hUpdatedAt)
	switch mode {
	case modeClaims:
		if rp.have&hExp == 0 {
			return errExpNotSet
		}
	case modeExpires:
		need |= hExpiresAt
	}
	if rp.have&need != need {
		return errShape
	}
	return nil
}

// extraMember reads a member of P that is not part of the schema: the
// strategy's own members, or anything else (skipped, as zod's looseObject
// allows). It returns the member's bit when it is one to keep unique.
func (p *parser) extraMember(rp *rawPayload, k []byte, mode payloadMode) (uint32, error) {
	switch mode {
	case modeCompact:
		// Better Auth signs {...P, expiresAt}: a top-level expiresAt in P
		// would be overwritten in place, which the raw-bytes check can't
		// reproduce. Better Auth never writes one.
		if string(k) == "expiresAt" {
			return 0, errShape
		}
	case modeClaims:
		// jose checks exp, nbf and iat are numbers when present.
		switch string(k) {
		case "exp":
			f, _, err := p.numVal()
			rp.exp = f
			return hExp, err
		case "nbf":
			f, _, err := p.numVal()
			rp.nbf = f
			return hNbf, err
		case "iat":
			_, _, err := p.numVal()
			return hIat, err
		}
	case modeExpires:
		if string(k) == "expiresAt" {
			if p.peek() == '-' || (p.peek() >= '0' && p.peek() <= '9') {
				raw, err := p.number()
				if err != nil {
					return 0, err
				}
				v, ok := canonicalInt(raw)
				if !ok {
					return 0, errNumber
				}
				rp.expiresAt = v
				return hExpiresAt, nil
			}
			return 0, errShape
		}
	}
	return 0, p.skipAny()
}

const (
	fID = 1 << iota
	fToken
	fUserID
	fExpiresAt
	fCreatedAt
	fUpdatedAt
	fIP
	fUA
	fName
	fEmail
	fVerified
	fImage
)

// session reads S: id, token, userId (coerced to a string), expiresAt
// (required Date), createdAt/updatedAt (Dates, default now: flagged), ipAddress and
// userAgent (string, null or absent).
func (p *parser) session(rp *rawPayload) error {
	var seen uint64
	have, err := p.members(func(k []byte) (uint32, error) {
		var err error
		switch string(k) {
		case "id":
			rp.sID, err = p.strVal()
			return fID, err
		case "token":
			rp.sToken, err = p.strVal()
			return fToken, err
		case "userId":
			rp.sUserID, err = p.coercedStr()
			return fUserID, err
		case "expiresAt":
			rp.sExpires, err = p.dateVal()
			return fExpiresAt, err
		case "createdAt":
			rp.sCreated, err = p.dateVal()
			return fCreatedAt, err
		case "updatedAt":
			rp.sUpdated, err = p.dateVal()
			return fUpdatedAt, err
		case "ipAddress":
			rp.sIP, err = p.nullishStrVal()
			return fIP, err
		case "userAgent":
			rp.sUA, err = p.nullishStrVal()
			return fUA, err
		}
		if fs := p.st.fs; fs != nil {
			return 0, p.declField(k, fs.session, p.st.sf, &seen)
		}
		return 0, p.skipAny()
	})
	if err != nil {
		return err
	}
	const need = fID | fToken | fUserID | fExpiresAt
	if have&need != need {
		return errShape
	}
	if have&fCreatedAt == 0 {
		rp.defaulted |= dSessCreated
	}
	if have&fUpdatedAt == 0 {
		rp.defaulted |= dSessUpdated
	}
	return nil
}

// user reads U: id, name, email (lower-cased later), emailVerified (boolean,
// default false), image (string, null or absent), createdAt/updatedAt
// (Dates, default now: flagged).
func (p *parser) user(rp *rawPayload) error {
	var seen uint64
	have, err := p.members(func(k []byte) (uint32, error) {
		var err error
		switch string(k) {
		case "id":
			rp.uID, err = p.strVal()
			return fID, err
		case "name":
			rp.uName, err = p.strVal()
			return fName, err
		case "email":
			rp.uEmail, err = p.strVal()
			return fEmail, err
		case "emailVerified":
			rp.uVerified, err = p.boolVal()
			return fVerified, err
		case "image":
			rp.uImage, err = p.nullishStrVal()
			return fImage, err
		case "createdAt":
			rp.uCreated, err = p.dateVal()
			return fCreatedAt, err
		case "updatedAt":
			rp.uUpdated, err = p.dateVal()
			return fUpdatedAt, err
		}
		if fs := p.st.fs; fs != nil {
			return 0, p.declField(k, fs.user, p.st.uf, &seen)
		}
		return 0, p.skipAny()
	})
	if err != nil {
		return err
	}
	const need = fID | fName | fEmail
	if have&need != need {
		return errShape
	}
	if have&fCreatedAt == 0 {
		rp.defaulted |= dUserCreated
	}
	if have&fUpdatedAt == 0 {
		rp.defaulted |= dUserUpdated
	}
	return nil
}

// coercedStr reads session.userId, which zod coerces to a string. Strings
// and integers (kept as JavaScript writes them) are accepted; Better Auth's
// coercion of other types (true, null, objects) is not reproduced.
func (p *parser) coercedStr() (span, error) {
	c := p.peek()
	if c == '-' || (c >= '0' && c <= '9') {
		start := p.i
		raw, err := p.number()
		if err != nil {
			return span{}, err
		}
		if _, ok := canonicalInt(raw); !ok {
			return span{}, errShape
		}
		return span{off: start, n: len(raw)}, nil
	}
	return p.strVal()
}

// build turns a verified rawPayload into a new Payload.
func (p *parser) build(rp *rawPayload) *Payload {
	out := new(Payload)
	p.buildInto(rp, out)
	return out
}

// buildInto turns a verified rawPayload into *out. All its strings share
// one allocation.
func (p *parser) buildInto(rp *rawPayload, out *Payload) {
	// zod lower-cases the email with String#toLowerCase.
	if email := p.bytes(rp.uEmail); needsLower(email) {
		off := len(p.st.scratch)
		p.st.scratch = appendJSLower(p.st.scratch, email)
		rp.uEmail = span{off: off, n: len(p.st.scratch) - off, scratch: true}
	}
	spans := [...]*span{
		&rp.sID, &rp.sToken, &rp.sUserID, &rp.sIP, &rp.sUA,
		&rp.uID, &rp.uName, &rp.uEmail, &rp.uImage, &rp.version,
	}
	total := 0
	for _, s := range spans {
		total += s.n
	}
	var sb strings.Builder
	sb.Grow(total)
	var ends [len(spans)]int
	for k, s := range spans {
		sb.Write(p.bytes(*s))
		ends[k] = sb.Len()
	}
	all := sb.String()
	str := func(k int) string {
		start := 0
		if k > 0 {
			start = ends[k-1]
		}
		return all[start:ends[k]]
	}
	*out = Payload{
		Session: store.Session{
			ID: str(0), Token: str(1), UserID: str(2),
			ExpiresAt: rp.sExpires, CreatedAt: rp.sCreated, UpdatedAt: rp.sUpdated,
			IPAddress: str(3), UserAgent: str(4),
		},
		User: store.User{
			ID: str(5), Name: str(6), Email: str(7), EmailVerified: rp.uVerified,
			Image: str(8), CreatedAt: rp.uCreated, UpdatedAt: rp.uUpdated,
		},
		UpdatedAt: rp.updatedAt,
		Version:   str(9),
	}
	if fs := p.st.fs; fs != nil {
		out.Session.Fields = p.buildFields(fs.session, p.st.sf)
		out.User.Fields = p.buildFields(fs.user, p.st.uf)
	}
}
