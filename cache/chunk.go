package cache

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Chunking limits.
const (
	// MaxCookieSize is Better Auth's budget for a whole Set-Cookie line:
	// name, value and attributes. It is a little under Safari's limit.
	MaxCookieSize = 4050
	// MaxChunks is the most chunks Better Auth writes. A value that needs
	// more is not written at all: the response goes without a cache cookie.
	MaxChunks = 100
)

// ErrTooManyChunks is returned by Split when the value needs more than
// MaxChunks chunks. The caller should skip the cache cookie (and still
// expire the chunks the request carried), as Better Auth does.
var ErrTooManyChunks = errors.New("cache: value needs more than MaxChunks chunks")

// ChunkSize returns the chunk size Better Auth uses for a cookie with the
// attributes of attrs (Path, Domain, MaxAge, Secure, HttpOnly, SameSite,
// Partitioned; Value is ignored): MaxCookieSize minus the length of the
// serialised Set-Cookie line of an empty cookie named attrs.Name+".99", the
// longest chunk name. Go and Better Auth order attributes differently but
// the lengths match, except that Go drops a leading dot from Domain.
func ChunkSize(attrs *http.Cookie) int {
	c := *attrs
	c.Name += ".99"
	c.Value = ""
	return MaxCookieSize - len(c.String())
}

// Split cuts value into chunks of at most chunkSize bytes, to be set as
// cookies named ChunkName(base, i). A value that fits in one chunk comes
// back as a single element, to be set under the base name. It returns
// ErrTooManyChunks when more than MaxChunks chunks would be needed.
//
// Sizes are in bytes; Better Auth counts UTF-16 code units, which is the
// same for the ASCII values every codec here produces.
func Split(value string, chunkSize int) ([]string, error) {
	if chunkSize < 1 {
		return nil, fmt.Errorf("cache: Split: chunk size %d, want at least 1", chunkSize)
	}
	n := (len(value) + chunkSize - 1) / chunkSize
	if n <= 1 {
		return []string{value}, nil
	}
	if n > MaxChunks {
		return nil, fmt.Errorf("%w: %d bytes in chunks of %d need %d", ErrTooManyChunks, len(value), chunkSize, n)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = value[i*chunkSize : min((i+1)*chunkSize, len(value))]
	}
	return out, nil
}

// ChunkName returns the name of chunk i of the cookie base: base + "." + i.
func ChunkName(base string, i int) string { return base + "." + strconv.Itoa(i) }

// Join reassembles the value of the cookie base from the request's cookies
// (r.Cookies()), the way Better Auth reads chunked cookies:
//
//   - If a cookie named exactly base has a non-empty value, that value is
//     returned. Like better-call's getCookie (and net/http's r.Cookie), the
//     first cookie of that name counts.
//   - Otherwise every cookie base.<i>, where <i> is a canonical
//     non-negative decimal (JavaScript's String(Number(i)) === i: "0", "7",
//     "12", not "01", "+1", "-0" or "1e3"), is collected; for a repeated
//     name the last one wins, as in Better Auth's chunk parser. The chunks
//     are concatenated in index order.
//
// A gap in the indexes (.0 and .2 without .1) is not detected: like Better
// Auth, Join concatenates what is there and the result fails to decode.
//
// present lists the name of every base or base.<i> cookie the request
// carries, each once (base first, then chunks by index), so the caller can
// expire stale ones, even when ok is false. ok is false when there is
// neither a non-empty base cookie nor any chunk.
func Join(cookies []*http.Cookie, base string) (value string, present []string, ok bool) {
	type chunk struct {
		idx  float64
		name string
		val  string
	}
	var chunks []chunk
	baseVal, baseSeen := "", false
	for _, c := range cookies {
		if c == nil {
			continue
		}
		if c.Name == base {
			if !baseSeen {
				baseVal, baseSeen = c.Value, true
			}
			continue
		}
		if len(c.Name) <= len(base)+1 || c.Name[len(base)] != '.' || !strings.HasPrefix(c.Name, base) {
			continue
		}
		if idx, ok := chunkIndex(c.Name[len(base)+1:]); ok {
			chunks = append(chunks, chunk{idx, c.Name, c.Value})
		}
	}
	if baseSeen {
		present = append(present, base)
	}
	// A stable sort keeps repeated names in request order: keep the last.
	slices.SortStableFunc(chunks, func(a, b chunk) int {
		switch {
		case a.idx < b.idx:
			return -1
		case a.idx > b.idx:
			return 1
		}
		return 0
	})
	uniq := chunks[:0]
	for i, c := range chunks {
		if i+1 < len(chunks) && chunks[i+1].idx == c.idx {
			continue
		}
		uniq = append(uniq, c)
	}
	for _, c := range uniq {
		present = append(present, c.name)
	}
	if baseVal != "" {
		return baseVal, present, true
	}
	if len(uniq) == 0 {
		return "", present, false
	}
	var b strings.Builder
	for _, c := range uniq {
		b.WriteString(c.val)
	}
	return b.String(), present, true
}

// chunkIndex parses a chunk index that JavaScript writes back unchanged:
// String(Number(s)) === s, restricted to non-negative numbers.
func chunkIndex(s string) (float64, bool) {
	if s == "" || len(s) > 21 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f >= 1e21 {
		return 0, false
	}
	// Up to 15 digits every integer is exact; past that, only those that
	// survive the round trip through a double are canonical.
	if len(s) > 15 && strconv.FormatFloat(f, 'f', -1, 64) != s {
		return 0, false
	}
	return f, true
}
