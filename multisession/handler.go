package multisession

import (
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
// account.Plugin). The hook runs once, when the endpoint sends its status
// (its first WriteHeader or Write, or its return): every Set-Cookie line of
// the answer is set and nothing has reached the client. The body is not
// held.
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
	signOut := path == "/sign-out"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hw := &hookWriter{ResponseWriter: w, p: p, r: r, signOut: signOut}
		hw.snapshot()
		next.ServeHTTP(hw, r)
		hw.send(http.StatusOK) // nothing written: 200, as net/http answers
	})
}

// hook is the plugin's hook on an answer of status whose Set-Cookie lines
// (those the endpoint set) are set, adding its cookies to resp. It returns
// the operation's name for the log with its error.
func (p *Plugin) hook(r *http.Request, signOut bool, status int, set []string, resp http.Header) (string, error) {
	if !signOut {
		return "sign-in hook", p.afterActivation(r, set, resp)
	}
	if status != http.StatusOK {
		return "", nil
	}
	names, err := p.endAll(r)
	if err != nil {
		return "sign out", err
	}
	for _, n := range names {
		resp.Add("Set-Cookie", p.m.ExpiredCookie(n).String())
	}
	return "", nil
}

// afterActivation runs the sign-in hook on an answer whose Set-Cookie
// lines set make a session active (a session_token cookie with a validly
// signed value) that the browser holds no multi cookie of, adding the
// hook's cookies to resp. When the hook fails and the request created that
// session (it is not the request's own), the session is ended.
func (p *Plugin) afterActivation(r *http.Request, set []string, resp http.Header) error {
	var raw string
	for _, line := range set {
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
	if _, ok := p.lookup(r.Header, name); ok || setsCookie(set, name) {
		return nil // set-active, or a switch after a revoke: nothing to do
	}
	s, err := p.live(r.Context(), tok)
	if err == nil && s != nil {
		var add []*http.Cookie
		if add, err = p.remember(r.Context(), r.Header, set, s); err == nil {
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

// hookWriter passes an endpoint's answer through and runs the plugin's
// hook when the endpoint sends its status. When the hook fails, the answer
// is a 503 with only the headers set before the endpoint ran (none of its
// cookies), and the endpoint's body is dropped.
type hookWriter struct {
	http.ResponseWriter
	p       *Plugin
	r       *http.Request
	signOut bool
	sent    bool // the hook has run
	failed  bool // the answer is the hook's 503

	before  []savedHeader // the headers set before the endpoint ran
	cookies int           // how many of them are Set-Cookie lines
	buf     [4]savedHeader
}

type savedHeader struct {
	key    string
	values []string
}

// snapshot keeps the headers set before the endpoint runs (outer
// handlers'), for a 503 to keep and for the hook to tell the endpoint's
// Set-Cookie lines from theirs.
func (hw *hookWriter) snapshot() {
	h := hw.ResponseWriter.Header()
	hw.before = hw.buf[:0]
	for k, v := range h {
		hw.before = append(hw.before, savedHeader{k, v})
	}
	hw.cookies = len(h["Set-Cookie"])
}

// send runs the hook, then sends status, or the hook's 503.
func (hw *hookWriter) send(status int) {
	if hw.sent {
		return
	}
	hw.sent = true
	h := hw.ResponseWriter.Header()
	set := h["Set-Cookie"]
	if len(set) >= hw.cookies {
		set = set[hw.cookies:]
	}
	if op, err := hw.p.hook(hw.r, hw.signOut, status, set, h); err != nil {
		hw.failed = true
		clear(h)
		for _, s := range hw.before {
			h[s.key] = s.values
		}
		hw.p.unavailable(hw.ResponseWriter, hw.r, op, err)
		return
	}
	hw.ResponseWriter.WriteHeader(status)
}

func (hw *hookWriter) WriteHeader(status int) { hw.send(status) }

func (hw *hookWriter) Write(b []byte) (int, error) {
	hw.send(http.StatusOK)
	if hw.failed {
		return len(b), nil
	}
	return hw.ResponseWriter.Write(b)
}
