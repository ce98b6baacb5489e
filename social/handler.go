package social

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/store"
	"golang.org/x/sync/singleflight"
)

// Config configures a Handler. Providers is required; the rest defaults to
// Better Auth's behaviour.
type Config struct {
	// Providers offered. Their IDs must be distinct.
	Providers []Provider
	// BasePath is where the Handler is mounted, as account.Config's:
	// default "/api/auth".
	BasePath string
	// TrustedOrigins are the other origins a callbackURL may name, as
	// account.Config's. Relative URLs and the BaseURL's origin are always
	// allowed.
	TrustedOrigins []string
	// ErrorURL is where failures are sent when the sign-in named no
	// errorCallbackURL, with ?error=<code>. Default BasePath + "/error",
	// Better Auth's onAPIError.errorURL default.
	ErrorURL string

	// TrustedProviders are provider IDs whose e-mail addresses are trusted
	// even when the provider does not say they are verified: Better
	// Auth's account.accountLinking.trustedProviders. A provider account
	// is linked to an existing user with the same e-mail only when the
	// provider is trusted or says the e-mail is verified, and the local
	// user's e-mail is verified (see AllowUnverifiedLocalEmail); else the
	// callback redirects with error=account_not_linked.
	TrustedProviders []string
	// AllowUnverifiedLocalEmail is Better Auth's
	// accountLinking.requireLocalEmailVerified: false. Off by default:
	// linking to a local user whose e-mail nobody verified would hand
	// that user to whoever registered the address first.
	AllowUnverifiedLocalEmail bool
	// DisableLinking is Better Auth's accountLinking.enabled: false: a
	// provider account is never linked to an existing user by e-mail.
	DisableLinking bool

	// State keeps the state of sign-ins in flight. Default:
	// DatabaseState on the Manager's store.
	State StateStore
	// Accounts keeps provider accounts. Default: DatabaseAccounts on the
	// Manager's store.
	Accounts AccountStore
	// SkipStateCookieCheck is Better Auth's
	// account.skipStateCookieCheck: DatabaseState then accepts a state
	// without the browser's signed state cookie. Off by default: the
	// cookie binds the sign-in to the browser that started it (login
	// CSRF).
	SkipStateCookieCheck bool

	// HTTPClient talks to providers. Default: a client with a 10-second
	// timeout. Provider answers are read up to 1 MiB.
	HTTPClient *http.Client
	// Logger receives failures (no tokens, no codes). Default: the
	// Manager's.
	Logger *slog.Logger
}

// StateLifetime is how long a sign-in may stay at the provider: Better
// Auth's ten minutes.
const StateLifetime = 10 * time.Minute

// Error codes the callback redirects with (?error=<code>), Better Auth's.
const (
	ErrorStateNotFound      = "state_not_found"
	ErrorStateMismatch      = "state_mismatch"
	ErrorNoCode             = "no_code"
	ErrorProviderNotFound   = "oauth_provider_not_found"
	ErrorIssuerMismatch     = "issuer_mismatch"
	ErrorInvalidCode        = "invalid_code"
	ErrorUserInfo           = "unable_to_get_user_info"
	ErrorEmailNotFound      = "email_not_found"
	ErrorAccountNotLinked   = "account_not_linked"
	ErrorUnableToLink       = "unable_to_link_account"
	ErrorUnableToCreateUser = "unable_to_create_user"
	ErrorSignUpDisabled     = "signup_disabled"
	ErrorSession            = "unable_to_create_session"
	ErrorInternal           = "internal_server_error"
	ErrorInvalidCallback    = "invalid_callback_request"
)

var _ http.Handler = (*Handler)(nil)

// Handler serves Better Auth's social sign-in endpoints under BasePath:
// POST /sign-in/social and GET|POST /callback/<provider>. Build it with
// New; it is safe for concurrent use.
type Handler struct {
	m         *sessionkit.Manager
	base      string
	errorURL  string
	providers map[string]*provider
	trusted   map[string]bool
	origins   account.OriginPolicy
	state     StateStore
	accounts  AccountStore
	client    *http.Client
	log       *slog.Logger
	cfg       Config
	mux       *http.ServeMux
	refreshes singleflight.Group // AccessToken's refreshes, by refresh token
}

// New checks cfg and returns the Handler of m. Every error wraps
// sessionkit.ErrConfig.
func New(m *sessionkit.Manager, cfg Config) (*Handler, error) {
	h := &Handler{m: m, cfg: cfg, base: basePath(cfg.BasePath), providers: map[string]*provider{},
		trusted: map[string]bool{}, origins: account.NewOriginPolicy(m.BaseURL(), cfg.TrustedOrigins),
		state: cfg.State, accounts: cfg.Accounts, client: cfg.HTTPClient, log: cfg.Logger}
	if len(cfg.Providers) == 0 {
		return nil, fmt.Errorf("%w: social: no provider", sessionkit.ErrConfig)
	}
	if h.client == nil {
		h.client = &http.Client{Timeout: defaultTimeout}
	}
	h.client = limitedClient(h.client)
	if h.log == nil {
		h.log = m.Logger()
	}
	h.errorURL = cfg.ErrorURL
	if h.errorURL == "" {
		h.errorURL = strings.TrimSuffix(m.BaseURL(), "/") + h.base + "/error"
	}
	for _, id := range cfg.TrustedProviders {
		h.trusted[id] = true
	}
	for _, p := range cfg.Providers {
		if p.ID == "" || strings.ContainsAny(p.ID, "/?#%") || p.ClientID == "" {
			return nil, fmt.Errorf("%w: social: provider %q needs an ID (no / ? # %%) and a ClientID", sessionkit.ErrConfig, p.ID)
		}
		if _, dup := h.providers[p.ID]; dup {
			return nil, fmt.Errorf("%w: social: provider %q configured twice", sessionkit.ErrConfig, p.ID)
		}
		if p.Issuer == "" && (p.AuthURL == "" || p.TokenURL == "" || p.Profile == nil) {
			return nil, fmt.Errorf("%w: social: provider %q needs an Issuer, or AuthURL, TokenURL and Profile", sessionkit.ErrConfig, p.ID)
		}
		redirect := p.RedirectURL
		if redirect == "" {
			if m.BaseURL() == "" {
				return nil, fmt.Errorf("%w: social: provider %q needs a RedirectURL, or the Manager a BaseURL", sessionkit.ErrConfig, p.ID)
			}
			redirect = strings.TrimSuffix(m.BaseURL(), "/") + h.base + "/callback/" + p.ID
		}
		h.providers[p.ID] = &provider{Provider: p, redirect: redirect, client: h.client, now: m.Now}
	}
	var err error
	if h.state == nil {
		if h.state, err = NewDatabaseState(m, cfg.SkipStateCookieCheck); err != nil {
			return nil, err
		}
	}
	if h.accounts == nil {
		if h.accounts, err = NewDatabaseAccounts(m); err != nil {
			return nil, err
		}
	}
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("POST "+h.base+"/sign-in/social", h.signIn)
	h.mux.HandleFunc("GET "+h.base+"/callback/{id}", h.callback)
	h.mux.HandleFunc("POST "+h.base+"/callback/{id}", h.callbackPost)
	return h, nil
}

// defaultTimeout bounds each call to a provider.
const defaultTimeout = 10 * time.Second

func basePath(p string) string {
	if p == "" {
		p = account.DefaultBasePath
	}
	p = "/" + strings.Trim(p, "/")
	if p == "/" {
		return ""
	}
	return p
}

// ServeHTTP serves the endpoints; other paths answer 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// maxBody bounds a request body: Better Auth's bodies here are small JSON
// or a form post from the provider.
const maxBody = 64 << 10

// signInRequest is the body of POST /sign-in/social.
type signInRequest struct {
	Provider           string          `json:"provider"`
	CallbackURL        string          `json:"callbackURL"`
	NewUserCallbackURL string          `json:"newUserCallbackURL"`
	ErrorCallbackURL   string          `json:"errorCallbackURL"`
	DisableRedirect    bool            `json:"disableRedirect"`
	IDToken            json.RawMessage `json:"idToken"`
	Scopes             []string        `json:"scopes"`
	RequestSignUp      bool            `json:"requestSignUp"`
	LoginHint          string          `json:"loginHint"`
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	if !h.origins.Check(w, r) {
		return
	}
	var req signInRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	if err := dec.Decode(&req); err != nil {
		sessionkit.WriteError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid body")
		return
	}
	if _, ok := h.providers[req.Provider]; ok && len(req.IDToken) > 0 && string(req.IDToken) != "null" {
		sessionkit.WriteError(w, http.StatusNotFound, "ID_TOKEN_NOT_SUPPORTED", "id token not supported")
		return
	}
	authURL, err := h.Start(w, r, StartOptions{Provider: req.Provider, CallbackURL: req.CallbackURL,
		NewUserCallbackURL: req.NewUserCallbackURL, ErrorCallbackURL: req.ErrorCallbackURL,
		Scopes: req.Scopes, RequestSignUp: req.RequestSignUp, LoginHint: req.LoginHint})
	switch {
	case errors.Is(err, ErrUnknownProvider):
		sessionkit.WriteError(w, http.StatusNotFound, "PROVIDER_NOT_FOUND", "Provider not found")
		return
	case errors.Is(err, ErrCallbackURL):
		sessionkit.WriteError(w, http.StatusForbidden, "INVALID_CALLBACK_URL", "Invalid callbackURL")
		return
	case errors.Is(err, ErrNoCallbackURL):
		sessionkit.WriteError(w, http.StatusBadRequest, "CALLBACK_URL_REQUIRED", "callbackURL is required")
		return
	case errors.Is(err, errProvider):
		sessionkit.WriteError(w, http.StatusBadGateway, "PROVIDER_UNAVAILABLE", "The provider cannot be reached")
		return
	case err != nil:
		sessionkit.WriteError(w, http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "Unable to create verification")
		return
	}
	if !req.DisableRedirect {
		w.Header().Set("Location", authURL)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(struct {
		URL      string `json:"url"`
		Redirect bool   `json:"redirect"`
	}{authURL, !req.DisableRedirect})
}

// StartOptions are the fields of POST /sign-in/social, for Start.
type StartOptions struct {
	// Provider is the Provider.ID to sign in with.
	Provider string
	// CallbackURL is where the browser goes once signed in (default: the
	// Manager's BaseURL); NewUserCallbackURL instead for a user just
	// created; ErrorCallbackURL with ?error=<code> when the sign-in
	// fails (default Config.ErrorURL). Each must be a path of this site
	// or a URL at its origin or a trusted one.
	CallbackURL, NewUserCallbackURL, ErrorCallbackURL string
	// Scopes are requested besides the provider's.
	Scopes []string
	// RequestSignUp lets a provider with DisableSignUp create the user.
	RequestSignUp bool
	// LoginHint is sent to the provider as login_hint.
	LoginHint string
}

// Errors of Start. Match them with errors.Is.
var (
	// ErrUnknownProvider means no configured provider has that ID.
	ErrUnknownProvider = errors.New("social: unknown provider")
	// ErrCallbackURL means a callback URL is neither a path of this site
	// nor at a trusted origin (an open redirect otherwise).
	ErrCallbackURL = errors.New("social: callback URL not allowed")
	// ErrNoCallbackURL means no callbackURL was given and the Manager
	// has no BaseURL to default to.
	ErrNoCallbackURL = errors.New("social: callbackURL is required")
	errProvider      = errors.New("social: provider unavailable")
)

// Start begins a sign-in as POST /sign-in/social does, for apps with a
// sign-in form of their own: it checks the callback URLs, keeps the state
// (with its cookie on w) and returns the provider's authorization URL to
// send the browser to. Call it only for a request the app has checked
// comes from its own pages (http.CrossOriginProtection), as the JSON
// endpoint does.
func (h *Handler) Start(w http.ResponseWriter, r *http.Request, o StartOptions) (string, error) {
	p, ok := h.providers[o.Provider]
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownProvider, o.Provider)
	}
	for _, u := range []string{o.CallbackURL, o.NewUserCallbackURL, o.ErrorCallbackURL} {
		if u != "" && !h.origins.RedirectAllowed(u) {
			return "", ErrCallbackURL
		}
	}
	callback := o.CallbackURL
	if callback == "" {
		callback = h.m.BaseURL()
	}
	if callback == "" {
		return "", ErrNoCallbackURL
	}
	st := State{
		CallbackURL:   callback,
		CodeVerifier:  randomString(128),
		ErrorURL:      o.ErrorCallbackURL,
		NewUserURL:    o.NewUserCallbackURL,
		ExpiresAt:     h.m.Now().Add(StateLifetime).UnixMilli(),
		RequestSignUp: o.RequestSignUp,
		OAuthState:    randomString(32),
	}
	if p.Issuer != "" {
		st.IDTokenNonce = randomString(32)
	}
	ctx, cancel := context.WithTimeout(r.Context(), defaultTimeout)
	defer cancel()
	authURL, err := p.authURL(ctx, st, o.Scopes, o.LoginHint)
	if err != nil {
		h.log.ErrorContext(ctx, "social: provider unavailable", "provider", p.ID, "err", err)
		return "", fmt.Errorf("%w: %w", errProvider, err)
	}
	if err := h.state.Save(ctx, w, r, st); err != nil {
		h.m.LogStoreError(ctx, "social: save state", err)
		return "", err
	}
	return authURL, nil
}

// callbackParams are the parameters the provider sends to the callback.
var callbackParams = []string{"code", "error", "device_id", "error_description", "state", "user", "iss"}

// callbackPost is a provider's form_post answer: Better Auth redirects it
// to the GET callback with the same parameters, so the browser's cookies
// (SameSite=Lax, absent on a cross-site POST) come along.
func (h *Handler) callbackPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		h.redirectError(w, r, h.errorURL, ErrorInvalidCallback, "")
		return
	}
	q := url.Values{}
	for _, k := range callbackParams {
		if v := r.Form.Get(k); v != "" {
			q.Set(k, v)
		}
	}
	http.Redirect(w, r, strings.TrimSuffix(h.m.BaseURL(), "/")+h.base+"/callback/"+url.PathEscape(r.PathValue("id"))+"?"+q.Encode(), http.StatusFound)
}

func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	w.Header().Set("Cache-Control", "no-store") // every answer sets or clears cookies
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" || len(state) > 256 {
		h.redirectError(w, r, h.errorURL, ErrorStateNotFound, "")
		return
	}
	st, err := h.state.Take(ctx, w, r, state)
	switch {
	case errors.Is(err, ErrStateNotFound), errors.Is(err, ErrStateMismatch):
		h.log.WarnContext(ctx, "social: callback with an unusable state", "err", err)
		h.redirectError(w, r, h.errorURL, ErrorStateMismatch, "")
		return
	case err != nil:
		h.m.LogStoreError(ctx, "social: take state", err)
		h.redirectError(w, r, h.errorURL, ErrorInternal, "")
		return
	}
	errorURL := st.ErrorURL
	if errorURL == "" {
		errorURL = h.errorURL
	}
	if st.ExpiresAt < h.m.Now().UnixMilli() {
		h.redirectError(w, r, errorURL, ErrorStateMismatch, "")
		return
	}
	if st.Link != nil {
		// Linking to a signed-in user is not offered yet: refuse rather
		// than sign in as whoever the provider names.
		h.redirectError(w, r, errorURL, ErrorUnableToLink, "")
		return
	}
	if e := q.Get("error"); e != "" {
		h.redirectError(w, r, errorURL, clip(e), clip(q.Get("error_description")))
		return
	}
	code := q.Get("code")
	if code == "" {
		h.redirectError(w, r, errorURL, ErrorNoCode, "")
		return
	}
	p, ok := h.providers[r.PathValue("id")]
	if !ok {
		h.redirectError(w, r, errorURL, ErrorProviderNotFound, "")
		return
	}
	pctx, cancel := context.WithTimeout(ctx, 2*defaultTimeout)
	defer cancel()
	if iss := q.Get("iss"); iss != "" && p.Issuer != "" && iss != p.Issuer {
		h.redirectError(w, r, errorURL, ErrorIssuerMismatch, "")
		return
	}
	tok, err := p.exchange(pctx, code, st.CodeVerifier)
	if err != nil {
		h.log.WarnContext(ctx, "social: code exchange failed", "provider", p.ID, "err", err)
		h.redirectError(w, r, errorURL, ErrorInvalidCode, "")
		return
	}
	prof, err := p.profile(pctx, tok, st.IDTokenNonce)
	if err != nil {
		h.log.WarnContext(ctx, "social: no usable profile", "provider", p.ID, "err", err)
		h.redirectError(w, r, errorURL, ErrorUserInfo, "")
		return
	}
	if prof.Email == "" {
		h.redirectError(w, r, errorURL, ErrorEmailNotFound, "")
		return
	}
	user, isNew, code2 := h.signInUser(ctx, w, r, p, prof, tok, st.RequestSignUp)
	if code2 != "" {
		target := errorURL
		if code2 == ErrorInternal {
			target = h.errorURL
		}
		h.redirectError(w, r, target, code2, "")
		return
	}
	if _, err := h.m.SignIn(w, r, user.ID, sessionkit.SignInOptions{}); err != nil {
		h.m.LogStoreError(ctx, "social: sign in", err)
		h.redirectError(w, r, errorURL, ErrorSession, "")
		return
	}
	to := st.CallbackURL
	if isNew && st.NewUserURL != "" {
		to = st.NewUserURL
	}
	http.Redirect(w, r, to, http.StatusFound)
}

// signInUser is Better Auth's handleOAuthUserInfo: the user the provider
// account belongs to, else the user with its e-mail when the linking rules
// allow, else a new user. It returns an error code on failure.
func (h *Handler) signInUser(ctx context.Context, w http.ResponseWriter, r *http.Request, p *provider, prof Profile, tok Tokens, requestSignUp bool) (store.User, bool, string) {
	now := h.m.Now()
	acct := store.Account{
		ID: store.NewID(), AccountID: prof.AccountID, ProviderID: p.ID,
		AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, IDToken: tok.IDToken,
		AccessTokenExpiresAt: tok.AccessTokenExpiresAt, RefreshTokenExpiresAt: tok.RefreshTokenExpiresAt,
		Scope: strings.Join(tok.Scopes, ","), CreatedAt: now, UpdatedAt: now,
	}
	users := h.m.Store()
	linked, err := h.accounts.Find(ctx, r, p.ID, prof.AccountID)
	switch {
	case err == nil:
		u, err := users.UserByID(ctx, linked.UserID)
		if errors.Is(err, store.ErrNotFound) {
			h.log.ErrorContext(ctx, "social: an account names a missing user", "provider", p.ID)
			return store.User{}, false, ErrorUnableToLink
		}
		if err != nil {
			h.m.LogStoreError(ctx, "social: user of account", err)
			return store.User{}, false, ErrorInternal
		}
		acct.ID, acct.UserID, acct.CreatedAt, acct.Scope = linked.ID, linked.UserID, linked.CreatedAt, linked.Scope
		if _, err := h.accounts.Update(ctx, w, r, acct); err != nil {
			h.m.LogStoreError(ctx, "social: update account", err)
			return store.User{}, false, "unable_to_update_account"
		}
		return u, false, ""
	case !errors.Is(err, store.ErrNotFound):
		h.m.LogStoreError(ctx, "social: find account", err)
		return store.User{}, false, ErrorInternal
	}
	email := strings.ToLower(prof.Email)
	u, err := users.UserByEmail(ctx, email)
	switch {
	case err == nil:
		trusted := h.trusted[p.ID] || prof.EmailVerified
		if !trusted || (!u.EmailVerified && !h.cfg.AllowUnverifiedLocalEmail) || h.cfg.DisableLinking {
			return store.User{}, false, ErrorAccountNotLinked
		}
		acct.UserID = u.ID
		if err := h.accounts.Link(ctx, w, r, acct); err != nil {
			h.m.LogStoreError(ctx, "social: link account", err)
			return store.User{}, false, ErrorUnableToLink
		}
		return u, false, ""
	case !errors.Is(err, store.ErrNotFound):
		h.m.LogStoreError(ctx, "social: user by email", err)
		return store.User{}, false, ErrorInternal
	}
	if p.DisableSignUp && !requestSignUp {
		return store.User{}, false, ErrorSignUpDisabled
	}
	u = store.User{ID: store.NewID(), Name: prof.Name, Email: email, EmailVerified: prof.EmailVerified,
		Image: prof.Image, CreatedAt: now, UpdatedAt: now}
	acct.UserID = u.ID
	if err := h.accounts.CreateUser(ctx, w, r, u, acct); err != nil {
		h.m.LogStoreError(ctx, "social: create user", err)
		return store.User{}, false, ErrorUnableToCreateUser
	}
	return u, true, ""
}

// redirectError sends the browser to target with ?error=code (and
// error_description), Better Auth's redirectOnError.
func (h *Handler) redirectError(w http.ResponseWriter, r *http.Request, target, code, description string) {
	q := url.Values{"error": {code}}
	if description != "" {
		q.Set("error_description", description)
	}
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target+sep+q.Encode(), http.StatusFound)
}

// clip bounds a provider's error text echoed into a redirect.
func clip(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}

// randomString returns n characters from a–z, A–Z, 0–9, - and _ drawn
// with crypto/rand (Better Auth's generateRandomString alphabets).
func randomString(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[b[i]&63]
	}
	return string(b)
}

// equal compares secrets in constant time.
func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
