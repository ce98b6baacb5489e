package main

import (
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/freshness"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/multisession"
	"github.com/sessionkit/sessionkit/ratelimit"
	"github.com/sessionkit/sessionkit/store"
)

//go:embed templates/*.html
var templateFS embed.FS

// staticFS holds the stylesheet, the session script and the icon: plain
// files, no build step.
//
//go:embed static
var staticFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"device": deviceName,
	"source": sourceLabel,
}).ParseFS(templateFS, "templates/*.html"))

// titles are the <title> of each page template.
var titles = map[string]string{
	"sign-up":   "Create an account",
	"sign-in":   "Sign in",
	"dashboard": "Dashboard",
	"sessions":  "Your sessions",
	"settings":  "Account settings",
	"error":     "Something went wrong",
}

// Password bounds, as Better Auth's defaults.
const (
	minPassword = 8
	maxPassword = 128
)

type app struct {
	auth     *sessionkit.Manager
	accounts *account.Accounts
	multi    *multisession.Plugin // nil: one account per browser
	social   *socialSignIn        // nil without providers; see social.go
}

// newApp wires the pages. middleware.Load reads the session of every page
// and API request (not of static files); the dashboard and the sessions
// page need a session, settings a fresh one. Form posts are refused from
// other sites. The sign-up and sign-in forms are rate limited as the JSON
// API's endpoints are, and share their counters.
func newApp(auth *sessionkit.Manager, accounts *account.Accounts) http.Handler {
	return newFullApp(auth, accounts, appParts{})
}

// appParts are the example's optional parts; each nil one is off.
type appParts struct {
	multi  *multisession.Plugin // the account switcher (switcher.go); must be among accounts' plugins
	obs    *observer            // metrics (metrics.go)
	social *socialSignIn        // "Sign in with …" buttons (social.go)
}

// newFullApp is newApp with the parts p turns on.
func newFullApp(auth *sessionkit.Manager, accounts *account.Accounts, p appParts) http.Handler {
	a := &app{auth: auth, accounts: accounts, multi: p.multi, social: p.social}
	obs, soc := p.obs, p.social
	mux := http.NewServeMux()
	requireFresh := middleware.RequireFreshWithOpts(auth, middleware.RequireFreshOpts{
		ReauthURL: "/sign-in?reauth=1",
		FormPage:  "/settings", // where the settings forms return after re-authentication
		OnDenied:  a.denied,
	})

	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /sign-up", a.page("sign-up"))
	mux.HandleFunc("POST /sign-up", a.signUp)
	mux.HandleFunc("GET /sign-in", a.signInPage)
	mux.HandleFunc("POST /sign-in", a.signIn)
	mux.HandleFunc("POST /sign-out", a.signOut)
	if soc != nil {
		mux.HandleFunc("POST /sign-in/social", a.signInWith)
	}
	mux.Handle("GET /dashboard", a.requireSession(http.HandlerFunc(a.dashboard)))
	mux.HandleFunc("POST /accounts/switch", a.switchAccount)
	mux.HandleFunc("POST /accounts/sign-out", a.signOutAccount)
	mux.Handle("GET /sessions", a.requireSession(http.HandlerFunc(a.sessions)))
	mux.HandleFunc("POST /sessions/revoke", a.revoke)
	mux.HandleFunc("POST /sessions/revoke-others", a.revokeOthers)
	mux.Handle("GET /settings", a.storeUp(requireFresh(a.page("settings"))))
	mux.Handle("POST /settings/sign-out-everywhere", requireFresh(http.HandlerFunc(a.signOutEverywhere)))
	mux.HandleFunc("/", a.notFound)

	root := http.NewServeMux()
	root.Handle("GET /static/", staticFiles())
	// Better Auth's JSON API, for its client library. It reads the session
	// itself (and has its own cross-origin protection), so it sits outside
	// Load: one lookup per request.
	root.Handle("/api/auth/", obs.api(accounts.Handler()))
	if soc != nil {
		// Better Auth's social endpoints: the callback signs in, so it
		// is served by the social handler, outside Load.
		root.Handle("/api/auth/sign-in/social", obs.api(soc.h))
		root.Handle("/api/auth/callback/", obs.api(soc.h))
	}
	root.Handle("/", obs.load(auth)(sameOriginPosts(mux)))
	return securityHeaders(root, soc.formOrigins()...)
}

// sameOriginPosts refuses cross-site form posts (CSRF), using the
// standard library's Fetch-metadata and Origin checks.
func sameOriginPosts(h http.Handler) http.Handler {
	return http.NewCrossOriginProtection().Handler(h)
}

// contentSecurityPolicy allows this site's own scripts, styles and forms
// only: no inline script can run, whatever a template might let through.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// securityHeaders sets the policy; formOrigins are the providers' sites,
// where the "Sign in with …" forms redirect (form-action covers the
// redirects of a form post).
func securityHeaders(h http.Handler, formOrigins ...string) http.Handler {
	csp := contentSecurityPolicy
	if len(formOrigins) > 0 {
		csp = strings.Replace(csp, "form-action 'self'", "form-action 'self' "+strings.Join(formOrigins, " "), 1)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		// Pages and API answers carry tokens, session lists and cookies:
		// no cache may keep them. Static files say otherwise.
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// staticFiles serves the embedded files under /static/, without directory
// listings. no-cache makes browsers revalidate, so an upgraded binary's
// script is picked up at once.
func staticFiles() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}

// requireSession sends browsers without a session to the sign-in page; one
// whose session cookie no longer names a session (expired, revoked) is
// told so there.
func (a *app) requireSession(next http.Handler) http.Handler {
	signIn := middleware.RequireSessionWithOpts(middleware.RequireSessionOpts{LoginURL: "/sign-in"})(next)
	ended := middleware.RequireSessionWithOpts(middleware.RequireSessionOpts{LoginURL: "/sign-in?expired=1"})(next)
	return a.storeUp(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, _, _ := a.auth.CookieNames()
		if hasCookie(r, token) {
			ended.ServeHTTP(w, r)
			return
		}
		signIn.ServeHTTP(w, r)
	}))
}

func hasCookie(r *http.Request, name string) bool {
	_, err := r.Cookie(name)
	return err == nil
}

// view is what every template gets.
type view struct {
	Page, Title string
	Now         time.Time
	Session     *sessionkit.Session
	Fresh       bool
	FreshAge    time.Duration // 0: the freshness check is off
	Remember    bool          // the session outlives the browser session
	Error       string
	Notice      string
	Email, Name string
	ReturnTo    string
	Reauth      bool
	// Broadcast, when set, has the session script tell the other tabs
	// (localStorage "better-auth.message"), e.g. "signout".
	Broadcast string
	Sessions  []deviceSession
	// Multi is on when the account switcher is; Accounts are this
	// browser's signed-in accounts (switcher.go), Add a sign-in that adds
	// one.
	Multi    bool
	Accounts []browserAccount
	Add      bool
	// Providers are the "Sign in with …" buttons of the sign-in page.
	Providers []providerButton
	// APIToken is the session's bearer token, shown on the dashboard with
	// a curl line reading APIURL when bearer tokens are on (-bearer).
	APIToken, APIURL string
}

// deviceSession is one row of the sessions page.
type deviceSession struct {
	store.Session
	Current bool
}

// Ago says how long before the page's time t was ("3 minutes ago").
func (v view) Ago(t time.Time) string {
	if d := v.Now.Sub(t); d >= 0 {
		return humanize(d) + " ago"
	}
	return "in " + humanize(t.Sub(v.Now))
}

// Until says how long after the page's time t is ("in 7 days").
func (v view) Until(t time.Time) string {
	if d := t.Sub(v.Now); d >= 0 {
		return "in " + humanize(d)
	}
	return humanize(v.Now.Sub(t)) + " ago"
}

// Date formats t for people; the full timestamp goes in a title attribute.
func (v view) Date(t time.Time) string { return t.Local().Format("2 Jan 2006, 15:04") }

// Stamp is t as an ISO timestamp, Better Auth's wire format.
func (v view) Stamp(t time.Time) string { return store.FormatTime(t) }

// FreshLeft is how long the session stays fresh.
func (v view) FreshLeft() string {
	if v.Session == nil || v.FreshAge <= 0 {
		return ""
	}
	return humanize(v.Session.Session.CreatedAt.Add(v.FreshAge).Sub(v.Now))
}

// FreshWindow is the freshness window in words ("24 hours"), read after
// "within the last": never "less than a minute".
func (v view) FreshWindow() string {
	if v.FreshAge < time.Minute {
		return plural(int(v.FreshAge.Round(time.Second)/time.Second), "second")
	}
	return humanize(v.FreshAge)
}

// humanize is d in words, rounded to the nearest of its largest unit, so
// that a 7-day session just signed in "expires in 7 days", not 6.
func humanize(d time.Duration) string {
	if d < time.Minute {
		return "less than a minute"
	}
	if m := d.Round(time.Minute); m < time.Hour {
		return plural(int(m/time.Minute), "minute")
	}
	if h := d.Round(time.Hour); h < 48*time.Hour {
		return plural(int(h/time.Hour), "hour")
	}
	return plural(int(d.Round(24*time.Hour)/(24*time.Hour)), "day")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

func (a *app) render(w http.ResponseWriter, r *http.Request, name string, v view, status int) {
	v.Page = name
	if v.Title == "" {
		v.Title = titles[name]
	}
	v.Now = a.auth.Now()
	if v.Session == nil {
		v.Session, _ = sessionkit.FromContext(r.Context())
	}
	if v.Session != nil {
		v.FreshAge = a.auth.FreshAge()
		v.Fresh = freshness.IsFresh(v.Session.Session, v.Now, v.FreshAge)
		_, _, dontRemember := a.auth.CookieNames()
		v.Remember = !hasCookie(r, dontRemember)
	}
	if v.ReturnTo == "" {
		v.ReturnTo = middleware.SafeReturnPath(r.FormValue("returnTo"), "")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name+".html", v); err != nil {
		a.auth.Logger().Error("render", "page", name, "err", err)
	}
}

func (a *app) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { a.render(w, r, name, view{}, http.StatusOK) }
}

// dashboard shows the session; with the switcher on, this browser's
// accounts (switcher.go); with bearer tokens on, the session's API token and
// a curl line that reads the session with it.
func (a *app) dashboard(w http.ResponseWriter, r *http.Request) {
	v := view{Multi: a.multi != nil, Notice: switcherNotices[r.URL.Query().Get("done")]}
	s, _ := sessionkit.FromContext(r.Context()) // requireSession put it there
	if a.multi != nil {
		list, err := a.multi.List(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		for _, d := range list {
			v.Accounts = append(v.Accounts, browserAccount{d.Session, d.User, d.Session.ID == s.Session.ID})
		}
	}
	if tok, ok := a.auth.BearerToken(s.Session.Token); ok {
		v.APIToken, v.APIURL = tok, a.origin(r)+"/api/auth/get-session"
	}
	a.render(w, r, "dashboard", v, http.StatusOK)
}

// origin is the app's public origin: BaseURL's, else the one the request
// was sent to.
func (a *app) origin(r *http.Request) string {
	if u, err := url.Parse(a.auth.BaseURL()); err == nil && u.Host != "" {
		return u.Scheme + "://" + u.Host
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	if _, ok := sessionkit.FromContext(r.Context()); ok {
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
}

func (a *app) notFound(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, "error", view{Title: "Page not found", Error: "There is no page at this address."}, http.StatusNotFound)
}

func (a *app) signInPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := view{Reauth: q.Get("reauth") == "1", Add: a.multi != nil && q.Get("add") == "1"}
	s, signedIn := sessionkit.FromContext(r.Context())
	switch {
	case signedIn && !v.Reauth && !v.Add:
		http.Redirect(w, r, middleware.SafeReturnPath(q.Get("returnTo"), "/dashboard"), http.StatusSeeOther)
		return
	case signedIn && v.Reauth:
		v.Email = s.User.Email
	case q.Get("expired") == "1":
		v.Notice = "Your session has ended. Sign in again to continue."
	case q.Get("signed-out") == "1":
		v.Notice = "You are signed out."
		v.Broadcast = "signout"
	}
	if a.social != nil && !v.Reauth {
		v.Providers = a.social.buttons
		v.Error = socialError(q.Get("error"))
	}
	a.render(w, r, "sign-in", v, http.StatusOK)
}

func (a *app) signUp(w http.ResponseWriter, r *http.Request) {
	name, email, pw := r.FormValue("name"), r.FormValue("email"), r.FormValue("password")
	v := view{Name: name, Email: email}
	// The library takes an empty name, as Better Auth does; this app wants one.
	if strings.TrimSpace(name) == "" {
		v.Error = "Enter your name."
		a.render(w, r, "sign-up", v, http.StatusBadRequest)
		return
	}
	if len(pw) < minPassword || len(pw) > maxPassword {
		v.Error = "Choose a password of at least 8 characters (and at most 128)."
		a.render(w, r, "sign-up", v, http.StatusBadRequest)
		return
	}
	// Per address, as the JSON API's sign-up: each costs an scrypt.
	if err := a.accounts.RateLimit(r, "/sign-up/email"); err != nil {
		a.fail(w, r, err)
		return
	}
	u, err := a.accounts.CreateUser(r.Context(), name, email, pw)
	switch {
	case errors.Is(err, account.ErrEmailTaken):
		v.Error = "That email is already registered. Sign in instead?"
		a.render(w, r, "sign-up", v, http.StatusConflict)
		return
	case errors.Is(err, store.ErrInvalid):
		v.Error = "Enter your name and a valid email."
		a.render(w, r, "sign-up", v, http.StatusBadRequest)
		return
	case err != nil:
		a.fail(w, r, err)
		return
	}
	if _, err := a.signInUser(w, r, u.ID, sessionkit.SignInOptions{}); err != nil {
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}

func (a *app) signIn(w http.ResponseWriter, r *http.Request) {
	email := r.FormValue("email")
	v := view{Email: email, Reauth: r.FormValue("reauth") == "1", Add: a.multi != nil && r.FormValue("add") == "1"}
	// Per address and per account, as the JSON API's sign-in.
	u, err := a.accounts.CheckPasswordRequest(r, email, r.FormValue("password"))
	if errors.Is(err, account.ErrInvalidCredentials) {
		v.Error = "Wrong email or password."
		a.render(w, r, "sign-in", v, http.StatusUnauthorized)
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	remember := r.FormValue("remember") == "on"
	// SignIn also ends the session this browser held before (a
	// re-authentication, or a sign-in as someone else); with the account
	// switcher, the user's own earlier session only (signInUser).
	if _, err := a.signInUser(w, r, u.ID, sessionkit.SignInOptions{DontRemember: !remember}); err != nil {
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, middleware.SafeReturnPath(r.FormValue("returnTo"), "/dashboard"), http.StatusSeeOther)
}

func (a *app) signOut(w http.ResponseWriter, r *http.Request) {
	signOut := a.auth.SignOut
	if a.multi != nil {
		signOut = a.multi.SignOut // every account of this browser, as Better Auth's plugin
	}
	if err := signOut(w, r); err != nil {
		a.notEnded(w, r, err)
		return
	}
	http.Redirect(w, r, "/sign-in?signed-out=1", http.StatusSeeOther)
}

// sessionNotices are the outcomes the sessions page reports after a form.
var sessionNotices = map[string]string{
	"revoked": "That device is signed out.",
	"others":  "Every other device is signed out.",
	"gone":    "That session had ended already.",
}

func (a *app) sessions(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionkit.FromContext(r.Context())
	list, err := a.auth.ListSessions(r.Context(), s.User.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rows := make([]deviceSession, len(list))
	for i, ls := range list {
		rows[i] = deviceSession{Session: ls, Current: ls.ID == s.Session.ID}
	}
	// This device first, then the most recent.
	slices.SortStableFunc(rows, func(x, y deviceSession) int {
		if x.Current != y.Current {
			if x.Current {
				return -1
			}
			return 1
		}
		return y.CreatedAt.Compare(x.CreatedAt)
	})
	a.render(w, r, "sessions", view{Sessions: rows, Notice: sessionNotices[r.URL.Query().Get("done")]}, http.StatusOK)
}

// formSession reads the session of a form post from the store, not the
// cookie cache, as Better Auth's sensitive endpoints do: a revoked session
// must not revoke others. Without one it sends the browser to sign in.
func (a *app) formSession(w http.ResponseWriter, r *http.Request) (*sessionkit.Session, bool) {
	l, err := a.auth.LookupHeader(r.Context(), r.Header, sessionkit.LookupOptions{DisableCookieCache: true, DisableRefresh: true})
	l.WriteCookies(w.Header())
	switch {
	case errors.Is(err, sessionkit.ErrNoSession):
		http.Redirect(w, r, "/sign-in?expired=1", http.StatusSeeOther)
		return nil, false
	case err != nil:
		a.fail(w, r, err)
		return nil, false
	}
	return l.Found, true
}

// revoke signs one device out. The form names the session by its id, not
// its token: tokens never appear in pages.
func (a *app) revoke(w http.ResponseWriter, r *http.Request) {
	s, ok := a.formSession(w, r)
	if !ok {
		return
	}
	list, err := a.auth.ListSessions(r.Context(), s.User.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	id := r.FormValue("id")
	i := slices.IndexFunc(list, func(ls store.Session) bool { return ls.ID == id })
	if i < 0 {
		http.Redirect(w, r, "/sessions?done=gone", http.StatusSeeOther)
		return
	}
	if err := a.auth.RevokeSession(r.Context(), s.User.ID, list[i].Token); err != nil {
		a.notEnded(w, r, err)
		return
	}
	if list[i].Token == s.Session.Token {
		a.auth.ClearCookies(w, r)
		http.Redirect(w, r, "/sign-in?signed-out=1", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/sessions?done=revoked", http.StatusSeeOther)
}

func (a *app) revokeOthers(w http.ResponseWriter, r *http.Request) {
	s, ok := a.formSession(w, r)
	if !ok {
		return
	}
	if err := a.auth.RevokeOtherSessions(r.Context(), s); err != nil {
		a.notEnded(w, r, err)
		return
	}
	http.Redirect(w, r, "/sessions?done=others", http.StatusSeeOther)
}

// signOutEverywhere is the settings page's sensitive action: it runs
// behind RequireFresh, like the page, checked again on the post because
// time has passed since the page was shown. A stale session is sent to
// re-authenticate and comes back to the settings page.
func (a *app) signOutEverywhere(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionkit.FromContext(r.Context())
	if err := a.auth.RevokeAllSessions(r.Context(), s.User.ID); err != nil {
		a.notEnded(w, r, err)
		return
	}
	a.auth.ClearCookies(w, r)
	http.Redirect(w, r, "/sign-in?signed-out=1", http.StatusSeeOther)
}

// denied renders the refusals of the fresh gate that are not redirected
// to the re-authentication page: a store failure, or a client that asked
// for no page.
func (a *app) denied(w http.ResponseWriter, r *http.Request, status int, err error) {
	if status == http.StatusServiceUnavailable {
		a.fail(w, r, err)
		return
	}
	a.render(w, r, "error", view{Title: http.StatusText(status), Error: "Please sign in again to do this."}, status)
}

// fail logs err, a store that failed (every error that reaches here comes
// from one), and shows a 503 page that reveals nothing of it: the client
// may retry, nobody gained or lost anything.
func (a *app) fail(w http.ResponseWriter, r *http.Request, err error) {
	if rl := (*account.RateLimitError)(nil); errors.As(err, &rl) {
		secs := strconv.Itoa(ratelimit.Seconds(rl.RetryAfter))
		w.Header().Set("Retry-After", secs)
		a.render(w, r, "error", view{Title: "Too many attempts",
			Error: "Too many attempts from here. Please try again in " + secs + " seconds."}, http.StatusTooManyRequests)
		return
	}
	a.auth.Logger().Error("request failed", "path", r.URL.Path, "err", err)
	w.Header().Set("Retry-After", "5")
	a.render(w, r, "error", view{Title: "Temporarily unavailable",
		Error: "We cannot reach our session store right now. Please try again in a few seconds."}, http.StatusServiceUnavailable)
}

// storeUp answers with fail's page when middleware.Load could not read the
// session because the store failed: a gated page must neither show nor
// send the browser to sign in as if it had no session.
func (a *app) storeUp(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := sessionkit.LookupError(r.Context()); err != nil {
			a.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// notEnded answers a sign-out or revocation that the store failed: 503
// with Retry-After, and no cookie cleared, since the sessions are still
// live and the cookie is what lets the user try again.
func (a *app) notEnded(w http.ResponseWriter, r *http.Request, err error) {
	a.auth.Logger().Error("ending sessions failed", "path", r.URL.Path, "err", err)
	w.Header().Set("Retry-After", "1")
	a.render(w, r, "error", view{Error: "We could not sign out just now, so nothing was signed out. Please try again in a moment."}, http.StatusServiceUnavailable)
}

// sourceLabel says in words what answered a session lookup: the store or
// a cookie cache strategy (sessionkit.Session.Source).
func sourceLabel(source string) string {
	if source == sessionkit.SourceStore {
		return "session store"
	}
	return source + " cookie cache"
}
