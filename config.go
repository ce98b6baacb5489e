package sessionkit

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/internal/memo"
	"github.com/sessionkit/sessionkit/store"
)

// Defaults, the same as Better Auth's.
const (
	DefaultExpiresIn    = 7 * 24 * time.Hour
	DefaultUpdateAge    = 24 * time.Hour
	DefaultFreshAge     = 24 * time.Hour
	DefaultCookiePrefix = "better-auth"
	DefaultDatabasePath = "sessionkit.db"
	DefaultCacheMaxAge  = 5 * time.Minute
	// DontRememberLifetime is the fixed lifetime of a session signed in
	// with remember-me off, whatever ExpiresIn says.
	DontRememberLifetime = 24 * time.Hour
	// MinSecretLength is the shortest secret New accepts, in bytes.
	MinSecretLength = 32
)

// Disabled switches a duration setting off: as FreshAge, the freshness
// check; as UpdateAge, the wait between slides, so every request slides the
// session (Better Auth's updateAge: 0). A zero Duration in Config means
// "use the default".
const Disabled time.Duration = -1

// ErrConfig is wrapped by every error New returns for a bad Config.
var ErrConfig = errors.New("sessionkit: bad config")

// Config configures a Manager. The zero value with a Secret is a working
// setup: a SQLite file in the working directory, Better Auth's lifetimes and
// cookie names.
type Config struct {
	// Secret signs the session_token cookie (HMAC-SHA256) and keys the cookie
	// cache. It must be at least 32 bytes of high-entropy text, and the same
	// as the Better Auth app's secret when the two share cookies. Required.
	Secret string
	// OldSecrets are earlier secrets still accepted when verifying cookies,
	// newest first, so a rotation does not sign everyone out. New cookies
	// are always signed with Secret. Better Auth cannot do this for signed
	// cookies: only share cookies with it using Secret alone.
	OldSecrets []string

	// BaseURL is the public URL of the app. When it starts with https://,
	// cookies get the Secure attribute and the __Secure- name prefix, as
	// Better Auth does. Its origin is the one the JSON API
	// (package account) trusts for Origin headers and callbackURLs; without
	// it, callbackURLs must be paths or trusted origins. Default: none
	// (plain http cookies).
	BaseURL string
	// CookiePrefix starts every cookie name. Default "better-auth".
	CookiePrefix string
	// CookieDomain, when set, adds a Domain attribute to every cookie
	// (cross-subdomain cookies). Default: host-only cookies.
	CookieDomain string

	// Store keeps sessions and users. Default: a SQLite database at
	// DatabasePath (see store/sqlite).
	Store store.Store
	// DatabasePath is the SQLite file used when Store is nil.
	// Default "sessionkit.db".
	DatabasePath string
	// Fields declares the additional fields of users and sessions, as the
	// Better Auth app declares `user.additionalFields` and
	// `session.additionalFields` (see store.Field for the two defaults
	// that differ). They are stored, carried in cache cookies where Better
	// Auth puts them, answered by the JSON API, and read in handlers with
	// Session.User.Fields.String("role") and the other accessors.
	//
	// The store must keep them (store.FieldStore): the default SQLite
	// store is opened with them; a Store given here must declare the same
	// fields (sqlite.Options.Fields, postgres.Options.Fields, …), or Fields
	// may be left empty to take the Store's declaration. New refuses a
	// mismatch, and fields for a store that cannot keep them, rather than
	// drop values. Default: none.
	Fields store.AdditionalFields

	// ExpiresIn is how long a session lives after sign-in or its last
	// sliding refresh. Default 7 days.
	ExpiresIn time.Duration
	// UpdateAge is the least time between two sliding refreshes of one
	// session: a request on a session last refreshed longer ago than this
	// pushes its expiry to now+ExpiresIn. Default 1 day; Disabled refreshes
	// on every request.
	UpdateAge time.Duration
	// DisableRefresh turns sliding expiry off: sessions end ExpiresIn after
	// sign-in, however active.
	DisableRefresh bool
	// FreshAge is how long after sign-in a session counts as fresh, for
	// middleware.RequireFresh (sensitive actions). It counts from the
	// session's creation, so activity never makes a session fresh again:
	// only a new sign-in does. Default 1 day; Disabled turns the check off.
	FreshAge time.Duration

	// CookieCache keeps a signed or encrypted copy of the session and user
	// in a cookie, so most requests are answered without the store. Off by
	// default. See CookieCache for what it means for revocation.
	CookieCache CookieCache
	// Stateless runs on the cookie alone: no database is read for
	// sessions. The cookie cache is forced on (jwe unless Strategy says
	// otherwise), its MaxAge defaults to ExpiresIn, and it is re-minted once
	// less than 20% of its life remains, while the session's absolute expiry
	// never moves. Users still need a Store for sign-up and passwords: the
	// SQLite file at DatabasePath unless Store is set, so they survive a
	// restart and every process on that file sees one user per e-mail. To
	// sign everyone out, change CookieCache.Version or Secret. Better Auth's
	// stateless mode.
	Stateless bool

	// Bearer lets API clients, mobile apps and CLIs send the session in an
	// "Authorization: Bearer <token>" header instead of the cookie, as
	// Better Auth's bearer plugin does. Off by default, like the plugin:
	// see Bearer for why.
	Bearer Bearer

	// TrustedIPHeader names a request header (such as "X-Forwarded-For" or
	// "Fly-Client-IP") whose first address is recorded as the session's IP
	// address. Set it only behind a proxy that overwrites that header:
	// clients can send anything. Default: the connection's remote address.
	TrustedIPHeader string

	// Now is the clock. Default time.Now. Tests pin it.
	Now func() time.Time
	// Logger receives store failures and security-relevant events. It never
	// receives secrets, tokens or cookie values. Default slog.Default().
	Logger *slog.Logger
	// Hooks are the app's callbacks on sign-in, sign-out and revocation;
	// BeforeSessionCreate can refuse a session. See Hooks.
	Hooks Hooks
	// Rules are plugins' rules on sessions, run in order before Hooks:
	// package admin's bans (admin.Options.Rule). See Rule. Default: none.
	Rules []Rule
}

// CookieCache configures the cookie cache.
//
// A valid cache cookie answers the request without the store. When the
// store has a revocation feed (store.RevocationFeed: SQLite, PostgreSQL,
// memory), a session revoked anywhere is refused by every Manager within
// half a second, and while the feed is behind no cache hit is trusted.
// Without one, a session revoked on another device stays usable on a device
// that holds a cache cookie until that cookie's MaxAge runs out (Better
// Auth's behaviour): choose MaxAge as the longest such delay you accept.
// Sensitive routes behind middleware.RequireFresh, the JSON API's
// list-sessions and its revoke endpoints always re-read the store (except
// in Stateless mode, where the cookie is the only record).
type CookieCache struct {
	// Enabled turns the cache on.
	Enabled bool
	// Strategy is the format: "compact" (HMAC-signed JSON, the default and
	// the fastest), "jwt" (HS256), "jwe" (encrypted: dir + A256CBC-HS512),
	// or "securecookie" (gorilla/securecookie, for apps coming from
	// gorilla/sessions; Better Auth cannot read it). Must match the Better
	// Auth app's strategy when the two share cookies.
	Strategy string
	// MaxAge is how long one cache cookie answers for the session.
	// Default 5 minutes; ExpiresIn in Stateless mode.
	MaxAge time.Duration
	// Version is written into every cache cookie; a cookie of another
	// version is ignored. Change it to invalidate every cache cookie at
	// once (in Stateless mode: to sign everyone out). Default "1".
	Version string
}

// Bearer configures bearer tokens, Better Auth's bearer plugin.
//
// With Enabled, a request whose Authorization header is "Bearer <token>"
// is read as if <token> were its session_token cookie: middleware.Load,
// RequireSession, RequireFresh, LookupHeader, SignOut and every endpoint of
// the JSON API (package account) accept it. <token> is the signed cookie
// value (the session token, a dot, its signature; percent-encoded or not),
// which SignIn sends in a Set-Auth-Token response header, listed in
// Access-Control-Expose-Headers so that a page on another origin can read
// it. The header is never read from a query string or a body. When a
// request carries both a valid bearer token and a session cookie, the
// bearer token names the session, as in Better Auth; the cookie still
// subjects the request to the JSON API's origin checks.
//
// Why it is off by default: a session cookie is HttpOnly, so no script on
// your pages can read it, and a browser sends it only to your site. A
// bearer token is held by the client: a sign-in response hands it to the
// script that made the request, and whoever holds it can use it from
// anywhere until the session ends or is revoked. Turn it on for clients
// that cannot keep cookies (mobile apps, CLIs, another front end).
type Bearer struct {
	// Enabled accepts bearer tokens and has SignIn send Set-Auth-Token.
	// Default false.
	Enabled bool
	// AllowUnsignedTokens also accepts a bare session token (the "token"
	// field of sign-in's and get-session's JSON), as Better Auth's bearer()
	// does by default (requireSignature: false). Default false: only a
	// token signed with Secret (or OldSecrets) is accepted, Better Auth's
	// requireSignature: true. Left off, the bare tokens the JSON API shows
	// to any script on your pages (get-session, list-sessions) cannot be
	// used as credentials, and a made-up token costs an HMAC, never a
	// store read.
	AllowUnsignedTokens bool
}

// settings is a validated Config with every default filled in.
type settings struct {
	Config
	freshAge   time.Duration   // 0 = disabled
	updateAge  time.Duration   // 0 = every request
	cookies    *sessionCookies // names, secrets, cache codec: see cookies.go
	fields     store.AdditionalFields
	refreshAge time.Duration // stateless: re-mint when less than this is left
}

func (c Config) resolve() (*settings, error) {
	s := &settings{Config: c}
	ck := &sessionCookies{signed: memo.New[signedValue](signedEntries, signedBytes)}
	s.cookies = ck
	if c.Secret == "" {
		return nil, fmt.Errorf("%w: Secret is required (at least %d bytes; generate one with `openssl rand -base64 32`)", ErrConfig, MinSecretLength)
	}
	for i, sec := range append([]string{c.Secret}, c.OldSecrets...) {
		if len(sec) < MinSecretLength {
			name := "Secret"
			if i > 0 {
				name = fmt.Sprintf("OldSecrets[%d]", i-1)
			}
			return nil, fmt.Errorf("%w: %s is %d bytes; it must be at least %d", ErrConfig, name, len(sec), MinSecretLength)
		}
		ck.secrets = append(ck.secrets, []byte(sec))
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%w: BaseURL %q is not an absolute http(s) URL", ErrConfig, c.BaseURL)
		}
		ck.secure = u.Scheme == "https"
	}
	if s.CookiePrefix == "" {
		s.CookiePrefix = DefaultCookiePrefix
	}
	// net/http drops a Set-Cookie whose name is not an RFC 7230 token, and
	// the Domain attribute when it is not a domain name: check both here
	// rather than lose every cookie (or its Domain) silently at run time.
	if (&http.Cookie{Name: s.CookiePrefix}).Valid() != nil {
		return nil, fmt.Errorf("%w: CookiePrefix %q has characters not allowed in a cookie name", ErrConfig, s.CookiePrefix)
	}
	if (&http.Cookie{Name: "x", Domain: s.CookieDomain}).Valid() != nil {
		return nil, fmt.Errorf("%w: CookieDomain %q is not a domain name (such as \"example.com\")", ErrConfig, s.CookieDomain)
	}
	if s.DatabasePath == "" {
		s.DatabasePath = DefaultDatabasePath
	}
	switch {
	case s.ExpiresIn == 0:
		s.ExpiresIn = DefaultExpiresIn
	case s.ExpiresIn < time.Second:
		return nil, fmt.Errorf("%w: ExpiresIn %v is shorter than a second", ErrConfig, s.ExpiresIn)
	case s.ExpiresIn > 400*24*time.Hour:
		return nil, fmt.Errorf("%w: ExpiresIn %v is over 400 days, the most a browser keeps a cookie", ErrConfig, s.ExpiresIn)
	}
	s.updateAge = durationOrDefault(c.UpdateAge, DefaultUpdateAge)
	s.freshAge = durationOrDefault(c.FreshAge, DefaultFreshAge)
	if c.UpdateAge < 0 && c.UpdateAge != Disabled || c.FreshAge < 0 && c.FreshAge != Disabled {
		return nil, fmt.Errorf("%w: UpdateAge and FreshAge must be positive, zero (default) or Disabled", ErrConfig)
	}
	// An UpdateAge longer than ExpiresIn would never slide a session: it
	// expires first. Only a value given explicitly is refused; the default
	// (a day) with a shorter ExpiresIn keeps Better Auth's behaviour.
	if !s.DisableRefresh && c.UpdateAge > s.ExpiresIn {
		return nil, fmt.Errorf("%w: UpdateAge %v is longer than ExpiresIn %v: sessions would expire before they slide", ErrConfig, s.updateAge, s.ExpiresIn)
	}
	if c.Bearer.AllowUnsignedTokens && !c.Bearer.Enabled {
		return nil, fmt.Errorf("%w: Bearer.AllowUnsignedTokens given without Bearer.Enabled (bearer tokens would stay off)", ErrConfig)
	}
	if c.Bearer.Enabled && c.Stateless {
		// The session of a stateless request is its cache cookie, which a
		// bearer token does not carry: every bearer request would be
		// signed out.
		return nil, fmt.Errorf("%w: Bearer needs a session store; it cannot work with Stateless", ErrConfig)
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	ck.names = newCookieNames(s.CookiePrefix, ck.secure)
	ck.domain, ck.tokenMaxAge, ck.logger = s.CookieDomain, s.ExpiresIn, s.Logger
	ck.bearer = s.Bearer
	ck.mon = newMonitor(s.Logger, s.Now)
	if err := s.resolveCache(); err != nil {
		return nil, err
	}
	s.resolveOAuthCookies()
	return s, nil
}

func (s *settings) resolveCache() error {
	cc := s.CookieCache
	if s.Stateless {
		cc.Enabled = true
		if cc.Strategy == "" {
			cc.Strategy = cache.StrategyJWE
		}
		if cc.MaxAge == 0 {
			cc.MaxAge = s.ExpiresIn
		}
	}
	if !cc.Enabled {
		if cc.Strategy != "" || cc.MaxAge != 0 || cc.Version != "" {
			return fmt.Errorf("%w: CookieCache settings given without CookieCache.Enabled (the cache would stay off)", ErrConfig)
		}
		return nil
	}
	switch {
	case cc.MaxAge == 0:
		cc.MaxAge = DefaultCacheMaxAge
	case cc.MaxAge < time.Second || cc.MaxAge > 400*24*time.Hour:
		return fmt.Errorf("%w: CookieCache.MaxAge %v is not between a second and 400 days", ErrConfig, cc.MaxAge)
	}
	ck := s.cookies
	ck.cacheMaxAge = cc.MaxAge
	ck.cacheVersion = cc.Version
	if ck.cacheVersion == "" {
		ck.cacheVersion = "1"
	}
	switch cc.Strategy {
	case "", cache.StrategyCompact:
		ck.useCodec(cache.NewCompact(ck.secrets...))
	case cache.StrategyJWT:
		ck.useCodec(cache.NewJWT(ck.secrets...))
	case cache.StrategyJWE:
		ck.useCodec(cache.NewJWE(ck.secrets...))
	case cache.StrategySecureCookie:
		ck.useCodec(cache.NewSecureCookie(ck.names.data, ck.secrets...))
	default:
		return fmt.Errorf("%w: CookieCache.Strategy %q is not one of compact, jwt, jwe, securecookie", ErrConfig, cc.Strategy)
	}
	if s.Stateless {
		s.refreshAge = ck.cacheMaxAge / 5
	}
	return nil
}

func durationOrDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d == Disabled:
		return 0
	}
	return d
}

// now returns the clock's time at the millisecond precision of every record.
func (s *settings) now() time.Time { return store.Truncate(s.Now()) }
