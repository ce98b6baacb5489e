package cache

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sessionkit/sessionkit/store"
)

// This file is a small validating JSON reader for cache payloads. It accepts
// exactly RFC 8259 JSON (what JSON.parse accepts, minus invalid UTF-8, which
// a JavaScript string cannot hold), records where each string it needs lies
// instead of allocating it, and applies Better Auth's zod checks (spec §3.1)
// to the members it knows. encoding/json is avoided on the hot path: it costs
// more than the rest of a compact decode put together.

var (
	errSyntax    = invalid("malformed JSON")
	errDepth     = invalid("JSON nested too deeply")
	errUTF8      = invalid("invalid UTF-8 in JSON string")
	errDuplicate = invalid("duplicate member")
	errShape     = invalid("payload fails the cookie-cache schema")
	errDate      = invalid("payload date is not an ISO date with Z")
	errNumber    = invalid("number out of range")
)

// maxDepth bounds nesting in members the reader skips (plugin fields).
const maxDepth = 128

// span locates a string's content: in the parsed input when it had no
// escapes, in the scratch buffer when it had to be unescaped.
type span struct {
	off, n  int
	scratch bool
}

// decodeState is the per-call working memory of a decode, pooled so a cache
// hit allocates only its result.
type decodeState struct {
	buf     []byte   // compact JSON; JWT header and claims; JWE header, then AAD
	aux     []byte   // JWT signing input; JWE ciphertext, then plaintext
	scratch []byte   // unescaped strings
	sum     [64]byte // MAC output
	sig     [64]byte // signature or tag from the value
	suffix  [48]byte // compact's ,"expiresAt":E}; JWE IV
	p       parser
	rp      rawPayload
}

var statePool = sync.Pool{New: func() any { return new(decodeState) }}

// poolKeepMax is the largest buffer returned to the pool; bigger ones (a
// chunked cookie with a large image) are left to the garbage collector.
const poolKeepMax = 64 << 10

func getState() *decodeState {
	st := statePool.Get().(*decodeState)
	st.scratch = st.scratch[:0]
	st.rp = rawPayload{}
	return st
}

func putState(st *decodeState) {
	if cap(st.buf) > poolKeepMax {
		st.buf = nil
	}
	if cap(st.aux) > poolKeepMax {
		st.aux = nil
	}
	if cap(st.scratch) > poolKeepMax {
		st.scratch = nil
	}
	st.p = parser{}
	statePool.Put(st)
}

// grow returns b resized to n bytes, reusing its storage when it can.
func grow(b []byte, n int) []byte {
	if cap(b) >= n {
		return b[:n]
	}
	return make([]byte, n, n+n/4)
}

type parser struct {
	b  []byte
	i  int
	st *decodeState
}

func (p *parser) reset(b []byte, st *decodeState) {
	p.b, p.i, p.st = b, 0, st
}

// bytes returns the content a span points to.
func (p *parser) bytes(s span) []byte {
	if s.scratch {
		return p.st.scratch[s.off : s.off+s.n]
	}
	return p.b[s.off : s.off+s.n]
}

func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// peek skips white space and returns the next byte, or 0 at the end.
func (p *parser) peek() byte {
	p.ws()
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// end checks that only white space follows the top-level value.
func (p *parser) end() error {
	p.ws()
	if p.i != len(p.b) {
		return errSyntax
	}
	return nil
}

// objBegin consumes '{' and reports whether a member follows.
func (p *parser) objBegin() (bool, error) {
	if p.peek() != '{' {
		return false, errShape
	}
	p.i++
	if p.peek() == '}' {
		p.i++
		return false, nil
	}
	return true, nil
}

// key reads a member name and its ':'; p.i is then at the value.
func (p *parser) key() ([]byte, error) {
	if p.peek() != '"' {
		return nil, errSyntax
	}
	s, err := p.str()
	if err != nil {
		return nil, err
	}
	if p.peek() != ':' {
		return nil, errSyntax
	}
	p.i++
	p.ws()
	return p.bytes(s), nil
}

// objNext consumes the ',' or '}' after a member and reports whether
// another member follows.
func (p *parser) objNext() (bool, error) {
	switch p.peek() {
	case ',':
		p.i++
		return true, nil
	case '}':
		p.i++
		return false, nil
	}
	return false, errSyntax
}

// strPlain marks the bytes a string scan passes over without a second look.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads a string literal; p.b[p.i] is its opening quote.
func (p *parser) str() (span, error) {
	start := p.i + 1
	i := start
	b := p.b
	for i < len(b) {
		c := b[i]
		if strPlain[c] {
			i++
			continue
		}
		switch {
		case c == '"':
			p.i = i + 1
			return span{off: start, n: i - start}, nil
		case c == '\\':
			return p.strEscaped(start, i)
		case c < 0x20:
			return span{}, errSyntax
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return span{}, errUTF8
			}
			i += size
		}
	}
	return span{}, errSyntax
}

// strEscaped finishes a string that has escapes, unescaping it into the
// scratch buffer. b[start:i] is the plain prefix; b[i] is a backslash.
func (p *parser) strEscaped(start, i int) (span, error) {
	b := p.b
	sc := p.st.scratch
	off := len(sc)
	sc = append(sc, b[start:i]...)
	defer func() { p.st.scratch = sc }()
	for i < len(b) {
		c := b[i]
		switch {
		case strPlain[c]:
			sc = append(sc, c)
			i++
		case c == '"':
			p.i = i + 1
			return span{off: off, n: len(sc) - off, scratch: true}, nil
		case c < 0x20:
			return span{}, errSyntax
		case c >= 0x80:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return span{}, errUTF8
			}
			sc = append(sc, b[i:i+size]...)
			i += size
		default: // backslash
			if i+1 >= len(b) {
				return span{}, errSyntax
			}
			e := b[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				sc = append(sc, e)
			case 'b':
				sc = append(sc, '\b')
			case 'f':
				sc = append(sc, '\f')
			case 'n':
				sc = append(sc, '\n')
			case 'r':
				sc = append(sc, '\r')
			case 't':
				sc = append(sc, '\t')
			case 'u':
				r, ok := hex4(b, i)
				if !ok {
					return span{}, errSyntax
				}
				i += 4
				if utf16IsHigh(r) && i+6 <= len(b) && b[i] == '\\' && b[i+1] == 'u' {
					if r2, ok := hex4(b, i+2); ok && utf16IsLow(r2) {
						r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
						i += 6
					}
				}
				if utf16IsHigh(r) || utf16IsLow(r) {
					// A lone surrogate: JavaScript keeps it, UTF-8 can't.
					r = utf8.RuneError
				}
				sc = utf8.AppendRune(sc, r)
			default:
				return span{}, errSyntax
			}
		}
	}
	return span{}, errSyntax
}

func utf16IsHigh(r rune) bool { return r >= 0xD800 && r <= 0xDBFF }
func utf16IsLow(r rune) bool  { return r >= 0xDC00 && r <= 0xDFFF }

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number reads a JSON number and returns its text.
func (p *parser) number() ([]byte, error) {
	b, i := p.b, p.i
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return nil, errSyntax
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return nil, errSyntax
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return nil, errSyntax
		}
	}
	p.i = i
	return b[start:i], nil
}

// literal consumes word (true, false, null) if it is next.
func (p *parser) literal(word string) bool {
	if len(p.b)-p.i >= len(word) && string(p.b[p.i:p.i+len(word)]) == word {
		p.i += len(word)
		return true
	}
	return false
}

// skip reads and discards any JSON value, checking its syntax.
func (p *parser) skip(depth int) error {
	if depth > maxDepth {
		return errDepth
	}
	switch c := p.peek(); {
	case c == '"':
		_, err := p.str()
		return err
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := p.number()
		return err
	case c == 't':
		return p.lit("true")
	case c == 'f':
		return p.lit("false")
	case c == 'n':
		return p.lit("null")
	case c == '{':
		more, err := p.objBegin()
		for err == nil && more {
			if _, err = p.key(); err == nil {
				if err = p.skip(depth + 1); err == nil {
					more, err = p.objNext()
				}
			}
		}
		return err
	case c == '[':
		p.i++
		if p.peek() == ']' {
			p.i++
			return nil
		}
		for {
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			switch p.peek() {
			case ',':
				p.i++
			case ']':
				p.i++
				return nil
			default:
				return errSyntax
			}
		}
	}
	return errSyntax
}

func (p *parser) lit(word string) error {
	if p.literal(word) {
		return nil
	}
	return errSyntax
}

// skipAny skips the value of a member the schema doesn't know: it only
// needs to be valid JSON.
func (p *parser) skipAny() error { return p.skip(1) }

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
}

// payload reads P (spec §3.1) at p.i and checks it against Better Auth's
// schema. Dates that zod defaults (createdAt, updatedAt) default to now.
func (p *parser) payload(rp *rawPayload, mode payloadMode, now time.Time) error {
	more, err := p.objBegin()
	if err != nil {
		return err
	}
	for more {
		k, err := p.key()
		if err != nil {
			return err
		}
		var bit uint32
		switch string(k) {
		case "session":
			bit = hSession
		case "user":
			bit = hUser
		case "updatedAt":
			bit = hUpdatedAt
		case "version":
			bit = hVersion
		}
		if bit != 0 && rp.have&bit != 0 {
			return errDuplicate
		}
		switch bit {
		case hSession:
			err = p.session(rp, now)
		case hUser:
			err = p.user(rp, now)
		case hUpdatedAt:
			var f float64
			if f, _, err = p.numVal(); err == nil {
				var ok bool
				if rp.updatedAt, ok = msTime(f); !ok {
					err = errNumber
				}
			}
		case hVersion:
			rp.version, err = p.strVal()
		default:
			bit, err = p.extraMember(rp, k, mode)
			if err == nil && bit != 0 && rp.have&bit != 0 {
				err = errDuplicate
			}
		}
		if err != nil {
			return err
		}
		rp.have |= bit
		if more, err = p.objNext(); err != nil {
			return err
		}
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
// (required Date), createdAt/updatedAt (Dates, default now), ipAddress and
// userAgent (string, null or absent).
func (p *parser) session(rp *rawPayload, now time.Time) error {
	more, err := p.objBegin()
	if err != nil {
		return err
	}
	have := 0
	for more {
		k, err := p.key()
		if err != nil {
			return err
		}
		bit := 0
		switch string(k) {
		case "id":
			bit = fID
			rp.sID, err = p.strVal()
		case "token":
			bit = fToken
			rp.sToken, err = p.strVal()
		case "userId":
			bit = fUserID
			rp.sUserID, err = p.coercedStr()
		case "expiresAt":
			bit = fExpiresAt
			rp.sExpires, err = p.dateVal()
		case "createdAt":
			bit = fCreatedAt
			rp.sCreated, err = p.dateVal()
		case "updatedAt":
			bit = fUpdatedAt
			rp.sUpdated, err = p.dateVal()
		case "ipAddress":
			bit = fIP
			rp.sIP, err = p.nullishStrVal()
		case "userAgent":
			bit = fUA
			rp.sUA, err = p.nullishStrVal()
		default:
			err = p.skipAny()
		}
		if err != nil {
			return err
		}
		if have&bit != 0 {
			return errDuplicate
		}
		have |= bit
		if more, err = p.objNext(); err != nil {
			return err
		}
	}
	const need = fID | fToken | fUserID | fExpiresAt
	if have&need != need {
		return errShape
	}
	if have&fCreatedAt == 0 {
		rp.sCreated = nowMillis(now)
	}
	if have&fUpdatedAt == 0 {
		rp.sUpdated = nowMillis(now)
	}
	return nil
}

// user reads U: id, name, email (lower-cased later), emailVerified (boolean,
// default false), image (string, null or absent), createdAt/updatedAt
// (Dates, default now).
func (p *parser) user(rp *rawPayload, now time.Time) error {
	more, err := p.objBegin()
	if err != nil {
		return err
	}
	have := 0
	for more {
		k, err := p.key()
		if err != nil {
			return err
		}
		bit := 0
		switch string(k) {
		case "id":
			bit = fID
			rp.uID, err = p.strVal()
		case "name":
			bit = fName
			rp.uName, err = p.strVal()
		case "email":
			bit = fEmail
			rp.uEmail, err = p.strVal()
		case "emailVerified":
			bit = fVerified
			rp.uVerified, err = p.boolVal()
		case "image":
			bit = fImage
			rp.uImage, err = p.nullishStrVal()
		case "createdAt":
			bit = fCreatedAt
			rp.uCreated, err = p.dateVal()
		case "updatedAt":
			bit = fUpdatedAt
			rp.uUpdated, err = p.dateVal()
		default:
			err = p.skipAny()
		}
		if err != nil {
			return err
		}
		if have&bit != 0 {
			return errDuplicate
		}
		have |= bit
		if more, err = p.objNext(); err != nil {
			return err
		}
	}
	const need = fID | fName | fEmail
	if have&need != need {
		return errShape
	}
	if have&fCreatedAt == 0 {
		rp.uCreated = nowMillis(now)
	}
	if have&fUpdatedAt == 0 {
		rp.uUpdated = nowMillis(now)
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

func nowMillis(now time.Time) time.Time { return store.Truncate(now) }

// build turns a verified rawPayload into a Payload. All its strings share
// one allocation.
func (p *parser) build(rp *rawPayload) *Payload {
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
	return &Payload{
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
}

// needsLower reports whether toLowerCase could change b.
func needsLower(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 || (c >= 'A' && c <= 'Z') {
			return true
		}
	}
	return false
}

// appendJSLower appends String#toLowerCase of the UTF-8 text b: Unicode
// simple lower-casing plus the two rules JavaScript adds from
// SpecialCasing.txt without a locale: U+0130 becomes "i\u0307", and a
// capital sigma at the end of a word becomes final sigma (U+03C2). Go's
// Unicode tables may be a version apart from the JavaScript engine's.
func appendJSLower(dst, b []byte) []byte {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == 0x130:
			dst = append(dst, "i\u0307"...)
		case r == 0x3A3 && isFinalSigma(b, i, size):
			dst = utf8.AppendRune(dst, 0x3C2)
		default:
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
		}
		i += size
	}
	return dst
}

// isFinalSigma applies Unicode's Final_Sigma condition to the sigma at
// b[i:i+size]: a cased letter before it and none after it, skipping
// case-ignorable characters both ways.
func isFinalSigma(b []byte, i, size int) bool {
	before := false
	for j := i; j > 0; {
		r, n := utf8.DecodeLastRune(b[:j])
		j -= n
		if isCaseIgnorable(r) {
			continue
		}
		before = isCased(r)
		break
	}
	if !before {
		return false
	}
	for j := i + size; j < len(b); {
		r, n := utf8.DecodeRune(b[j:])
		j += n
		if isCaseIgnorable(r) {
			continue
		}
		return !isCased(r)
	}
	return true
}

func isCased(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

func isCaseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019, 0x2024,
		0x2027, 0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}
