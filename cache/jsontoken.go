package cache

import (
	"encoding/binary"
	"sync"
	"unicode/utf8"
)

// This file is the tokenizer of a small validating JSON reader for cache
// payloads (jsonschema.go applies Better Auth's schema on top). It accepts
// exactly RFC 8259 JSON (what JSON.parse accepts, minus invalid UTF-8, which
// a JavaScript string cannot hold) and records where each string lies
// instead of allocating it. encoding/json is avoided on the hot path: it
// costs more than the rest of a compact decode put together.

var (
	errSyntax    = invalid("malformed JSON")
	errDepth     = invalid("JSON nested too deeply")
	errUTF8      = invalid("invalid UTF-8 in JSON string")
	errDuplicate = invalid("duplicate member")
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
	fs      *fieldSpec // the codec's additional fields, or nil
	sf, uf  []fieldRaw // where the session's and user's fields lie
}

var statePool = sync.Pool{New: func() any { return new(decodeState) }}

// poolKeepMax is the largest buffer returned to the pool; bigger ones (a
// chunked cookie with a large image) are left to the garbage collector.
const poolKeepMax = 64 << 10

func getState(fs *fieldSpec) *decodeState {
	st := statePool.Get().(*decodeState)
	st.scratch = st.scratch[:0]
	st.rp = rawPayload{}
	st.fs = fs
	if fs != nil {
		st.sf = append(st.sf[:0], make([]fieldRaw, len(fs.session))...)
		st.uf = append(st.uf[:0], make([]fieldRaw, len(fs.user))...)
	}
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
	st.fs = nil
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

// plain8 reports whether all eight bytes of x are strPlain: in 0x20..0x7F
// and neither '"' nor '\\' (the usual SWAR tests for a zero byte and a
// byte below a bound, exact for bytes below 0x80).
func plain8(x uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q := x ^ (lo * '"')
	bs := x ^ (lo * '\\')
	return ((q-lo)&^q|(bs-lo)&^bs|(x-lo*0x20)&^x|x)&hi == 0
}

// str reads a string literal; p.b[p.i] is its opening quote.
func (p *parser) str() (span, error) {
	start := p.i + 1
	i := start
	b := p.b
	// Eight bytes at a time while none needs a second look: no quote,
	// backslash, control character or non-ASCII byte.
	for i+8 <= len(b) && plain8(binary.LittleEndian.Uint64(b[i:])) {
		i += 8
	}
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
		return p.array(func() error { return p.skip(depth + 1) })
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

// members reads an object at p.i member by member. member reads the value
// of the member named k and returns the member's bit, or 0 for one that may
// repeat (a member the caller skipped): a bit seen twice is errDuplicate,
// as JSON.parse would keep only the last and the raw bytes would disagree
// with what Better Auth reads. It returns the bits seen.
func (p *parser) members(member func(k []byte) (uint32, error)) (uint32, error) {
	more, err := p.objBegin()
	if err != nil {
		return 0, err
	}
	var have uint32
	for more {
		k, err := p.key()
		if err != nil {
			return have, err
		}
		bit, err := member(k)
		if err != nil {
			return have, err
		}
		if have&bit != 0 {
			return have, errDuplicate
		}
		have |= bit
		if more, err = p.objNext(); err != nil {
			return have, err
		}
	}
	return have, nil
}
