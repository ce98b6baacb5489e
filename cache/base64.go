package cache

import (
	"encoding/base64"
	"encoding/binary"
)

// b64Dec maps both base64 alphabets to their 6-bit values; 0xFF marks
// anything else. Better Auth's decoders accept either alphabet.
var b64Dec = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(std); i++ {
		t[std[i]] = byte(i)
	}
	t['-'], t['_'] = 62, 63
	return t
}()

// b64Encode is base64url without padding, the encoding of every value this
// package mints.
var b64Encode = base64.RawURLEncoding

// decodeB64 decodes s (either alphabet, no padding, no white space) into
// dst, reusing its storage. It fails on any other character and on a
// length that leaves a lone 6-bit group; unused trailing bits are ignored,
// as in encoding/base64 and JavaScript's decoders.
func decodeB64[T string | []byte](dst []byte, s T) ([]byte, bool) {
	if len(s)%4 == 1 {
		return dst[:0], false
	}
	// Two spare bytes: each 8-character block is stored as 8 bytes, of
	// which the next block overwrites the last two.
	dst = grow(dst, len(s)*3/4+2)
	di, i := 0, 0
	for ; i+8 <= len(s); i += 8 {
		q := s[i : i+8]
		a, b, c, d := b64Dec[q[0]], b64Dec[q[1]], b64Dec[q[2]], b64Dec[q[3]]
		e, f, g, h := b64Dec[q[4]], b64Dec[q[5]], b64Dec[q[6]], b64Dec[q[7]]
		if (a|b|c|d|e|f|g|h)&0xC0 != 0 {
			return dst[:0], false
		}
		v := uint64(a)<<58 | uint64(b)<<52 | uint64(c)<<46 | uint64(d)<<40 |
			uint64(e)<<34 | uint64(f)<<28 | uint64(g)<<22 | uint64(h)<<16
		binary.BigEndian.PutUint64(dst[di:], v)
		di += 6
	}
	for ; i+4 <= len(s); i += 4 {
		a, b, c, d := b64Dec[s[i]], b64Dec[s[i+1]], b64Dec[s[i+2]], b64Dec[s[i+3]]
		if (a|b|c|d)&0xC0 != 0 {
			return dst[:0], false
		}
		v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
		dst[di], dst[di+1], dst[di+2] = byte(v>>16), byte(v>>8), byte(v)
		di += 3
	}
	switch len(s) - i {
	case 2:
		a, b := b64Dec[s[i]], b64Dec[s[i+1]]
		if (a|b)&0xC0 != 0 {
			return dst[:0], false
		}
		dst[di] = a<<2 | b>>4
		di++
	case 3:
		a, b, c := b64Dec[s[i]], b64Dec[s[i+1]], b64Dec[s[i+2]]
		if (a|b|c)&0xC0 != 0 {
			return dst[:0], false
		}
		v := uint32(a)<<12 | uint32(b)<<6 | uint32(c)
		dst[di], dst[di+1] = byte(v>>10), byte(v>>2)
		di += 2
	}
	return dst[:di], true
}
