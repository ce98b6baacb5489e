package main

import (
	"embed"
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/freshness"
	"github.com/sessionkit/sessionkit/middleware"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"fresh": func(a *app, s *sessionkit.Session) bool {
		return freshness.IsFresh(s.Session, a.auth.Now(), a.auth.FreshAge())
	},
}).ParseFS(templateFS, "templates/*.html"))

type app struct {
	auth *sessionkit.Manager
}

// newApp wires the pages. middleware.Load runs on every request; the
// dashboard needs a session and settings a fresh one.
func newApp(auth *sessionkit.Manager) http.Handler {
	a := &app{auth: auth}
	mux := http.NewServeMux()
	requireSession := middleware.RequireSessionWithOpts(middleware.RequireSessionOpts{LoginURL: "/sign-in"})
	requireFresh := freshness.RequireFreshWithOpts(auth, freshness.Opts{ReauthURL: "/sign-in?reauth=1"})

	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /sign-up", a.page("sign-up"))
	mux.HandleFunc("POST /sign-up", a.signUp)
	mux.HandleFunc("GET /sign-in", a.page("sign-in"))
	mux.HandleFunc("POST /sign-in", a.signIn)
	mux.HandleFunc("POST /sign-out", a.signOut)
	mux.Handle("GET /dashboard", requireSession(http.HandlerFunc(a.page("dashboard"))))
	mux.Handle("GET /settings", requireFresh(http.HandlerFunc(a.page("settings"))))
	mux.Handle("/api/auth/", auth.Handler()) // Better Auth's JSON API, for its client library
	return middleware.Load(auth)(sameOriginPosts(mux))
}

// sameOriginPosts refuses cross-site form posts (CSRF), using the
// standard library's Fetch-metadata and Origin checks.
func sameOriginPosts(h http.Handler) http.Handler {
	return http.NewCrossOriginProtection().Handler(h)
}

// view is what every template gets.
type view struct {
	App      *app
	Session  *sessionkit.Session
	Error    string
	Email    string
	Name     string
	ReturnTo string
	Reauth   bool
}

func (a *app) render(w http.ResponseWriter, r *http.Request, name string, v view, status int) {
	v.App = a
	v.Session, _ = sessionkit.FromContext(r.Context())
	if v.ReturnTo == "" {
		v.ReturnTo = middleware.SafeReturnPath(r.FormValue("returnTo"), "")
	}
	v.Reauth = v.Reauth || r.FormValue("reauth") == "1"
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

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	if _, ok := sessionkit.FromContext(r.Context()); ok {
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
}

func (a *app) signUp(w http.ResponseWriter, r *http.Request) {
	name, email, pw := r.FormValue("name"), r.FormValue("email"), r.FormValue("password")
	v := view{Name: name, Email: email}
	if len(pw) < 8 {
		v.Error = "Choose a password of at least 8 characters."
		a.render(w, r, "sign-up", v, http.StatusBadRequest)
		return
	}
	u, err := a.auth.CreateUser(r.Context(), name, email, pw)
	switch {
	case errors.Is(err, sessionkit.ErrEmailTaken):
		v.Error = "That email is already registered. Sign in instead?"
		a.render(w, r, "sign-up", v, http.StatusConflict)
		return
	case err != nil && strings.Contains(err.Error(), "required"):
		v.Error = "Enter your name and a valid email."
		a.render(w, r, "sign-up", v, http.StatusBadRequest)
		return
	case err != nil:
		a.fail(w, r, err)
		return
	}
	if _, err := a.auth.SignIn(w, r, u.ID, sessionkit.SignInOptions{}); err != nil {
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}

func (a *app) signIn(w http.ResponseWriter, r *http.Request) {
	email := r.FormValue("email")
	u, err := a.auth.CheckPassword(r.Context(), email, r.FormValue("password"))
	if errors.Is(err, sessionkit.ErrInvalidCredentials) {
		a.render(w, r, "sign-in", view{Email: email, Error: "Wrong email or password."}, http.StatusUnauthorized)
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	remember := r.FormValue("remember") == "on"
	if _, err := a.auth.SignIn(w, r, u.ID, sessionkit.SignInOptions{DontRemember: !remember}); err != nil {
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, middleware.SafeReturnPath(r.FormValue("returnTo"), "/dashboard"), http.StatusSeeOther)
}

func (a *app) signOut(w http.ResponseWriter, r *http.Request) {
	if err := a.auth.SignOut(w, r); err != nil {
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
}

func (a *app) fail(w http.ResponseWriter, r *http.Request, err error) {
	a.auth.Logger().Error("request failed", "path", r.URL.Path, "err", err)
	http.Error(w, "Something went wrong. Please try again.", http.StatusInternalServerError)
}
