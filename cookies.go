package sessionkit

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit/cache"
)

// maxCookieValue bounds a cookie value we are willing to look at. Browsers
// keep at most about 4 KB a cookie; anything longer is not ours.
const maxCookieValue = 4096

// cookieNames are the wire names of the session cookies (spec §1.1).
type cookieNames struct {
	token, data, dontRemember string
}

func newCookieNames(prefix string, secure bool) cookieNames {
	p := prefix + "."
	if secure {
		p = "__Secure-" + p
	}
	return cookieNames{token: p + "session_token", data: p + "session_data", dontRemember: p + "dont_remember"}
}

// jar holds the session cookies of one request, as Better Auth reads them:
// the first occurrence of a name wins for signed cookies, the last for cache
// chunks.
type jar struct {
	token        string // raw (still percent-encoded) session_token value
	dontRemember string
	data         []*http.Cookie // session_data and its .N chunks
	hasToken     bool
}

// readJar scans the Cookie headers for the session cookies only, without
// building a cookie for every name the request carries.
func (s *settings) readJar(h http.Header) jar {
	var j jar
	var haveDR bool
	for _, line := range h.Values("Cookie") {
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			name, val, ok := strings.Cut(part, "=")
			if !ok {
				continue
			}
			name = strings.TrimSpace(name)
			val = strings.TrimSpace(val)
			if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
			switch {
			case name == s.names.token:
				if !j.hasToken {
					j.token, j.hasToken = val, true
				}
			case name == s.names.dontRemember:
				if !haveDR {
					j.dontRemember, haveDR = val, true
				}
			case strings.HasPrefix(name, s.names.data):
				if rest := name[len(s.names.data):]; rest == "" || isChunkSuffix(rest) {
					j.data = append(j.data, &http.Cookie{Name: name, Value: val})
				}
			}
		}
	}
	return j
}

// isChunkSuffix reports whether rest is ".<i>" for a chunk index Better
// Auth can write: canonical decimal, below cache.MaxChunks (spec §1.4).
// Other names are not ours, and bounding them bounds the expiries a
// request can make us send.
func isChunkSuffix(rest string) bool {
	if len(rest) < 2 || len(rest) > 4 || rest[0] != '.' || rest[1] == '0' && len(rest) > 2 {
		return false
	}
	n := 0
	for i := 1; i < len(rest); i++ {
		if rest[i] < '0' || rest[i] > '9' {
			return false
		}
		n = n*10 + int(rest[i]-'0')
	}
	return n < cache.MaxChunks
}

// sign returns the wire value of a signed cookie: percent-encoded
// V + "." + std-base64(HMAC-SHA256(secret, V)) (spec §2).
func (s *settings) sign(v string) string {
	mac := hmac.New(sha256.New, s.secrets[0])
	mac.Write([]byte(v))
	var sum [sha256.Size]byte
	sig := base64.StdEncoding.EncodeToString(mac.Sum(sum[:0]))
	// Only '+', '/' and '=' of std-base64 need escaping; tokens are
	// alphanumeric and "true" is plain, as encodeURIComponent leaves them.
	r := strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D")
	return url.PathEscape(v) + "." + r.Replace(sig)
}

// macScratch is per-call state for verify, pooled so that checking a
// cookie allocates nothing but the token it returns: one keyed HMAC per
// secret (Reset restores the keyed state), the decoded value, the sums.
type macScratch struct {
	macs []hash.Hash
	buf  []byte
	sum  [sha256.Size]byte
	want [sha256.Size + 1]byte
}

func (s *settings) scratch() *macScratch {
	if sc, ok := s.macPool.Get().(*macScratch); ok {
		return sc
	}
	sc := &macScratch{buf: make([]byte, 0, 128)}
	for _, key := range s.secrets {
		sc.macs = append(sc.macs, hmac.New(sha256.New, key))
	}
	return sc
}

// verify checks a signed cookie value and returns V. Any fault (too long,
// no dot, wrong signature length, signature from no configured secret)
// means "absent": no error, since a bad cookie is just no session.
// Percent-encoding is decoded like decodeURIComponent; a malformed one
// leaves the value as it is, as Better Auth's parser does.
func (s *settings) verify(raw string) (string, bool) {
	if raw == "" || len(raw) > maxCookieValue {
		return "", false
	}
	sc := s.scratch()
	defer s.macPool.Put(sc)
	v := percentDecode(sc.buf[:0], raw)
	sc.buf = v[:0]
	dot := bytes.LastIndexByte(v, '.')
	if dot < 1 {
		return "", false
	}
	sig := v[dot+1:]
	if len(sig) != 44 || sig[43] != '=' {
		return "", false
	}
	// Strict: a signature must be the canonical encoding, not one of the
	// variants that differ only in the unused bits before the padding.
	n, err := base64.StdEncoding.Strict().Decode(sc.want[:], sig)
	if err != nil || n != sha256.Size {
		return "", false
	}
	ok := false
	for _, mac := range sc.macs {
		mac.Reset()
		mac.Write(v[:dot])
		// Check every secret, so timing does not tell which one matched.
		if hmac.Equal(mac.Sum(sc.sum[:0]), sc.want[:n]) {
			ok = true
		}
	}
	if !ok {
		return "", false
	}
	return string(v[:dot]), true
}

// percentDecode appends raw to dst with %XX sequences decoded. If any
// sequence is malformed it returns raw unchanged, as decodeURIComponent's
// caller in Better Auth keeps the raw value when decoding throws.
func percentDecode(dst []byte, raw string) []byte {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '%' {
			dst = append(dst, c)
			continue
		}
		if i+2 >= len(raw) || !isHex(raw[i+1]) || !isHex(raw[i+2]) {
			return append(dst[:0], raw...)
		}
		dst = append(dst, unhex(raw[i+1])<<4|unhex(raw[i+2]))
		i += 2
	}
	return dst
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// dontRemember reports whether the request carries a valid dont_remember
// cookie (remember-me was off at sign-in). Only the paths that may write
// cookies ask, so a cache hit pays no HMAC for it.
func (s *settings) dontRemember(j *jar) bool {
	_, ok := s.verify(j.dontRemember)
	return ok
}

// cookie builds a session cookie with the attributes every one shares
// (spec §1.2): Path=/, HttpOnly, SameSite=Lax, Secure under https.
// maxAge > 0 sets Max-Age; 0 makes a browser-session cookie; < 0 deletes.
func (s *settings) cookie(name, value string, maxAge time.Duration) *http.Cookie {
	c := &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		Domain:   s.CookieDomain,
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteLaxMode,
	}
	switch {
	case maxAge < 0:
		c.MaxAge = -1 // Max-Age=0
	case maxAge > 0:
		c.MaxAge = int(maxAge / time.Second)
	}
	return c
}

// cookieWriter collects the Set-Cookie lines of one response, so that a name
// is never both deleted and set (the last word for a name wins), and writes
// them once. It is the one place that sets and clears cookies.
type cookieWriter struct {
	list []*http.Cookie
}

func (cw *cookieWriter) set(c *http.Cookie) {
	for i, old := range cw.list {
		if old.Name == c.Name {
			cw.list[i] = c
			return
		}
	}
	cw.list = append(cw.list, c)
}

func (cw *cookieWriter) expire(s *settings, name string) { cw.set(s.cookie(name, "", -1)) }

// expireData expires the cache cookie and every chunk of it the request
// carried. A later set of the same name replaces the expiry.
func (cw *cookieWriter) expireData(s *settings, j *jar) {
	cw.expire(s, s.names.data)
	for _, c := range j.data {
		cw.expire(s, c.Name)
	}
}

// clearAll expires the token and cache cookies, every cache chunk the
// request carried, and dont_remember when present.
func (cw *cookieWriter) clearAll(s *settings, j *jar) {
	cw.expire(s, s.names.token)
	cw.expireData(s, j)
	if j.dontRemember != "" {
		cw.expire(s, s.names.dontRemember)
	}
}

func (cw *cookieWriter) writeTo(h http.Header) {
	for _, c := range cw.list {
		if v := c.String(); v != "" {
			h.Add("Set-Cookie", v)
		}
	}
}
