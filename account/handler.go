package account

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/freshness"
	"github.com/sessionkit/sessionkit/store"
)

// DefaultBasePath is where Handler serves the JSON API, as Better Auth's
// basePath does.
const DefaultBasePath = "/api/auth"

// Limits of the JSON API, the same as Better Auth's defaults except the
// body size, which Better Auth does not bound.
const (
	// MaxBodyBytes is the largest request body the API reads; a larger one
	// is answered 413.
	MaxBodyBytes = 1 << 20
	// MinPasswordLength and MaxPasswordLength bound a password, counted in
	// UTF-16 code units as JavaScript's String#length counts them.
	MinPasswordLength = 8
	MaxPasswordLength = 128
)

// Handler returns Better Auth's session HTTP API under Config.BasePath
// ("/api/auth" by default), so Better Auth's client (createAuthClient) and
// apps written against it work with a Go server unchanged. Mount it with
//
//	mux.Handle("/api/auth/", accounts.Handler())
//
// It serves, with Better Auth 1.7.25's status codes and JSON bodies:
//
//	GET  /get-session            null or {session, user}
//	POST /sign-up/email          {name, email, password, image?, rememberMe?} → {token, user}
//	POST /sign-in/email          {email, password, rememberMe?, callbackURL?} → {redirect, token, user}
//	POST /sign-out               {success: true}
//	GET  /list-sessions          the user's live sessions (needs a fresh session)
//	POST /revoke-session         {token} → {status: true}
//	POST /revoke-sessions        {status: true}
//	POST /revoke-other-sessions  {status: true}
//	POST /update-session         400 "No fields to update" (no additional fields exist)
//	POST /update-user            {name?, image?} → {status: true}
//	POST /change-password        {newPassword, currentPassword, revokeOtherSessions?} → {token, user}
//	POST /delete-user            {password?} → {success: true, message: "User deleted"} (Config.EnableDeleteUser)
//
// and the endpoints of Config.Plugins (package multisession's
// /multi-session/*), behind the same rate limit and origin checks, with
// the plugins' hooks around every endpoint.
//
// Errors are {"message": …, "code": …} with Better Auth's codes. Unlike
// Better Auth, which answers unknown paths with an empty 404 (and wrong
// methods the same way), this handler answers 404 {"code":"NOT_FOUND"} and
// 405 {"code":"METHOD_NOT_ALLOWED"} with an Allow header. Bodies are JSON;
// sign-up and sign-in also take application/x-www-form-urlencoded (an HTML
// form posting straight to them), as Better Auth does, every field then a
// string (so a form's rememberMe is refused, as Better Auth refuses it).
//
// Requests that change state pass Better Auth's origin checks (one that
// carries cookies needs an Origin or Referer of the Manager's BaseURL
// origin or a trusted one: 403 MISSING_OR_NULL_ORIGIN or INVALID_ORIGIN
// otherwise; sign-in and sign-up refuse cross-site navigations with 403
// CROSS_SITE_NAVIGATION_LOGIN_BLOCKED), then [http.CrossOriginProtection],
// which refuses other cross-site requests with 403 INVALID_ORIGIN. A
// callbackURL must be a path or at one of those origins, never one taken
// from the Host header. Every cookie is written by the Manager, as for
// SignIn, LookupHeader and SignOut.
//
// With sessionkit.Config.Bearer on (Better Auth's bearer plugin), every
// endpoint also takes the session from an "Authorization: Bearer" header,
// and sign-in, sign-up and change-password with revokeOtherSessions answer
// with a Set-Auth-Token header. A request that carries cookies gets the
// origin checks above whatever its Authorization header.
func (a *Accounts) Handler() http.Handler {
	m := a.m
	h := &apiHandler{a: a, m: m, base: a.base, origins: newOrigins(m.BaseURL(), a.trusted)}
	h.routes = h.builtin()
	h.adminRoutes(a.admin)
	h.addPlugins(a.plugins)
	h.cop = http.NewCrossOriginProtection()
	for _, origin := range a.trusted {
		_ = h.cop.AddTrustedOrigin(strings.TrimSuffix(origin, "/")) // New checked the form
	}
	if h.origins.base != "" {
		// BaseURL's origin is ours even when a proxy rewrites Host;
		// sessionkit.New checked its form.
		_ = h.cop.AddTrustedOrigin(h.origins.base)
	}
	return h
}

// builtin is the route table of Better Auth's core endpoints.
func (h *apiHandler) builtin() map[string]route {
	return map[string]route{
		"/get-session":           {http.MethodGet, h.getSession},
		"/sign-up/email":         {http.MethodPost, h.signUpEmail},
		"/sign-in/email":         {http.MethodPost, h.signInEmail},
		"/sign-out":              {http.MethodPost, h.signOut},
		"/list-sessions":         {http.MethodGet, h.listSessions},
		"/revoke-session":        {http.MethodPost, h.revokeSession},
		"/revoke-sessions":       {http.MethodPost, h.revokeSessions},
		"/revoke-other-sessions": {http.MethodPost, h.revokeOtherSessions},
		"/update-session":        {http.MethodPost, h.updateSession},
		"/update-user":           {http.MethodPost, h.updateUser},
		"/change-password":       {http.MethodPost, h.changePassword},
		"/delete-user":           {http.MethodPost, h.deleteUser},
	}
}

// Codes of the JSON API's errors beyond sessionkit's; the first block
// are Better Auth's.
const (
	CodeValidation            = "VALIDATION_ERROR"
	CodeBadRequest            = "BAD_REQUEST"
	CodeUnsupportedMediaType  = "UNSUPPORTED_MEDIA_TYPE"
	CodeInvalidEmail          = "INVALID_EMAIL"
	CodeInvalidEmailOrPass    = "INVALID_EMAIL_OR_PASSWORD"
	CodePasswordTooShort      = "PASSWORD_TOO_SHORT"
	CodePasswordTooLong       = "PASSWORD_TOO_LONG"
	CodeUserAlreadyExists     = "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"
	CodeInvalidOrigin         = "INVALID_ORIGIN"
	CodeInvalidCallbackURL    = "INVALID_CALLBACK_URL"
	CodeEmailPasswordDisabled = "EMAIL_PASSWORD_DISABLED"

	CodeNotFound         = "NOT_FOUND"
	CodeMethodNotAllowed = "METHOD_NOT_ALLOWED"
	CodePayloadTooLarge  = "PAYLOAD_TOO_LARGE"
)

type route struct {
	method string
	serve  func(http.ResponseWriter, *http.Request)
}

type apiHandler struct {
	a       *Accounts
	m       *sessionkit.Manager
	base    string
	routes  map[string]route
	origins origins
	cop     *http.CrossOriginProtection
}

func (h *apiHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	rt, ok := route{}, false
	rest, found := strings.CutPrefix(p, h.base)
	if found {
		rt, ok = h.routes[rest]
	}
	switch {
	case !ok:
		sessionkit.WriteError(w, http.StatusNotFound, CodeNotFound, "Not Found")
	case !h.allow(w, r, strings.TrimPrefix(p, h.base)):
		// answered 429 (or 503); see ratelimiting.go
	case r.Method == rt.method:
		// Better Auth's origin checks first, for its codes (sign-in and
		// sign-up add its fetch-metadata checks, formCsrfMiddleware); then
		// the standard library's, which also refuses cross-site requests
		// without cookies.
		login := rest == "/sign-in/email" || rest == "/sign-up/email"
		if !h.origins.check(w, r, login) {
			return
		}
		if err := h.cop.Check(r); err != nil {
			sessionkit.WriteError(w, http.StatusForbidden, CodeInvalidOrigin, messageInvalidOrigin)
			return
		}
		rt.serve(w, r)
	case rt.method == http.MethodGet && r.Method == http.MethodPost && strings.HasSuffix(p, "/get-session"):
		// Better Auth's answer: POST get-session needs deferSessionRefresh,
		// which sessionkit does not have.
		sessionkit.WriteError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED",
			"POST method requires deferSessionRefresh to be enabled in session config")
	default:
		w.Header().Set("Allow", rt.method)
		sessionkit.WriteError(w, http.StatusMethodNotAllowed, CodeMethodNotAllowed, "Method Not Allowed")
	}
}

// getSession is Better Auth's get-session: the session of the
// cookies, or null, with the cookies the lookup produced.
func (h *apiHandler) getSession(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	opts := sessionkit.LookupOptions{
		DisableCookieCache: queryBool(q, "disableCookieCache"),
		DisableRefresh:     queryBool(q, "disableRefresh"),
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	l, err := h.m.LookupHeader(r.Context(), r.Header, opts)
	l.WriteCookies(w.Header())
	switch {
	case errors.Is(err, sessionkit.ErrNoSession):
		writeJSON(w, http.StatusOK, nil)
	case err != nil:
		h.unavailable(w, r, "get session", err)
	default:
		writeJSON(w, http.StatusOK, sessionPairJSON(l.Found))
	}
}

// queryBool reads a boolean query flag. Better Auth coerces with
// JavaScript's Boolean(), so any non-empty value, even "false", is true;
// here "false" and "0" mean false, and other non-empty values true.
func queryBool(q url.Values, key string) bool {
	v := q.Get(key)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	return err != nil || b
}

func (h *apiHandler) signUpEmail(w http.ResponseWriter, r *http.Request) {
	b, ok := readBodyOf(w, r, true, formOrJSON)
	if !ok {
		return
	}
	var in struct {
		name, email, pw, image, callbackURL string
		rememberMe                          *bool
	}
	var v validator
	in.name, _ = v.str(b, "name", true)
	if in.email, ok = v.str(b, "email", true); ok && !isEmail(in.email) {
		v.add("[body.email] Invalid email address")
	}
	if in.pw, ok = v.str(b, "password", true); ok && in.pw == "" {
		v.add("[body.password] Too small: expected string to have >=1 characters")
	}
	in.image, _ = v.str(b, "image", false)
	in.callbackURL, _ = v.str(b, "callbackURL", false)
	in.rememberMe = v.boolean(b, "rememberMe")
	if v.fail(w) || !h.checkCallbackURL(w, r, in.callbackURL) || !checkPasswordLength(w, in.pw, true) {
		return
	}
	fields, err := fieldInput(h.m.Fields().User, withoutKeys(b, "name", "email", "password", "image", "callbackURL", "rememberMe"), true)
	var bad *InputError
	if errors.As(err, &bad) {
		sessionkit.WriteError(w, http.StatusBadRequest, bad.Code, bad.Message)
		return
	}
	// Better Auth accepts an unbounded name; ValidateUser answers 400 for
	// one over MaxNameLength (an empty one passes, as in Better Auth).
	u, err := h.a.CreateUserWith(r.Context(), NewUser{Name: in.name, Email: in.email, Password: in.pw, Image: in.image, Fields: fields})
	switch {
	case errors.As(err, &bad):
		sessionkit.WriteError(w, http.StatusBadRequest, bad.Code, bad.Message)
		return
	case errors.Is(err, ErrEmailTaken):
		sessionkit.WriteError(w, http.StatusUnprocessableEntity, CodeUserAlreadyExists, "User already exists. Use another email.")
		return
	case errors.Is(err, ErrNoCredentials):
		sessionkit.WriteError(w, http.StatusBadRequest, "EMAIL_PASSWORD_SIGN_UP_DISABLED", "Email and password sign up is not enabled")
		return
	case errors.Is(err, store.ErrInvalid):
		sessionkit.WriteError(w, http.StatusBadRequest, CodeInvalidEmail, "Invalid email")
		return
	case err != nil:
		h.unavailable(w, r, "sign up", err)
		return
	}
	dontRemember := in.rememberMe != nil && !*in.rememberMe
	// Better Auth's sign-in leaves the browser's previous session alive.
	sess, err := h.m.SignIn(w, r, u.ID, sessionkit.SignInOptions{DontRemember: dontRemember, KeepPrevious: true})
	if err != nil {
		h.unavailable(w, r, "sign up", err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Token string     `json:"token"`
		User  store.User `json:"user"`
	}{sess.Session.Token, sess.User})
}

func (h *apiHandler) signInEmail(w http.ResponseWriter, r *http.Request) {
	b, ok := readBodyOf(w, r, true, formOrJSON)
	if !ok {
		return
	}
	var v validator
	email, _ := v.str(b, "email", true)
	pw, _ := v.str(b, "password", true)
	callbackURL, _ := v.str(b, "callbackURL", false)
	rememberMe := v.boolean(b, "rememberMe")
	if v.fail(w) || !h.checkCallbackURL(w, r, callbackURL) {
		return
	}
	if !isEmail(email) {
		sessionkit.WriteError(w, http.StatusBadRequest, CodeInvalidEmail, "Invalid email")
		return
	}
	// Only the upper bound: a too-short password is just a wrong one.
	if !checkPasswordLength(w, pw, false) {
		return
	}
	u, err := h.a.CheckPassword(r.Context(), email, pw)
	switch {
	case errors.Is(err, ErrInvalidCredentials):
		sessionkit.WriteError(w, http.StatusUnauthorized, CodeInvalidEmailOrPass, "Invalid email or password")
		return
	case errors.Is(err, ErrNoCredentials):
		sessionkit.WriteError(w, http.StatusBadRequest, CodeEmailPasswordDisabled, "Email and password is not enabled")
		return
	case err != nil:
		h.unavailable(w, r, "sign in", err)
		return
	}
	dontRemember := rememberMe != nil && !*rememberMe
	// Better Auth's sign-in leaves the browser's previous session alive.
	sess, err := h.m.SignIn(w, r, u.ID, sessionkit.SignInOptions{DontRemember: dontRemember, KeepPrevious: true})
	if err != nil {
		h.unavailable(w, r, "sign in", err)
		return
	}
	out := struct {
		Redirect bool       `json:"redirect"`
		Token    string     `json:"token"`
		URL      string     `json:"url,omitempty"`
		User     store.User `json:"user"`
	}{callbackURL != "", sess.Session.Token, callbackURL, sess.User}
	if callbackURL != "" {
		w.Header().Set("Location", callbackURL)
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *apiHandler) signOut(w http.ResponseWriter, r *http.Request) {
	// The body (callbackURL, disableRedirect, state) is for OAuth providers'
	// logout, which sessionkit has not; it is read only to refuse bad input.
	if _, ok := readBody(w, r, false); !ok {
		return
	}
	if err := h.m.SignOut(w, r); err != nil {
		h.unavailable(w, r, "sign out", err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Success bool `json:"success"`
	}{true})
}

func (h *apiHandler) listSessions(w http.ResponseWriter, r *http.Request) {
	// The answer holds every device's token: a session revoked a moment ago
	// must not read it from a still-valid cache cookie (Better Auth would).
	l, ok := h.session(w, r, sessionkit.LookupOptions{DisableCookieCache: true})
	if !ok {
		return
	}
	l.WriteCookies(w.Header())
	if !freshness.IsFresh(l.Found.Session, h.m.Now(), h.m.FreshAge()) {
		sessionkit.WriteError(w, http.StatusForbidden, sessionkit.CodeSessionNotFresh, sessionkit.MessageSessionNotFresh)
		return
	}
	list, err := h.m.ListSessions(r.Context(), l.Found.User.ID)
	if err != nil {
		h.unavailable(w, r, "list sessions", err)
		return
	}
	if list == nil {
		list = []store.Session{} // [], not null
	}
	writeJSON(w, http.StatusOK, list)
}

func (h *apiHandler) revokeSession(w http.ResponseWriter, r *http.Request) {
	b, ok := readBody(w, r, true)
	if !ok {
		return
	}
	var v validator
	token, _ := v.str(b, "token", true)
	if v.fail(w) {
		return
	}
	l, ok := h.session(w, r, sessionkit.LookupOptions{DisableCookieCache: true})
	if !ok {
		return
	}
	if err := h.m.RevokeSession(r.Context(), l.Found.User.ID, token); err != nil {
		h.unavailable(w, r, "revoke session", err)
		return
	}
	if token == l.Found.Session.Token {
		h.m.ClearCookies(w, r)
	} else {
		l.WriteCookies(w.Header())
	}
	writeStatusTrue(w)
}

func (h *apiHandler) revokeSessions(w http.ResponseWriter, r *http.Request) {
	if _, ok := readBody(w, r, false); !ok {
		return
	}
	l, ok := h.session(w, r, sessionkit.LookupOptions{DisableCookieCache: true})
	if !ok {
		return
	}
	if err := h.m.RevokeAllSessions(r.Context(), l.Found.User.ID); err != nil {
		h.unavailable(w, r, "revoke sessions", err)
		return
	}
	h.m.ClearCookies(w, r)
	writeStatusTrue(w)
}

func (h *apiHandler) revokeOtherSessions(w http.ResponseWriter, r *http.Request) {
	if _, ok := readBody(w, r, false); !ok {
		return
	}
	l, ok := h.session(w, r, sessionkit.LookupOptions{DisableCookieCache: true})
	if !ok {
		return
	}
	if err := h.m.RevokeOtherSessions(r.Context(), l.Found); err != nil {
		h.unavailable(w, r, "revoke other sessions", err)
		return
	}
	l.WriteCookies(w.Header())
	writeStatusTrue(w)
}

// updateSession is Better Auth's update-session: the additional session
// fields clients may set (see fieldInput), {session} with the cookie cache
// re-written; "No fields to update" when none is given.
func (h *apiHandler) updateSession(w http.ResponseWriter, r *http.Request) {
	b, ok := readBody(w, r, true)
	if !ok {
		return
	}
	l, ok := h.session(w, r, sessionkit.LookupOptions{})
	if !ok {
		return
	}
	fields, err := fieldInput(h.m.Fields().Session, b, false)
	var bad *InputError
	if errors.As(err, &bad) {
		l.WriteCookies(w.Header())
		sessionkit.WriteError(w, http.StatusBadRequest, bad.Code, bad.Message)
		return
	}
	fs, hasFields := store.As[store.FieldStore](h.m.Store())
	if len(fields) == 0 || !hasFields {
		l.WriteCookies(w.Header())
		writeJSON(w, http.StatusBadRequest, struct {
			Message string `json:"message"`
		}{"No fields to update"})
		return
	}
	ss, err := fs.UpdateSessionFields(r.Context(), l.Found.Session.Token, fields, h.m.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Revoked meanwhile: as a lookup of a gone session.
		l2, _ := h.m.LookupHeader(r.Context(), r.Header, sessionkit.LookupOptions{DisableCookieCache: true})
		l2.WriteCookies(w.Header())
		sessionkit.WriteError(w, http.StatusUnauthorized, "FAILED_TO_GET_SESSION", "Failed to get session")
		return
	case errors.Is(err, store.ErrField):
		if errors.As(fieldError(err), &bad) {
			sessionkit.WriteError(w, http.StatusBadRequest, bad.Code, bad.Message)
			return
		}
		fallthrough
	case err != nil:
		h.unavailable(w, r, "update session", err)
		return
	}
	// As Better Auth: the cookies are re-set with the new session.
	if l2, err := h.m.LookupHeader(r.Context(), r.Header, sessionkit.LookupOptions{DisableCookieCache: true}); err == nil {
		l2.WriteCookies(w.Header())
	} else {
		l.WriteCookies(w.Header())
	}
	writeJSON(w, http.StatusOK, struct {
		Session store.Session `json:"session"`
	}{ss})
}

// session reads the request's session for a guarded endpoint. Without one
// it answers 401 (503 when the store failed) with the lookup's cookie
// deletions, and returns false. On success the caller writes l's cookies.
func (h *apiHandler) session(w http.ResponseWriter, r *http.Request, opts sessionkit.LookupOptions) (*sessionkit.Lookup, bool) {
	l, err := h.m.LookupHeader(r.Context(), r.Header, opts)
	switch {
	case errors.Is(err, sessionkit.ErrNoSession):
		l.WriteCookies(w.Header())
		sessionkit.WriteError(w, http.StatusUnauthorized, sessionkit.CodeUnauthorized, sessionkit.MessageUnauthorized)
		return nil, false
	case err != nil:
		h.unavailable(w, r, "read session", err)
		return nil, false
	}
	return l, true
}

func (h *apiHandler) unavailable(w http.ResponseWriter, r *http.Request, op string, err error) {
	if errors.Is(err, ErrBusy) {
		writeBusy(w)
		return
	}
	if rl := (*RateLimitError)(nil); errors.As(err, &rl) {
		WriteRateLimited(w, rl.RetryAfter)
		return
	}
	if writeRefused(w, err) {
		return
	}
	h.m.LogStoreError(r.Context(), "api: "+op, err)
	sessionkit.WriteUnavailable(w)
}

// checkCallbackURL accepts an empty callbackURL, a path of this site, or a
// URL at BaseURL's origin or a trusted one, and answers 403 otherwise, as
// Better Auth's origin check does: a callbackURL elsewhere would be an open
// redirect. The Host header is never trusted here: whoever sends the
// request writes it.
func (h *apiHandler) checkCallbackURL(w http.ResponseWriter, r *http.Request, cb string) bool {
	if cb == "" || h.origins.redirectAllowed(cb) {
		return true
	}
	sessionkit.WriteError(w, http.StatusForbidden, CodeInvalidCallbackURL, "Invalid callbackURL")
	return false
}

// checkPasswordLength answers 400 for a password longer than
// MaxPasswordLength or, with min (a new password), one ValidatePassword
// refuses: one policy for the JSON API and the Go API.
func checkPasswordLength(w http.ResponseWriter, pw string, min bool) bool {
	var bad *InputError
	if min && errors.As(ValidatePassword(pw), &bad) {
		sessionkit.WriteError(w, http.StatusBadRequest, bad.Code, bad.Message)
		return false
	}
	switch n := utf16Len(pw); {
	case n > MaxPasswordLength:
		sessionkit.WriteError(w, http.StatusBadRequest, CodePasswordTooLong, "Password too long")
		return false
	}
	return true
}

// emailPattern accepts the addresses Better Auth's validator (zod's
// z.email()) accepts: ASCII dot-atoms at a domain ending in two or more
// letters.
var emailPattern = regexp.MustCompile(`^(?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+\-]@(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$`)

func isEmail(s string) bool { return len(s) <= MaxEmailLength && emailPattern.MatchString(s) }

// The media types an endpoint's body may have, in the order Better Auth's
// 415 message names them: sign-up and sign-in also take HTML form posts.
var (
	jsonOnly   = []string{"application/json"}
	formOrJSON = []string{"application/x-www-form-urlencoded", "application/json"}
)

// readBody reads a JSON object body of at most MaxBodyBytes. An empty body
// is nil, allowed unless required. On a bad body it answers the client,
// with Better Auth's codes, and returns false.
func readBody(w http.ResponseWriter, r *http.Request, required bool) (map[string]json.RawMessage, bool) {
	return readBodyOf(w, r, required, jsonOnly)
}

// readBodyOf is readBody for an endpoint that accepts the media types
// allowed; a form body's fields come back as JSON strings.
func readBodyOf(w http.ResponseWriter, r *http.Request, required bool, allowed []string) (map[string]json.RawMessage, bool) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		sessionkit.WriteError(w, http.StatusRequestEntityTooLarge, CodePayloadTooLarge,
			"Request body is larger than "+strconv.Itoa(MaxBodyBytes)+" bytes")
		return nil, false
	case err != nil:
		sessionkit.WriteError(w, http.StatusBadRequest, CodeBadRequest, "Could not read the request body")
		return nil, false
	}
	return decodeBody(w, r.Header.Get("Content-Type"), raw, required, allowed)
}

// decodeBody is readBodyOf after the read: it checks the media type as
// Better Auth does (the lower-cased type before any ";", trimmed, equal to
// an allowed one) and parses the JSON object or the form.
func decodeBody(w http.ResponseWriter, contentType string, raw []byte, required bool, allowed []string) (map[string]json.RawMessage, bool) {
	if len(raw) == 0 {
		if required {
			sessionkit.WriteError(w, http.StatusBadRequest, CodeValidation, "[body] Invalid input: expected object, received undefined")
			return nil, false
		}
		return nil, true
	}
	mt, _, _ := strings.Cut(strings.ToLower(contentType), ";")
	mt = strings.TrimSpace(mt)
	if !slices.Contains(allowed, mt) {
		types := strings.Join(allowed, ", ")
		msg := "Content-Type is required. Allowed types: " + types
		if contentType != "" {
			msg = `Content-Type "` + contentType + `" is not allowed. Allowed types: ` + types
		}
		sessionkit.WriteError(w, http.StatusUnsupportedMediaType, CodeUnsupportedMediaType, msg)
		return nil, false
	}
	if mt == "application/x-www-form-urlencoded" {
		return parseForm(raw), true
	}
	if !json.Valid(raw) {
		sessionkit.WriteError(w, http.StatusBadRequest, CodeBadRequest, "Invalid JSON in request body")
		return nil, false
	}
	if t := jsonType(bytes.TrimSpace(raw)); t != "object" {
		sessionkit.WriteError(w, http.StatusBadRequest, CodeValidation, "[body] Invalid input: expected object, received "+t)
		return nil, false
	}
	var b map[string]json.RawMessage
	if err := json.Unmarshal(raw, &b); err != nil {
		sessionkit.WriteError(w, http.StatusBadRequest, CodeBadRequest, "Invalid JSON in request body")
		return nil, false
	}
	return b, true
}

// parseForm parses an application/x-www-form-urlencoded body the way
// browsers and Better Auth (URLSearchParams) do, which never fails: "+" is
// a space, a bad %-escape stays as written, invalid UTF-8 becomes U+FFFD,
// and of a repeated name the last value wins. Every value is a string, so
// a form's "rememberMe=true" is refused as Better Auth refuses it.
func parseForm(raw []byte) map[string]json.RawMessage {
	b := make(map[string]json.RawMessage)
	for _, pair := range strings.Split(string(raw), "&") {
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		v, _ := json.Marshal(formUnescape(value))
		b[formUnescape(name)] = v
	}
	return b
}

// formUnescape decodes one name or value of a form body.
func formUnescape(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	if strings.Contains(s, "%") {
		var out []byte
		for i := 0; i < len(s); i++ {
			if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
				i += 2
				continue
			}
			out = append(out, s[i])
		}
		s = string(out)
	}
	return strings.ToValidUTF8(s, "\uFFFD")
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

// jsonType names the type of a JSON value the way zod's messages do.
func jsonType(v []byte) string {
	if len(v) == 0 {
		return "undefined"
	}
	switch v[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// validator collects the problems of one body, worded as Better Auth's
// (zod's) VALIDATION_ERROR messages.
type validator struct{ issues []string }

func (v *validator) add(msg string) { v.issues = append(v.issues, msg) }

func (v *validator) wrongType(key, want string, raw json.RawMessage) {
	v.add("[body." + key + "] Invalid input: expected " + want + ", received " + jsonType(raw))
}

// str returns the string member key; ok is false when it is missing (an
// issue when required) or not a string (always an issue).
func (v *validator) str(b map[string]json.RawMessage, key string, required bool) (string, bool) {
	raw, present := b[key]
	if !present {
		if required {
			v.wrongType(key, "string", nil)
		}
		return "", false
	}
	var s string
	if jsonType(raw) != "string" || json.Unmarshal(raw, &s) != nil {
		v.wrongType(key, "string", raw)
		return "", false
	}
	return s, true
}

// boolean returns the optional boolean member key, nil when absent.
func (v *validator) boolean(b map[string]json.RawMessage, key string) *bool {
	raw, present := b[key]
	if !present {
		return nil
	}
	var x bool
	if jsonType(raw) != "boolean" || json.Unmarshal(raw, &x) != nil {
		v.wrongType(key, "boolean", raw)
		return nil
	}
	return &x
}

// fail answers 400 with every issue found, and reports whether there were any.
func (v *validator) fail(w http.ResponseWriter) bool {
	if len(v.issues) == 0 {
		return false
	}
	sessionkit.WriteError(w, http.StatusBadRequest, CodeValidation, strings.Join(v.issues, "; "))
	return true
}

// withoutKeys returns b without the named members (the core ones an
// endpoint reads itself).
func withoutKeys(b map[string]json.RawMessage, keys ...string) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(b))
	for k, v := range b {
		if !slices.Contains(keys, k) {
			out[k] = v
		}
	}
	return out
}

// sessionPairJSON is get-session's {session, user}, in Better Auth's
// shapes (store.Session and store.User marshal as Better Auth does).
func sessionPairJSON(s *sessionkit.Session) any {
	return struct {
		Session store.Session `json:"session"`
		User    store.User    `json:"user"`
	}{s.Session, s.User}
}

func writeStatusTrue(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, struct {
		Status bool `json:"status"`
	}{true})
}

// writeJSON answers v as JSON, written the way JavaScript writes it: no
// escaping of <, > and &.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only strings and times go in; this cannot happen.
		sessionkit.WriteError(w, http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "Internal Server Error")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	// Answers carry session tokens and user data: no cache may keep them.
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}))
}
