package middleware

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/sessionkit/sessionkit"
)

// Errors the gates pass to an OnDenied hook, with the store's own error
// for a 503. Match them with errors.Is.
var (
	// ErrNotFresh is the 403 of RequireFresh: the session is older than
	// the Manager's FreshAge.
	ErrNotFresh = errors.New("middleware: session is not fresh")
	// ErrNoLoad means RequireSession ran on a request that middleware.Load
	// did not read: a wiring mistake, answered 500.
	ErrNoLoad = errors.New("middleware: RequireSession needs middleware.Load in front of it")
)

// DeniedFunc renders a refusal of a gate its own way: status is 401 (err
// wraps sessionkit.ErrNoSession), 403 (ErrNotFresh, ErrRole) or 503 (the store's
// error, already logged). It must write the whole response.
type DeniedFunc func(w http.ResponseWriter, r *http.Request, status int, err error)

// deny answers a refused request: a page to loginURL (401, 403) when one
// is set and r is a browser navigation or form post, else onDenied when
// set, else Better Auth's JSON error.
func deny(w http.ResponseWriter, r *http.Request, status int, err error, loginURL, param, formPage string, onDenied DeniedFunc) {
	if loginURL != "" && status != http.StatusServiceUnavailable && WantsHTML(r) {
		http.Redirect(w, r, withReturnPath(loginURL, param, r, formPage), http.StatusSeeOther)
		return
	}
	if onDenied != nil {
		onDenied(w, r, status, err)
		return
	}
	switch status {
	case http.StatusUnauthorized:
		sessionkit.WriteError(w, status, sessionkit.CodeUnauthorized, sessionkit.MessageUnauthorized)
	case http.StatusForbidden:
		if !errors.Is(err, ErrRole) {
			sessionkit.WriteError(w, status, sessionkit.CodeSessionNotFresh, sessionkit.MessageSessionNotFresh)
		} else if WantsHTML(r) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(status)
			io.WriteString(w, forbiddenPage)
		} else {
			sessionkit.WriteError(w, status, CodeForbidden, MessageForbidden)
		}
	default:
		sessionkit.WriteUnavailable(w)
	}
}

// forbiddenPage is the page of a browser refused by RequireRole.
const forbiddenPage = "<!doctype html><title>Forbidden</title><h1>Forbidden</h1><p>You are not allowed to access this page.</p>\n"

// misuse answers 500 naming the missing middleware, and logs it once per
// gate, so a wiring mistake is neither silent nor a log flood.
type misuse struct{ once sync.Once }

func (m *misuse) fail(w http.ResponseWriter, r *http.Request) {
	m.once.Do(func() {
		slog.Default().ErrorContext(r.Context(), "sessionkit: RequireSession runs without middleware.Load in front of it: every request is refused; wrap the routes with middleware.Load(manager)")
	})
	sessionkit.WriteError(w, http.StatusInternalServerError, "MISSING_LOAD_MIDDLEWARE", ErrNoLoad.Error())
}

// formPost reports whether r is a browser submitting a form: its body is
// form-encoded.
func formPost(r *http.Request) bool {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	return strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data")
}

// returnPath is where to come back after signing in: the requested path
// for a GET or HEAD; for another method (a form post, which cannot be
// replayed by a redirect), the same-origin page that sent it (its Referer),
// or "" when there is none.
func returnPath(r *http.Request) string {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return SafeReturnPath(r.URL.RequestURI(), "/")
	}
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host == "" || !strings.EqualFold(ref.Host, r.Host) || r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return ""
	}
	return SafeReturnPath(ref.RequestURI(), "")
}
