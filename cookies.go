package sessionkit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"
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
				if rest := name[len(s.names.data):]; rest == "" || rest[0] == '.' {
					j.data = append(j.data, &http.Cookie{Name: name, Value: val})
				}
			}
		}
	}
	return j
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

// verify checks a signed cookie value and returns V. Any fault (too long,
// bad percent-encoding, no dot, wrong signature length, signature from no
// configured secret) means "absent": no error, since a bad cookie is just no
// session.
func (s *settings) verify(raw string) (string, bool) {
	if raw == "" || len(raw) > maxCookieValue {
		return "", false
	}
	if strings.IndexByte(raw, '%') >= 0 {
		if dec, err := url.PathUnescape(raw); err == nil {
			raw = dec
		}
	}
	dot := strings.LastIndexByte(raw, '.')
	if dot < 1 {
		return "", false
	}
	v, sig := raw[:dot], raw[dot+1:]
	if len(sig) != 44 || sig[43] != '=' {
		return "", false
	}
	var want [sha256.Size + 1]byte
	// Strict: a signature must be the canonical encoding, not one of the
	// variants that differ only in the unused bits before the padding.
	n, err := base64.StdEncoding.Strict().Decode(want[:], []byte(sig))
	if err != nil || n != sha256.Size {
		return "", false
	}
	var sum [sha256.Size]byte
	ok := false
	for _, key := range s.secrets {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(v))
		// Check every secret, so timing does not tell which one matched.
		if hmac.Equal(mac.Sum(sum[:0]), want[:n]) {
			ok = true
		}
	}
	return v, ok
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
