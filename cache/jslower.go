package cache

import (
	"unicode"
	"unicode/utf8"
)

// This file reproduces JavaScript's String#toLowerCase, which zod applies to
// the user's email.

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
