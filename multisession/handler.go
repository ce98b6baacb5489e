package multisession

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/store"
)

// Paths of the plugin's endpoints, relative to the JSON API's base path.
const (
	PathList      = "/multi-session/list-device-sessions"
	PathSetActive = "/multi-session/set-active"
	PathRevoke    = "/multi-session/revoke"
)

// Endpoints returns Better Auth's multiSession endpoints, for
// account.Config.Plugins: the JSON API serves them behind its rate limit
// (Better Auth's default rule: 100 per 10 seconds) and origin checks.
func (p *Plugin) Endpoints() []account.Endpoint {
	return []account.Endpoint{
		{Method: http.MethodGet, Path: PathList, Handler: http.HandlerFunc(p.serveList)},
		{Method: http.MethodPost, Path: PathSetActive, Handler: http.HandlerFunc(p.serveSetActive)},
		{Method: http.MethodPost, Path: PathRevoke, Handler: http.HandlerFunc(p.serveRevoke)},
	}
}

// pair is {session, user}, in Better Auth's shapes.
type pair struct {
	Session store.Session `json:"session"`
	User    store.User    `json:"user"`
}

func (p *Plugin) serveList(w http.ResponseWriter, r *http.Request) {
	list, err := p.List(r)
	if err != nil {
		p.unavailable(w, r, "list device sessions", err)
		return
	}
	out := make([]pair, len(list)) // [], not null
	for i, s := range list {
		out[i] = pair{s.Session, s.User}
	}
	account.WriteJSON(w, http.StatusOK, out)
}

func (p *Plugin) serveSetActive(w http.ResponseWriter, r *http.Request) {
	token, ok := account.ReadBodyString(w, r, "sessionToken")
	if !ok {
		return
	}
	s, err := p.SetActive(w, r, token)
	switch {
	case errors.Is(err, ErrInvalidToken):
		sessionkit.WriteError(w, http.StatusUnauthorized, CodeInvalidSessionToken, MessageInvalidSessionToken)
	case err != nil:
		p.unavailable(w, r, "set active session", err)
	default:
		account.WriteJSON(w, http.StatusOK, pair{s.Session, s.User})
	}
}

func (p *Plugin) serveRevoke(w http.ResponseWriter, r *http.Request) {
	token, ok := account.ReadBodyString(w, r, "sessionToken")
	if !ok {
		return
	}
	err := p.Revoke(w, r, token)
	switch {
	case errors.Is(err, sessionkit.ErrNoSession):
		sessionkit.WriteError(w, http.StatusUnauthorized, sessionkit.CodeUnauthorized, sessionkit.MessageUnauthorized)
	case errors.Is(err, ErrInvalidToken):
		sessionkit.WriteError(w, http.StatusUnauthorized, CodeInvalidSessionToken, MessageInvalidSessionToken)
	case err != nil:
		p.unavailable(w, r, "revoke device session", err)
	default:
		account.WriteJSON(w, http.StatusOK, struct {
			Status bool `json:"status"`
		}{true})
	}
}

// unavailable logs a store failure and answers 503: nothing was changed
// that the client cannot retry.
func (p *Plugin) unavailable(w http.ResponseWriter, r *http.Request, op string, err error) {
	p.m.LogStoreError(r.Context(), "multisession: "+op, err)
	sessionkit.WriteUnavailable(w)
}

// Wrap adds the plugin's hooks to the JSON API's endpoint at path (see
// account.Plugin). The endpoint's answer is held until the hook is done:
//
//   - /sign-out: when it signed out (200), every session the multi cookies
//     name is ended, then their cookies expired. When the store fails, the
//     answer is 503 with no cookie cleared (the active session may be
//     ended already; the retry ends the rest), where Better Auth clears the
//     cookies before deleting and may leave sessions live.
//   - any other: when the answer sets a session cookie for a session the
//     browser has no multi cookie of (sign-in, sign-up), the sign-in hook
//     (SignIn's) adds one. When the store fails, the answer is 503 with no
//     cookie, and a session the request created is ended.
func (p *Plugin) Wrap(path string, next http.Handler) http.Handler {
	if path == "/sign-out" {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := newRecorder()
			next.ServeHTTP(rec, r)
			if rec.status == http.StatusOK {
				names, err := p.endAll(r)
				if err != nil {
					p.unavailable(w, r, "sign out", err)
					return
				}
				for _, n := range names {
					rec.h.Add("Set-Cookie", p.m.ExpiredCookie(n).String())
				}
			}
			rec.flush(w)
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := newRecorder()
		next.ServeHTTP(rec, r)
		if err := p.afterActivation(r, rec.h); err != nil {
			p.unavailable(w, r, "sign-in hook", err)
			return
		}
		rec.flush(w)
	})
}

// afterActivation runs the sign-in hook on an answer whose Set-Cookie
// makes a session active (a session_token cookie with a validly signed
// value) that the browser holds no multi cookie of, adding the hook's
// cookies to resp. When the hook fails and the request created that
// session (it is not the request's own), the session is ended.
func (p *Plugin) afterActivation(r *http.Request, resp http.Header) error {
	var raw string
	for _, line := range resp.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err == nil && c.Name == p.token && c.Value != "" && c.MaxAge >= 0 {
			raw = c.Value
		}
	}
	if raw == "" {
		return nil
	}
	tok, ok := p.m.VerifyCookie(p.token, raw)
	if !ok {
		return nil
	}
	name := p.CookieName(tok)
	if _, ok := p.lookup(r.Header, name); ok || setsCookie(resp, name) {
		return nil // set-active, or a switch after a revoke: nothing to do
	}
	s, err := p.live(r.Context(), tok)
	if err == nil && s != nil {
		var add []*http.Cookie
		if add, err = p.remember(r.Context(), r.Header, resp, s); err == nil {
			for _, c := range add {
				resp.Add("Set-Cookie", c.String())
			}
		}
	}
	if err != nil {
		j := p.read(r.Header)
		if prev, had := p.m.VerifyCookie(p.token, j.session); !had || prev != tok {
			p.abandon(r.Context(), tok)
		}
	}
	return err
}

// recorder holds an endpoint's answer until the hook has run.
type recorder struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{h: http.Header{}} }

func (rc *recorder) Header() http.Header { return rc.h }

func (rc *recorder) WriteHeader(status int) {
	if rc.status == 0 {
		rc.status = status
	}
}

func (rc *recorder) Write(b []byte) (int, error) {
	rc.WriteHeader(http.StatusOK)
	return rc.body.Write(b)
}

// flush sends the held answer.
func (rc *recorder) flush(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range rc.h {
		h[k] = v
	}
	if rc.status == 0 {
		rc.status = http.StatusOK
	}
	w.WriteHeader(rc.status)
	w.Write(rc.body.Bytes())
}
