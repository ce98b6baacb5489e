package sessionkit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/oauthcookie"
)

// The cookies of social sign-in without a database (Better Auth's
// account.storeStateStrategy "cookie" and account.storeAccountCookie):
// oauth_state holds a sign-in in flight, account_data the provider account
// and its tokens. The Manager writes them, like every cookie, so that:
//
//   - account_data is re-minted whenever the session's cache cookie is
//     (Better Auth's setCookieCache), for the session's user only;
//   - sign-out, and every path that clears the session cookies, expires
//     both (Better Auth's deleteSessionCookie).

// ErrNoCookie is returned by AccountCookie when the request carries no
// account_data cookie, and by TakeOAuthState when it carries no oauth_state.
var ErrNoCookie = errors.New("sessionkit: no such cookie")

// oauthCookies is the part of sessionCookies for the social sign-in cookies.
type oauthCookies struct {
	account       *oauthcookie.AccountCodec
	state         *oauthcookie.StateCodec
	accountName   string
	stateName     string
	accountMaxAge time.Duration
}

// resolveOAuthCookies builds the codecs and names; run after resolveCache.
func (s *settings) resolveOAuthCookies() {
	ck := s.cookies
	p := ck.names.prefix
	ck.oauth = oauthCookies{
		account:     oauthcookie.NewAccountCodec(ck.secrets...),
		state:       oauthcookie.NewStateCodec(ck.secrets...),
		accountName: p + oauthcookie.AccountCookieName,
		stateName:   p + oauthcookie.StateCookieName,
		// Better Auth: session.cookieCache.maxAge, else 300 s.
		accountMaxAge: DefaultCacheMaxAge,
	}
	if ck.caching() {
		ck.oauth.accountMaxAge = ck.cacheMaxAge
	}
}

// readOAuth records the social sign-in cookie name=val, if it is one;
// read calls it for every cookie.
func (j *jar) readOAuth(name, val string) bool {
	o := &j.c.oauth
	switch {
	case name == o.stateName:
		if !j.hasState {
			j.state, j.hasState = val, true
		}
	case strings.HasPrefix(name, o.accountName):
		if rest := name[len(o.accountName):]; rest == "" {
			j.account = append(j.account, rawCookie{name, val, -1})
		} else if i, ok := chunkSuffix(rest); ok {
			j.account = append(j.account, rawCookie{name, val, i})
		} else {
			return false
		}
	default:
		return false
	}
	return true
}

// accountValue joins the account_data cookies (joinChunks).
func (j *jar) accountValue() (string, bool) { return joinChunks(j.account) }

// clearOAuth expires the account_data cookies and oauth_state the request
// carried.
func (j *jar) clearOAuth() {
	if len(j.account) > 0 {
		j.clearOAuthAccount()
	}
	if j.hasState {
		j.expire(j.c.oauth.stateName)
	}
}

// writeAccount sets a as the account_data cookie (chunked when large) after
// expiring the chunks the request carried, as Better Auth's account store
// does. A value too large for MaxChunks cookies is not written.
func (j *jar) writeAccount(a *oauthcookie.Account, now time.Time) error {
	c, o := j.c, &j.c.oauth
	for _, d := range j.account {
		j.expire(d.Name)
	}
	val, err := o.account.Encode(a, now, o.accountMaxAge)
	if err != nil {
		return fmt.Errorf("sessionkit: account cookie: %w", err)
	}
	chunks, err := cache.Split(val, cache.ChunkSize(c.cookie(o.accountName, "", o.accountMaxAge)))
	if err != nil {
		return fmt.Errorf("sessionkit: account cookie: %w", err)
	}
	if len(chunks) == 1 {
		j.out.set(c.cookie(o.accountName, chunks[0], o.accountMaxAge))
		return nil
	}
	for i, v := range chunks {
		j.out.set(c.cookie(cache.ChunkName(o.accountName, i), v, o.accountMaxAge))
	}
	return nil
}

// remintAccount re-mints the request's account_data cookie for another
// full MaxAge when it holds an account of userID; one of another user, or
// one that does not decode, is expired. Better Auth does this with every
// new cache cookie (and, without a database, skips the user check: a
// browser may carry the account of a user it signed out of). It does
// nothing when the response already sets account_data (accountPending).
func (j *jar) remintAccount(ctx context.Context, userID string, now time.Time) {
	if len(j.account) == 0 || j.accountPending {
		return
	}
	val, ok := j.accountValue()
	if !ok {
		return
	}
	a, _, err := j.c.oauth.account.Decode(val, now)
	if err == nil && a.UserID == userID {
		err = j.writeAccount(a, now)
		if err == nil {
			return
		}
		j.c.logger.WarnContext(ctx, "sessionkit: account cookie not re-minted", "err", err)
	}
	j.clearOAuthAccount()
}

// clearOAuthAccount expires account_data and every chunk of it the
// request carried.
func (j *jar) clearOAuthAccount() {
	j.expire(j.c.oauth.accountName)
	for _, d := range j.account {
		j.expire(d.Name)
	}
}

// hasSetCookie reports whether h already sets the cookie base or a chunk
// of it.
func hasSetCookie(h http.Header, base string) bool {
	for _, line := range h.Values("Set-Cookie") {
		name, _, _ := strings.Cut(line, "=")
		if name == base || strings.HasPrefix(name, base+".") {
			return true
		}
	}
	return false
}

// SetAccountCookie writes a into the account_data cookie, Better Auth's
// setAccountCookie: a JWE (salt "better-auth-account") valid for the cookie
// cache's MaxAge (5 minutes when the cache is off), chunked like the cache
// cookie; chunks the request carried that the new value does not use are
// expired. Sign-out expires it; each new cache cookie of the same user
// re-mints it. An error (a value needing more than cache.MaxChunks
// cookies) writes nothing.
func (m *Manager) SetAccountCookie(w http.ResponseWriter, r *http.Request, a *oauthcookie.Account) error {
	j := m.s.cookies.read(r.Header)
	if err := j.writeAccount(a, m.s.now()); err != nil {
		return err
	}
	j.out.writeTo(w.Header())
	return nil
}

// AccountCookie returns the account in the request's account_data cookie
// (chunks joined), Better Auth's getAccountCookie. It returns ErrNoCookie
// when there is none, and errors wrapping oauthcookie.ErrInvalid or
// oauthcookie.ErrExpired for a cookie that is not authentic or has
// expired. It does not compare the account's user with the session's: the
// caller does.
func (m *Manager) AccountCookie(r *http.Request) (*oauthcookie.Account, error) {
	j := m.s.cookies.read(r.Header)
	val, ok := j.accountValue()
	if !ok {
		return nil, ErrNoCookie
	}
	if len(val) > cache.MaxValueLen {
		return nil, fmt.Errorf("%w: account cookie too long", oauthcookie.ErrInvalid)
	}
	a, _, err := m.s.cookies.oauth.account.Decode(val, m.s.now())
	return a, err
}

// ClearAccountCookie expires the account_data cookie and every chunk of it
// the request carries.
func (m *Manager) ClearAccountCookie(w http.ResponseWriter, r *http.Request) {
	j := m.s.cookies.read(r.Header)
	j.clearOAuthAccount()
	j.out.writeTo(w.Header())
}

// SetOAuthState encrypts st into the oauth_state cookie (Max-Age 10
// minutes), Better Auth's generateGenericState with storeStateStrategy
// "cookie", and returns the state parameter to send to the provider
// (st.OAuthState, filled with 32 random characters when empty).
// st.ExpiresAt defaults to ten minutes from now.
func (m *Manager) SetOAuthState(w http.ResponseWriter, st *oauthcookie.State) (string, error) {
	if st.ExpiresAt.IsZero() {
		st.ExpiresAt = m.s.now().Add(oauthcookie.StateLifetime)
	}
	o := &m.s.cookies.oauth
	v, err := o.state.Encode(st)
	if err != nil {
		return "", fmt.Errorf("sessionkit: oauth state: %w", err)
	}
	http.SetCookie(w, m.s.cookies.cookie(o.stateName, v, oauthcookie.StateMaxAge))
	return st.OAuthState, nil
}

// TakeOAuthState reads the request's oauth_state cookie for the callback
// whose state parameter is state, Better Auth's parseGenericState: the
// cookie must decrypt, name that very state (constant time) and not have
// expired. On success the cookie is expired on w, so a browser uses it
// once. Errors: ErrNoCookie; oauthcookie.ErrStateMismatch (the cookie is
// kept: a forged callback must not end the real sign-in in flight);
// oauthcookie.ErrInvalid and ErrExpired (the cookie is expired).
func (m *Manager) TakeOAuthState(w http.ResponseWriter, r *http.Request, state string) (*oauthcookie.State, error) {
	j := m.s.cookies.read(r.Header)
	if !j.hasState || j.state == "" {
		return nil, ErrNoCookie
	}
	st, err := m.s.cookies.oauth.state.Open(j.state, state, m.s.now())
	if errors.Is(err, oauthcookie.ErrStateMismatch) {
		return nil, err
	}
	j.expire(m.s.cookies.oauth.stateName)
	j.out.writeTo(w.Header())
	if err != nil {
		return nil, err
	}
	return st, nil
}
