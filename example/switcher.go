package main

import (
	"errors"
	"net/http"
	"slices"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/multisession"
	"github.com/sessionkit/sessionkit/store"
)

// The account switcher (-multi-session, on by default): several accounts
// signed in in one browser, Better Auth's multiSession plugin. The
// dashboard lists them; a form switches to one or signs one out; "Add an
// account" is the sign-in page with add=1; the top bar's sign-out signs
// every account out. Forms name sessions by id, never by token: the
// handlers find the token in the browser's own list.

// browserAccount is one account of the switcher.
type browserAccount struct {
	Session store.Session
	User    store.User
	Active  bool
}

// signInUser signs the user in: with the switcher, beside the browser's
// other accounts (the user's own earlier session of this browser ends);
// without it, replacing the browser's session.
func (a *app) signInUser(w http.ResponseWriter, r *http.Request, userID string, opts sessionkit.SignInOptions) (*sessionkit.Session, error) {
	if a.multi == nil {
		return a.auth.SignIn(w, r, userID, opts)
	}
	opts.KeepPrevious = true
	return a.multi.SignIn(w, r, userID, opts)
}

// switcherNotices are the outcomes the dashboard reports after a form.
var switcherNotices = map[string]string{
	"switched":   "Switched account.",
	"signed-out": "That account is signed out of this browser.",
	"gone":       "That account's session had ended already.",
}

func (a *app) switchAccount(w http.ResponseWriter, r *http.Request) {
	s, err := a.formAccount(w, r)
	if s != nil {
		_, err = a.multi.SetActive(w, r, s.Session.Token)
	}
	switch {
	case errors.Is(err, errNoSwitcher):
	case errors.Is(err, multisession.ErrInvalidToken):
		http.Redirect(w, r, "/dashboard?done=gone", http.StatusSeeOther)
	case err != nil:
		a.fail(w, r, err)
	default:
		http.Redirect(w, r, "/dashboard?done=switched", http.StatusSeeOther)
	}
}

// signOutAccount signs one account out of this browser; when it was the
// active one, the next account takes over (or, with none, the browser is
// signed out).
func (a *app) signOutAccount(w http.ResponseWriter, r *http.Request) {
	s, err := a.formAccount(w, r)
	if s != nil {
		err = a.multi.Revoke(w, r, s.Session.Token)
	}
	switch {
	case errors.Is(err, errNoSwitcher):
	case errors.Is(err, sessionkit.ErrNoSession):
		http.Redirect(w, r, "/sign-in?expired=1", http.StatusSeeOther)
	case errors.Is(err, multisession.ErrInvalidToken):
		http.Redirect(w, r, "/dashboard?done=gone", http.StatusSeeOther)
	case err != nil:
		a.notEnded(w, r, err)
	default:
		// The dashboard of the account now active; with none left, the
		// dashboard's gate sends the browser to sign in.
		http.Redirect(w, r, "/dashboard?done=signed-out", http.StatusSeeOther)
	}
}

// errNoSwitcher is formAccount's answer when the switcher is off (it has
// answered 404).
var errNoSwitcher = errors.New("example: no account switcher")

// formAccount is the session a switcher form names by its id, among the
// browser's accounts (a form can only name sessions this browser holds:
// else multisession.ErrInvalidToken).
func (a *app) formAccount(w http.ResponseWriter, r *http.Request) (*sessionkit.Session, error) {
	if a.multi == nil {
		a.notFound(w, r)
		return nil, errNoSwitcher
	}
	list, err := a.multi.List(r)
	if err != nil {
		return nil, err
	}
	id := r.FormValue("id")
	i := slices.IndexFunc(list, func(s sessionkit.Session) bool { return s.Session.ID == id })
	if i < 0 {
		return nil, multisession.ErrInvalidToken
	}
	return &list[i], nil
}
