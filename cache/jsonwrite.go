package cache

import (
	"errors"
	"strconv"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// This file writes JSON exactly as JavaScript's JSON.stringify does for the
// values Better Auth puts in a cache cookie. The compact strategy signs these
// bytes and Better Auth verifies by re-serialising what it parsed, so any
// difference (an escaped "<", an escaped U+2028, a date with two fractional
// digits) makes Better Auth reject the cookie.

// errEncodeRange is returned by Encode for dates JavaScript can't write in
// the ISO form Better Auth revives.
var errEncodeRange = errors.New("cache: encode: date outside years 0000-9999")

// errNilPayload is returned by Encode for a nil payload.
var errNilPayload = errors.New("cache: encode: nil payload")

// payloadBody starts every codec's JSON: P (see appendPayloadBody), left
// open for the codec's own members.
func payloadBody(p *Payload, fs *fieldSpec) ([]byte, error) {
	if p == nil {
		return nil, errNilPayload
	}
	return appendPayloadBody(make([]byte, 0, 1024), p, fs)
}

// appendClaims appends the JWT claims iat (from UpdatedAt) and exp (from
// ExpiresAt), in whole seconds, as jwt and jwe write them.
func appendClaims(dst []byte, p *Payload) ([]byte, error) {
	dst = append(dst, `,"iat":`...)
	dst, err := appendClaimTime(dst, p.UpdatedAt)
	if err != nil {
		return dst, err
	}
	dst = append(dst, `,"exp":`...)
	return appendClaimTime(dst, p.ExpiresAt)
}

// jsSafe marks the bytes JSON.stringify copies as they are: printable ASCII
// other than '"' and '\\'. Bytes from 0x80 up are handled as UTF-8.
var jsSafe = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendJSString appends s as a JSON string literal the way JSON.stringify
// writes it: only '"', '\\' and control characters are escaped (the short
// forms \b \f \n \r \t, otherwise \u00xx in lower-case hex); '<', '>', '&',
// '/', DEL, U+2028, U+2029 and all other non-ASCII text stay raw UTF-8.
//
// A JavaScript string cannot hold invalid UTF-8, so invalid bytes in s are
// replaced by U+FFFD the way the WHATWG UTF-8 decoder (TextDecoder, V8) does:
// one U+FFFD per maximal invalid subsequence. That is the string Better Auth
// would hold had the same bytes come from its database.
func appendJSString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if jsSafe[c] {
			i++
			continue
		}
		if c >= 0x80 {
			n, ok := whatwgSeq(s, i)
			if ok {
				i += n
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i += n
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// whatwgSeq measures the UTF-8 sequence that starts at s[i] (s[i] >= 0x80)
// following the WHATWG Encoding Standard's decoder. ok reports a valid
// sequence of n bytes; otherwise n is the length of the maximal invalid
// subsequence, which the decoder turns into a single U+FFFD.
func whatwgSeq(s string, i int) (n int, ok bool) {
	b0 := s[i]
	need := 0
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case b0 >= 0xC2 && b0 <= 0xDF:
		need = 1
	case b0 == 0xE0:
		need, lo = 2, 0xA0
	case b0 == 0xED:
		need, hi = 2, 0x9F
	case b0 >= 0xE1 && b0 <= 0xEF:
		need = 2
	case b0 == 0xF0:
		need, lo = 3, 0x90
	case b0 == 0xF4:
		need, hi = 3, 0x8F
	case b0 >= 0xF1 && b0 <= 0xF3:
		need = 3
	default: // continuation byte, C0, C1 or F5..FF
		return 1, false
	}
	n = 1
	for ; need > 0; need-- {
		if i+n >= len(s) {
			return n, false
		}
		c := s[i+n]
		if c < lo || c > hi {
			return n, false
		}
		lo, hi = 0x80, 0xBF
		n++
	}
	return n, true
}

// appendJSDate appends t as Date#toJSON writes it: "YYYY-MM-DDTHH:MM:SS.sssZ".
func appendJSDate(dst []byte, t time.Time) ([]byte, error) {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return dst, errEncodeRange
	}
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, store.TimeFormat)
	return append(dst, '"'), nil
}

// appendPayloadBody appends P without its closing brace, so the
// caller can add the strategy's own members (expiresAt, iat, exp, jti) and
// close it. Key order is Better Auth's: session, user, updatedAt, version;
// in the session and the user, the core members, then the additional
// fields fs declares, then the id.
func appendPayloadBody(dst []byte, p *Payload, fs *fieldSpec) ([]byte, error) {
	s, u := &p.Session, &p.User
	var err error
	dst = append(dst, `{"session":{"expiresAt":`...)
	if dst, err = appendJSDate(dst, s.ExpiresAt); err != nil {
		return dst, err
	}
	dst = append(dst, `,"token":`...)
	dst = appendJSString(dst, s.Token)
	dst = append(dst, `,"createdAt":`...)
	if dst, err = appendJSDate(dst, s.CreatedAt); err != nil {
		return dst, err
	}
	dst = append(dst, `,"updatedAt":`...)
	if dst, err = appendJSDate(dst, s.UpdatedAt); err != nil {
		return dst, err
	}
	dst = append(dst, `,"ipAddress":`...)
	dst = appendJSString(dst, s.IPAddress)
	dst = append(dst, `,"userAgent":`...)
	dst = appendJSString(dst, s.UserAgent)
	dst = append(dst, `,"userId":`...)
	dst = appendJSString(dst, s.UserID)
	if fs != nil {
		if dst, err = appendFields(dst, fs.session, s.Fields); err != nil {
			return dst, err
		}
	}
	dst = append(dst, `,"id":`...)
	dst = appendJSString(dst, s.ID)

	dst = append(dst, `},"user":{"name":`...)
	dst = appendJSString(dst, u.Name)
	dst = append(dst, `,"email":`...)
	dst = appendJSString(dst, u.Email)
	dst = append(dst, `,"emailVerified":`...)
	dst = strconv.AppendBool(dst, u.EmailVerified)
	dst = append(dst, `,"image":`...)
	if u.Image == "" {
		dst = append(dst, "null"...)
	} else {
		dst = appendJSString(dst, u.Image)
	}
	dst = append(dst, `,"createdAt":`...)
	if dst, err = appendJSDate(dst, u.CreatedAt); err != nil {
		return dst, err
	}
	dst = append(dst, `,"updatedAt":`...)
	if dst, err = appendJSDate(dst, u.UpdatedAt); err != nil {
		return dst, err
	}
	if fs != nil {
		if dst, err = appendFields(dst, fs.user, u.Fields); err != nil {
			return dst, err
		}
	}
	dst = append(dst, `,"id":`...)
	dst = appendJSString(dst, u.ID)

	dst = append(dst, `},"updatedAt":`...)
	if dst, err = appendMillis(dst, p.UpdatedAt); err != nil {
		return dst, err
	}
	if p.Version != "" {
		dst = append(dst, `,"version":`...)
		dst = appendJSString(dst, p.Version)
	}
	return dst, nil
}

// maxJSMillis is the largest |ms| a JavaScript Date can hold.
const maxJSMillis = 8.64e15

// appendMillis appends t as integer milliseconds since the epoch.
func appendMillis(dst []byte, t time.Time) ([]byte, error) {
	if sec := t.Unix(); sec > maxJSMillis/1000 || sec < -maxJSMillis/1000 {
		return dst, errEncodeRange
	}
	return strconv.AppendInt(dst, t.UnixMilli(), 10), nil
}
