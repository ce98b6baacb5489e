package sessionkit

// One request's path through LookupHeader (manager.go); every cookie step
// is a method of sessionCookies or jar, here:
//
//	read    sessionCookies.read: the session cookies of the Cookie headers,
//	        and the Authorization: Bearer credential when Config.Bearer is on
//	token   jar.sessionToken: the bearer token when valid, else the signed
//	        session_token cookie, checked (verify; a value accepted before
//	        is remembered)
//	cache   jar.cached: the session_data chunks joined, decoded (or found
//	        in the memo of values verified before, cache.Memo) and checked
//	        (token, version, expiry); then the revocation feed
//	        (revocation.go); stateless: re-mint near the end (writeSession)
//	store   Manager.resolve: SessionByToken; expired: delete, then clear
//	slide   Manager.slide: one store write per token at a time
//	write   jar.writeSession, writeCache, dropCache, clear: into jar.out
//	return  Lookup{Session, Cookies: jar.out.list}

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/internal/memo"
)

// maxCookieValue bounds a cookie value we are willing to look at. Browsers
// keep at most about 4 KB a cookie; anything longer is not ours.
const maxCookieValue = 4096

// cookieNames are the wire names of the session cookies.
type cookieNames struct {
	token, data, dontRemember string
	prefix                    string // "better-auth." or "__Secure-better-auth."
}

func newCookieNames(prefix string, secure bool) cookieNames {
	p := prefix + "."
	if secure {
		p = "__Secure-" + p
	}
	return cookieNames{token: p + "session_token", data: p + "session_data", dontRemember: p + "dont_remember", prefix: p}
}

// sessionCookies turns a session into its cookies and back: the names, the
// signing secrets, the attributes and the cookie cache. Config.resolve
// builds it; it is the only code that reads or writes a session cookie.
type sessionCookies struct {
	names       cookieNames
	secrets     [][]byte // [0] signs; every one verifies
	secure      bool
	domain      string
	tokenMaxAge time.Duration // ExpiresIn: the remembered token cookie's Max-Age
	logger      *slog.Logger
	mon         *monitor  // bad signatures, old secrets: see events.go
	macPool     sync.Pool // *macScratch, see verify
	// signed remembers the values verify accepted (see there).
	signed *memo.Table[signedValue]

	bearer Bearer // Config.Bearer

	codec        cache.Codec // nil when the cache is off
	memo         *cache.Memo // codec's verified values: see useCodec
	cacheMaxAge  time.Duration
	cacheVersion string

	oauth oauthCookies // account_data, oauth_state: see oauthcookies.go
}

// caching reports whether the cookie cache is on.
func (c *sessionCookies) caching() bool { return c.codec != nil }

// useCodec sets the cache codec, and a new memo of the values it verified
// (cache.Memo): a request that carries the same cache cookie as an
// earlier one is answered without decoding it again, every check that
// depends on the time or on the request still made (jar.cached).
func (c *sessionCookies) useCodec(codec cache.Codec) {
	c.codec, c.memo = codec, cache.NewMemo(codec)
}

// rawCookie is one cache cookie a request carried: the plain name (idx -1)
// or chunk idx.
type rawCookie struct {
	Name, Value string
	idx         int
}

// cookieList is the cookies of one chunked name, in the order the request
// carried them. The first few are held in place, so that reading a cache
// cookie (one, or a few chunks) allocates nothing.
type cookieList struct {
	n    int
	few  [2]rawCookie
	more []rawCookie // all of them, once there are more than len(few)
}

func (l *cookieList) add(c rawCookie) {
	switch {
	case l.more != nil:
		l.more = append(l.more, c)
	case l.n < len(l.few):
		l.few[l.n] = c
	default:
		l.more = append(append(make([]rawCookie, 0, 2*len(l.few)), l.few[:]...), c)
	}
	l.n++
}

// all returns the cookies; the slice may share the list's own memory.
func (l *cookieList) all() []rawCookie {
	if l.more != nil {
		return l.more
	}
	return l.few[:l.n]
}

// jar holds the session cookies of one request, as Better Auth reads them
// (the first occurrence of a name wins for signed cookies, the last for
// cache chunks), and the Set-Cookie lines of its response.
type jar struct {
	c            *sessionCookies
	token        string // raw (still percent-encoded) session_token value
	dontRemember string
	data         cookieList // session_data and its .N chunks
	hasToken     bool
	// bearer is the Authorization: Bearer credential (Config.Bearer on),
	// still percent-encoded; "" when there is none.
	bearer string
	out    cookieWriter

	account        []rawCookie // account_data and its .N chunks
	state          string      // oauth_state
	hasState       bool
	accountPending bool // the response already sets account_data
}

// read scans the Cookie headers for the session cookies only, without
// building a cookie for every name the request carries.
func (c *sessionCookies) read(h http.Header) jar {
	j := jar{c: c}
	if c.bearer.Enabled {
		j.bearer = bearerCredential(h)
	}
	var haveDR bool
	for _, line := range h["Cookie"] { // Values("Cookie"), without canonicalizing the name
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
			case name == c.names.token:
				if !j.hasToken {
					j.token, j.hasToken = val, true
				}
			case name == c.names.dontRemember:
				if !haveDR {
					j.dontRemember, haveDR = val, true
				}
			case strings.HasPrefix(name, c.names.data):
				if rest := name[len(c.names.data):]; rest == "" {
					j.data.add(rawCookie{name, val, -1})
				} else if i, ok := chunkSuffix(rest); ok {
					j.data.add(rawCookie{name, val, i})
				}
			default:
				j.readOAuth(name, val)
			}
		}
	}
	return j
}

// chunkSuffix parses rest as ".<i>" for a chunk index Better Auth can
// write: canonical decimal, below cache.MaxChunks. Other names
// are not ours, and bounding them bounds the expiries a request can make us
// send.
func chunkSuffix(rest string) (int, bool) {
	if len(rest) < 2 || len(rest) > 4 || rest[0] != '.' || rest[1] == '0' && len(rest) > 2 {
		return 0, false
	}
	n := 0
	for i := 1; i < len(rest); i++ {
		if rest[i] < '0' || rest[i] > '9' {
			return 0, false
		}
		n = n*10 + int(rest[i]-'0')
	}
	return n, n < cache.MaxChunks
}

// cacheValue joins the cache cookies (joinChunks).
func (j *jar) cacheValue() (string, bool) { return joinChunks(j.data.all()) }

// joinChunks joins a chunked cookie's pieces the way cache.Join does:
// the first plain cookie when not empty, else the chunks in index order,
// the last of a repeated index. One cookie costs no allocation.
func joinChunks(cs []rawCookie) (string, bool) {
	if len(cs) == 1 {
		d := cs[0]
		return d.Value, d.idx >= 0 || d.Value != ""
	}
	var last [cache.MaxChunks]int // 1 + position in cs of chunk i's last cookie
	baseSeen, chunks := false, false
	for k, d := range cs {
		switch {
		case d.idx >= 0:
			last[d.idx], chunks = k+1, true
		case !baseSeen:
			if d.Value != "" {
				return d.Value, true
			}
			baseSeen = true
		}
	}
	if !chunks {
		return "", false
	}
	size, n, one := 0, 0, ""
	for _, k := range last {
		if k > 0 {
			size += len(cs[k-1].Value)
			n, one = n+1, cs[k-1].Value
		}
	}
	if n == 1 {
		return one, true
	}
	var b strings.Builder
	b.Grow(size)
	for _, k := range last {
		if k > 0 {
			b.WriteString(cs[k-1].Value)
		}
	}
	return b.String(), true
}

// sign returns the wire value of a signed cookie: percent-encoded
// V + "." + std-base64(HMAC-SHA256(secret, V)).
func (c *sessionCookies) sign(v string) string {
	// Only '+', '/' and '=' of std-base64 need escaping; tokens are
	// alphanumeric and "true" is plain, as encodeURIComponent leaves them.
	r := strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D")
	return url.PathEscape(v) + "." + r.Replace(c.signature(v))
}

// signature is std-base64(HMAC-SHA256(Secret, v)), Better Auth's cookie
// signature.
func (c *sessionCookies) signature(v string) string {
	mac := hmac.New(sha256.New, c.secrets[0])
	mac.Write([]byte(v))
	var sum [sha256.Size]byte
	return base64.StdEncoding.EncodeToString(mac.Sum(sum[:0]))
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

func (c *sessionCookies) scratch() *macScratch {
	if sc, ok := c.macPool.Get().(*macScratch); ok {
		return sc
	}
	sc := &macScratch{buf: make([]byte, 0, 128)}
	for _, key := range c.secrets {
		sc.macs = append(sc.macs, hmac.New(sha256.New, key))
	}
	return sc
}

// Bounds of the signed values verify remembers.
const (
	signedEntries = 4096
	signedBytes   = 1 << 20
)

// signedValue is what verify made of a signed value it accepted: its V,
// held as the length of the value's prefix that is V when the value is not
// percent-encoded before its dot (the usual case: a hit then answers with a
// piece of the request's own value, reading nothing more of the table),
// else as a copy.
type signedValue struct {
	n   int    // V is raw[:n]; -1: V is v
	v   string // V, when it is not a prefix of the value
	old bool   // signed with an old secret
}

// verify checks a signed cookie value and returns V. Any fault (too long,
// no dot, wrong signature length, signature from no configured secret)
// means "absent": no error, since a bad cookie is just no session.
// Percent-encoding is decoded like decodeURIComponent; a malformed one
// leaves the value as it is, as Better Auth's parser does.
//
// A value it accepted is remembered (c.signed, internal/memo: bounded, a
// key confirmed in constant time), so the same cookie on the next request
// costs no HMAC: what a signature proves depends on the value and the
// secrets alone. A value it refused is never remembered.
func (c *sessionCookies) verify(raw string) (string, bool) {
	if raw == "" || len(raw) > maxCookieValue {
		return "", false
	}
	if s, ok := c.signed.Get(raw); ok {
		if s.old {
			c.mon.oldSecret()
		}
		if s.n >= 0 {
			return raw[:s.n], true // raw is the remembered value
		}
		return s.v, true
	}
	v, match, ok := c.checkSignature(raw)
	if ok {
		e := signedValue{n: len(v), old: match > 0}
		if !strings.HasPrefix(raw, v) {
			// The table keeps a copy: v is not a piece of the key.
			e.n, e.v = -1, strings.Clone(v)
		}
		c.signed.Put(raw, e, len(e.v))
		if match > 0 {
			c.mon.oldSecret()
		}
	}
	return v, ok
}

// checkSignature is verify's check, and the index of the secret that
// signed the value.
func (c *sessionCookies) checkSignature(raw string) (string, int, bool) {
	sc := c.scratch()
	defer c.macPool.Put(sc)
	v := percentDecode(sc.buf[:0], raw)
	sc.buf = v[:0]
	dot := bytes.LastIndexByte(v, '.')
	if dot < 1 {
		return "", -1, false
	}
	sig := v[dot+1:]
	if len(sig) != 44 || sig[43] != '=' {
		return "", -1, false
	}
	// Strict: a signature must be the canonical encoding, not one of the
	// variants that differ only in the unused bits before the padding.
	n, err := base64.StdEncoding.Strict().Decode(sc.want[:], sig)
	if err != nil || n != sha256.Size {
		return "", -1, false
	}
	match := -1
	for i, mac := range sc.macs {
		mac.Reset()
		mac.Write(v[:dot])
		// Check every secret, so timing does not tell which one matched.
		if hmac.Equal(mac.Sum(sc.sum[:0]), sc.want[:n]) && match < 0 {
			match = i
		}
	}
	if match < 0 {
		return "", -1, false
	}
	// The value is usually not percent-encoded before its dot: then the
	// token is a piece of raw, and costs no allocation.
	if tok := raw[:min(dot, len(raw))]; tok == string(v[:dot]) {
		return tok, match, true
	}
	return string(v[:dot]), match, true
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

// sessionToken returns the request's session token: its bearer token when
// that is valid (Better Auth's bearer plugin puts it in place of the
// cookie), else its session_token cookie when signed by a configured
// secret.
func (j *jar) sessionToken() (string, bool) {
	if tok, ok := j.bearerToken(); ok {
		return tok, true
	}
	return j.cookieToken()
}

// cookieToken returns the token of the session_token cookie when it is
// signed by a configured secret.
func (j *jar) cookieToken() (string, bool) { return j.c.verifyCookie(j.c.names.token, j.token) }

// signedDontRemember reports whether the request carries a valid
// dont_remember cookie (remember-me was off at sign-in). Only the paths
// that may write cookies ask, so a cache hit pays no HMAC for it.
func (j *jar) signedDontRemember() bool {
	_, ok := j.c.verifyCookie(j.c.names.dontRemember, j.dontRemember)
	return ok
}

// cached returns the session in the request's cache cookie, and the
// cache's own expiry, when it is authentic, unexpired, of the configured
// version, and for this very token. The memo answers a value it verified
// before (the value's own expiry checked again); the checks here run on
// every request.
func (j *jar) cached(token string, now time.Time) (*Session, time.Time) {
	val, ok := j.cacheValue()
	if !ok {
		return nil, time.Time{}
	}
	var p cache.Payload // on the stack: the hit allocates only its Session
	if err := j.c.memo.DecodeInto(val, now, &p); err != nil {
		return nil, time.Time{}
	}
	version := p.Version
	if version == "" {
		version = "1"
	}
	// The token is compared in constant time (memo.Equal: eight bytes a
	// step, where crypto/subtle takes one). The cache's own expiry is
	// checked again here, whatever the codec's clock tolerance: a cache
	// cookie never answers past it.
	if !memo.Equal(p.Session.Token, token) ||
		version != j.c.cacheVersion || p.Session.Expired(now) || !p.ExpiresAt.After(now) {
		return nil, time.Time{}
	}
	return &Session{Session: p.Session, User: p.User, Source: j.c.codec.Strategy()}, p.ExpiresAt
}

// writeSession sets the token cookie, the dont_remember marker when
// remember-me is off (else expires a carried one when expireDontRemember),
// and a fresh cache cookie, for sess.
func (j *jar) writeSession(ctx context.Context, sess *Session, now time.Time, dontRemember, expireDontRemember bool) {
	c := j.c
	if dontRemember {
		j.out.set(c.cookie(c.names.token, c.sign(sess.Session.Token), 0))
		j.out.set(c.cookie(c.names.dontRemember, c.sign("true"), 0))
	} else {
		j.out.set(c.cookie(c.names.token, c.sign(sess.Session.Token), c.tokenMaxAge))
		if expireDontRemember {
			j.expire(c.names.dontRemember)
		}
	}
	j.writeCache(ctx, sess, now, dontRemember)
}

// writeCache writes a fresh cache cookie for sess (chunked when large),
// after expiring the cache cookies the request carried: a name
// set again replaces its expiry, and a carried name not set again (the
// plain cookie after a switch to chunks, a chunk past the new count,
// everything when no cookie is written) must not outlive the new value.
// With remember-me off the cookie ends with the browser session, like the
// token cookie.
func (j *jar) writeCache(ctx context.Context, sess *Session, now time.Time, dontRemember bool) {
	c := j.c
	for _, d := range j.data.all() {
		j.expire(d.Name)
	}
	if !c.caching() {
		return
	}
	// The cache's own expiry is a full MaxAge, as Better Auth mints it, even
	// past the session's: cached checks that one
	// too, and a shorter value would have a stateless session re-minted on
	// every request of its last fifth.
	val, err := c.codec.Encode(&cache.Payload{
		Session: sess.Session, User: sess.User, UpdatedAt: now, Version: c.cacheVersion, ExpiresAt: now.Add(c.cacheMaxAge),
	})
	if err != nil {
		c.logger.ErrorContext(ctx, "sessionkit: encode cookie cache", "err", err)
		return
	}
	maxAge := c.cacheMaxAge
	if dontRemember {
		maxAge = 0
	}
	base := c.names.data
	chunks, err := cache.Split(val, cache.ChunkSize(c.cookie(base, "", maxAge)))
	if err != nil {
		// Too large for cookies: go without a cache, as Better Auth does.
		c.logger.WarnContext(ctx, "sessionkit: cookie cache skipped", "err", err)
		return
	}
	if len(chunks) == 1 {
		j.out.set(c.cookie(base, chunks[0], maxAge))
	} else {
		for i, v := range chunks {
			j.out.set(c.cookie(cache.ChunkName(base, i), v, maxAge))
		}
	}
	j.remintAccount(ctx, sess.User.ID, now)
}

func (j *jar) expire(name string) { j.out.set(j.c.cookie(name, "", -1)) }

// dropCache expires the cache cookie and every chunk of it the request
// carried. A later set of the same name replaces the expiry.
func (j *jar) dropCache() {
	j.expire(j.c.names.data)
	for _, d := range j.data.all() {
		j.expire(d.Name)
	}
}

// clear expires the token and cache cookies, every cache chunk the request
// carried, dont_remember when present, and the social sign-in cookies
// (account_data and its chunks, oauth_state) when present.
func (j *jar) clear() {
	j.expire(j.c.names.token)
	j.dropCache()
	if j.dontRemember != "" {
		j.expire(j.c.names.dontRemember)
	}
	j.clearOAuth()
}

// cookie builds a session cookie with the attributes every one shares:
// Path=/, HttpOnly, SameSite=Lax, Secure under https.
// maxAge > 0 sets Max-Age; 0 makes a browser-session cookie; < 0 deletes.
func (c *sessionCookies) cookie(name, value string, maxAge time.Duration) *http.Cookie {
	ck := &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		Domain:   c.domain,
		HttpOnly: true,
		Secure:   c.secure,
		SameSite: http.SameSiteLaxMode,
	}
	switch {
	case maxAge < 0:
		ck.MaxAge = -1 // Max-Age=0
	case maxAge > 0:
		ck.MaxAge = int(maxAge / time.Second)
	}
	return ck
}

// cookieWriter collects the Set-Cookie lines of one response, so that a name
// is never both deleted and set (the last word for a name wins), and writes
// them once.
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

func (cw *cookieWriter) writeTo(h http.Header) {
	for _, c := range cw.list {
		if v := c.String(); v != "" {
			h.Add("Set-Cookie", v)
		}
	}
}

// Bearer tokens: Better Auth's bearer plugin (Config.Bearer). read takes
// the credential; sessionToken prefers it to the cookie; SignIn sends
// Set-Auth-Token.

// bearerSource names a bad bearer credential in the bad-cookie event.
const bearerSource = "Authorization"

// maxAuthorization bounds the Authorization header read: the scheme, some
// blanks, and a credential no longer than a cookie value (a signed token is
// 77 bytes, 165 percent-encoded). A longer one is not looked at.
const maxAuthorization = len("Bearer ") + 64 + maxCookieValue

// maxBareToken bounds an unsigned bearer token (AllowUnsignedTokens);
// tokens are 32 characters.
const maxBareToken = 255

// bearerCredential returns the credential of h's Authorization header when
// its scheme is Bearer, read as Better Auth's plugin reads it: the first
// seven bytes are "bearer " in any case, the rest is trimmed of blanks.
// It returns "" (no credential) when the header is absent, longer than
// maxAuthorization, of another scheme, or repeated: Better Auth reads
// repeated lines joined by commas, a credential no signature matches.
func bearerCredential(h http.Header) string {
	v := h["Authorization"]
	if len(v) != 1 || len(v[0]) > maxAuthorization || len(v[0]) < 7 || !bearerScheme(v[0][:7]) {
		return ""
	}
	return strings.TrimSpace(v[0][7:])
}

// bearerScheme reports whether s is "bearer " in any ASCII case.
func bearerScheme(s string) bool {
	const want = "bearer "
	for i := range len(want) {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != want[i] {
			return false
		}
	}
	return true
}

// bearerToken returns the session token of the request's bearer
// credential when it is valid. As in Better Auth, a credential with a dot
// is a signed cookie value (verify: percent-decoded, signed by a
// configured secret); one without is a bare token, accepted only with
// AllowUnsignedTokens (requireSignature: false). Better Auth also checks
// the signature of the part before the first dot, so a token with a dot of
// its own never passes: nor does it here.
func (j *jar) bearerToken() (string, bool) {
	cred := j.bearer
	if cred == "" {
		return "", false
	}
	if !strings.Contains(cred, ".") {
		if j.c.bearer.AllowUnsignedTokens && bareToken(cred) {
			return cred, true
		}
		j.c.mon.badSignature(bearerSource)
		return "", false
	}
	tok, ok := j.c.verifyCookie(bearerSource, cred)
	if !ok || strings.Contains(tok, ".") {
		return "", false
	}
	return tok, true
}

// bareToken reports whether s can be a session token: 1 to maxBareToken
// letters, digits, '-' or '_' (Better Auth's and sessionkit's tokens are 32
// letters and digits). Anything else is refused before it reaches the
// store.
func bareToken(s string) bool {
	if len(s) > maxBareToken {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return s != ""
}

// tokens returns the distinct valid session tokens of the request: its
// bearer token's and its cookie's. SignIn and SignOut end both, so that
// neither session is left alive without the client that held it.
func (j *jar) tokens() []string {
	var out []string
	if t, ok := j.bearerToken(); ok {
		out = append(out, t)
	}
	if t, ok := j.cookieToken(); ok && (len(out) == 0 || out[0] != t) {
		out = append(out, t)
	}
	return out
}

// bearerValue is the credential of the session with that token: the
// signed cookie value, not percent-encoded, as Better Auth's
// Set-Auth-Token carries it.
func (c *sessionCookies) bearerValue(token string) string {
	return token + "." + c.signature(token)
}

// setAuthToken adds the bearer plugin's headers for a session just signed
// in: Set-Auth-Token, and its name in Access-Control-Expose-Headers, so a
// page of another origin allowed by CORS can read it. Names the header
// already lists are kept, once each.
func (c *sessionCookies) setAuthToken(h http.Header, token string) {
	h.Set("Set-Auth-Token", c.bearerValue(token))
	const name = "set-auth-token"
	var names []string
	for _, line := range h.Values("Access-Control-Expose-Headers") {
		for n := range strings.SplitSeq(line, ",") {
			if n = strings.TrimSpace(n); n != "" && !slices.ContainsFunc(names, func(s string) bool { return strings.EqualFold(s, n) }) {
				names = append(names, n)
			}
		}
	}
	if !slices.ContainsFunc(names, func(s string) bool { return strings.EqualFold(s, name) }) {
		names = append(names, name)
	}
	h.Set("Access-Control-Expose-Headers", strings.Join(names, ", "))
}
