package sessionkit_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/logcapture"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store"
)

type ctxKey struct{}

// hookLog records hook calls and whether each carried the request's
// context value.
type hookLog struct {
	mu    sync.Mutex
	calls []string
	ctxOK []bool
	last  any
}

func (l *hookLog) add(ctx context.Context, name string, v any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, name)
	l.ctxOK = append(l.ctxOK, ctx.Value(ctxKey{}) == "req")
	l.last = v
}

// take returns the calls since the last take and the last value, and
// fails when one lacked the request's context.
func (l *hookLog) take(t *testing.T) ([]string, any) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, ok := range l.ctxOK {
		if !ok {
			t.Errorf("hook %s called without the request's context", l.calls[i])
		}
	}
	calls, last := l.calls, l.last
	l.calls, l.ctxOK, l.last = nil, nil, nil
	return calls, last
}

func recordingHooks(l *hookLog) sessionkit.Hooks {
	return sessionkit.Hooks{
		BeforeSessionCreate: func(ctx context.Context, s *store.Session, u *store.User) error {
			l.add(ctx, "before", *s)
			return nil
		},
		AfterSessionCreate: func(ctx context.Context, s store.Session, u store.User) { l.add(ctx, "created", s) },
		AfterSignOut:       func(ctx context.Context, s store.Session) { l.add(ctx, "signout", s) },
		AfterSessionRevoked: func(ctx context.Context, r sessionkit.Revocation) {
			l.add(ctx, "revoked", r)
		},
	}
}

func reqCtx() context.Context { return context.WithValue(context.Background(), ctxKey{}, "req") }

func eventRequest(cookie string) *http.Request {
	r := httptest.NewRequestWithContext(reqCtx(), "POST", "/", nil)
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	return r
}

// one returns the only record with msg, failing otherwise.
func one(t *testing.T, logs *logcapture.Handler, msg string) logcapture.Record {
	t.Helper()
	recs := logs.Records(msg)
	if len(recs) != 1 {
		t.Fatalf("%d records %q, want 1", len(recs), msg)
	}
	return recs[0]
}

func wantAttrs(t *testing.T, r logcapture.Record, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if r.Attrs[k] != v {
			t.Errorf("%s: %s = %q, want %q (all: %v)", r.Message, k, r.Attrs[k], v, r.Attrs)
		}
	}
}

// TestSessionEventsAndHooks: sign-in, sign-out and each revocation path
// log one event and call their hook once, with the request's context and
// the session's ids, and no record holds a token, cookie value or secret.
func TestSessionEventsAndHooks(t *testing.T) {
	t.Parallel()
	logs, logger := logcapture.New()
	var hl hookLog
	h := newHarness(t, sessionkit.Config{Logger: logger, Hooks: recordingHooks(&hl)})
	u := h.user("ada@example.com")
	var secrets []string

	signIn := func() (string, *sessionkit.Session) {
		rec := httptest.NewRecorder()
		s, err := h.m.SignIn(rec, eventRequest(""), u.ID, sessionkit.SignInOptions{})
		if err != nil {
			t.Fatal(err)
		}
		c := cookieHeader(rec.Result().Cookies())
		secrets = append(secrets, s.Session.Token, c)
		return c, s
	}

	cookie, s := signIn()
	calls, last := hl.take(t)
	if len(calls) != 2 || calls[0] != "before" || calls[1] != "created" || last.(store.Session).ID != s.Session.ID {
		t.Fatalf("sign-in hooks: %v, %+v", calls, last)
	}
	r := one(t, logs, sessionkit.EventSessionCreated)
	wantAttrs(t, r, map[string]string{"session_id": s.Session.ID, "user_id": u.ID})
	if r.Level != slog.LevelInfo || r.Ctx.Value(ctxKey{}) != "req" {
		t.Errorf("created: level %v, context value %v", r.Level, r.Ctx.Value(ctxKey{}))
	}

	if err := h.m.SignOut(httptest.NewRecorder(), eventRequest(cookie)); err != nil {
		t.Fatal(err)
	}
	calls, last = hl.take(t)
	if len(calls) != 1 || calls[0] != "signout" || last.(store.Session).ID != s.Session.ID {
		t.Fatalf("sign-out hooks: %v, %+v", calls, last)
	}
	wantAttrs(t, one(t, logs, sessionkit.EventSignOut), map[string]string{"session_id": s.Session.ID, "user_id": u.ID})
	// A second sign-out with the same cookie ends nothing: no event.
	if err := h.m.SignOut(httptest.NewRecorder(), eventRequest(cookie)); err != nil {
		t.Fatal(err)
	}
	if calls, _ := hl.take(t); len(calls) != 0 || len(logs.Records(sessionkit.EventSignOut)) != 1 {
		t.Fatalf("sign-out of no session: hooks %v", calls)
	}

	_, a := signIn()
	_, b := signIn()
	_, c := signIn()
	hl.take(t)
	cases := []struct {
		name   string
		revoke func() error
		want   sessionkit.Revocation
	}{
		{"one", func() error { return h.m.RevokeSession(reqCtx(), u.ID, a.Session.Token) },
			sessionkit.Revocation{Path: sessionkit.RevokeOne, UserID: u.ID, SessionID: a.Session.ID, Count: 1}},
		{"others", func() error { return h.m.RevokeOtherSessions(reqCtx(), b) },
			sessionkit.Revocation{Path: sessionkit.RevokeOthers, UserID: u.ID, Count: 1}},
		{"all", func() error { return h.m.RevokeAllSessions(reqCtx(), u.ID) },
			sessionkit.Revocation{Path: sessionkit.RevokeAll, UserID: u.ID, Count: 1}},
	}
	_ = c
	for i, tc := range cases {
		if err := tc.revoke(); err != nil {
			t.Fatal(err)
		}
		calls, last := hl.take(t)
		if len(calls) != 1 || last != tc.want {
			t.Errorf("%s: hooks %v, %+v; want one with %+v", tc.name, calls, last, tc.want)
		}
		recs := logs.Records(sessionkit.EventRevoked)
		if len(recs) != i+1 {
			t.Fatalf("%s: %d revocation records", tc.name, len(recs))
		}
		wantAttrs(t, recs[i], map[string]string{"path": tc.want.Path, "user_id": u.ID, "session_id": tc.want.SessionID, "count": strconv.Itoa(tc.want.Count)})
	}
	// Revoking another user's session is silently nothing: no event.
	if err := h.m.RevokeSession(reqCtx(), "someone-else", b.Session.Token); err != nil {
		t.Fatal(err)
	}
	if calls, _ := hl.take(t); len(calls) != 0 {
		t.Errorf("revoking nothing called %v", calls)
	}
	for _, s := range append(secrets, testSecret) {
		if line := logs.Contains(s); line != "" {
			t.Errorf("a record holds a token, cookie or secret: %s", line)
		}
	}
}

// TestBeforeSessionCreateRefuses: a refusing hook blocks sign-in: the
// error names the refusal, no row is stored, no cookie is set, no
// after-hook runs.
func TestBeforeSessionCreateRefuses(t *testing.T) {
	t.Parallel()
	logs, logger := logcapture.New()
	var afters int
	banned := &sessionkit.RefusedError{Code: "BANNED_USER", Message: "You have been banned from this application"}
	h := newHarness(t, sessionkit.Config{Logger: logger, Hooks: sessionkit.Hooks{
		BeforeSessionCreate: func(ctx context.Context, s *store.Session, u *store.User) error {
			if ctx.Value(ctxKey{}) != "req" {
				t.Error("before hook without the request's context")
			}
			if u.Email == "banned@example.com" {
				return banned
			}
			return nil
		},
		AfterSessionCreate: func(context.Context, store.Session, store.User) { afters++ },
	}})
	u := h.user("banned@example.com")
	rec := httptest.NewRecorder()
	s, err := h.m.SignIn(rec, eventRequest(""), u.ID, sessionkit.SignInOptions{})
	var re *sessionkit.RefusedError
	if s != nil || !errors.Is(err, sessionkit.ErrSessionRefused) || !errors.As(err, &re) || re.Code != "BANNED_USER" {
		t.Fatalf("SignIn = %v, %v; want a refusal", s, err)
	}
	if c := rec.Result().Cookies(); len(c) != 0 {
		t.Errorf("refused sign-in set cookies: %v", c)
	}
	if list, err := h.m.ListSessions(context.Background(), u.ID); err != nil || len(list) != 0 {
		t.Errorf("refused sign-in stored %d sessions (%v)", len(list), err)
	}
	if afters != 0 {
		t.Errorf("AfterSessionCreate ran %d times for a refused session", afters)
	}
	wantAttrs(t, one(t, logs, sessionkit.EventSessionRefused), map[string]string{"user_id": u.ID})
	// Any other user signs in.
	if _, err := h.m.SignIn(httptest.NewRecorder(), eventRequest(""), h.user("ok@example.com").ID, sessionkit.SignInOptions{}); err != nil || afters != 1 {
		t.Fatalf("allowed sign-in: %v, %d after-hooks", err, afters)
	}
}

// TestBadCookieEventsBounded: forged session cookies are logged, by cookie
// name and never value, at most 10 lines a minute; the next line says how
// many were suppressed.
func TestBadCookieEventsBounded(t *testing.T) {
	t.Parallel()
	logs, logger := logcapture.New()
	h := newHarness(t, sessionkit.Config{Logger: logger})
	forged := "better-auth.session_token=" + sessionkit.SignedTokenValue(h.m, "forgedtokenforgedtokenforgedtoke")[:40] + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D"
	lookup := func() {
		if _, err := h.m.LookupHeader(context.Background(), http.Header{"Cookie": {forged}}, sessionkit.LookupOptions{}); !errors.Is(err, sessionkit.ErrNoSession) {
			t.Fatalf("forged cookie: %v", err)
		}
	}
	for range 25 {
		lookup()
	}
	recs := logs.Records(sessionkit.EventBadCookie)
	if len(recs) != 10 {
		t.Fatalf("%d bad-cookie lines for 25 forged cookies in a minute, want 10", len(recs))
	}
	wantAttrs(t, recs[0], map[string]string{"cookie": "better-auth.session_token", "suppressed": "0"})
	h.clock.Advance(time.Minute)
	lookup()
	recs = logs.Records(sessionkit.EventBadCookie)
	if len(recs) != 11 {
		t.Fatalf("%d lines after a minute, want 11", len(recs))
	}
	wantAttrs(t, recs[10], map[string]string{"suppressed": "15"})
	if line := logs.Contains("forgedtoken"); line != "" {
		t.Errorf("a record holds the cookie's value: %s", line)
	}
	// A session cookie absent is not a bad one.
	logs.Reset()
	if _, err := h.m.LookupHeader(context.Background(), http.Header{"Cookie": {"other=1"}}, sessionkit.LookupOptions{}); !errors.Is(err, sessionkit.ErrNoSession) {
		t.Fatal(err)
	}
	if n := len(logs.Records(sessionkit.EventBadCookie)); n != 0 {
		t.Errorf("no session cookie logged %d bad-cookie lines", n)
	}
}

// TestOldSecretEvent: cookies accepted under an old secret are counted and
// logged at most once a minute, with the count.
func TestOldSecretEvent(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sessionkit.Config{})
	cookie, _ := h.signIn(h.user("ada@example.com").ID, sessionkit.SignInOptions{})
	logs, logger := logcapture.New()
	rotated := h.sibling(sessionkit.Config{Secret: testSecretOther, OldSecrets: []string{testSecret}, Logger: logger})
	defer rotated.Close()
	lookup := func() {
		if _, err := rotated.LookupHeader(context.Background(), http.Header{"Cookie": {cookie}}, sessionkit.LookupOptions{DisableRefresh: true}); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		lookup()
	}
	recs := logs.Records(sessionkit.EventOldSecret)
	if len(recs) != 1 {
		t.Fatalf("%d old-secret lines for 5 lookups in a minute, want 1", len(recs))
	}
	wantAttrs(t, recs[0], map[string]string{"count": "1", "interval": "1m0s"})
	h.clock.Advance(time.Minute)
	lookup()
	recs = logs.Records(sessionkit.EventOldSecret)
	if len(recs) != 2 {
		t.Fatalf("%d old-secret lines after a minute, want 2", len(recs))
	}
	wantAttrs(t, recs[1], map[string]string{"count": "5"})
	if line := logs.Contains(testSecret); line != "" {
		t.Errorf("a record holds a secret: %s", line)
	}
}

// failingStore fails every session read.
type failingStore struct{ store.Store }

var errEventStore = errors.New("store down")

func (failingStore) SessionByToken(context.Context, string) (store.Session, store.User, error) {
	return store.Session{}, store.User{}, errEventStore
}

// TestStoreErrorEvent: a store failure under middleware.Load is logged as
// EventStoreError with the operation, and sign-out with a failing store
// ends nothing and calls no hook.
func TestStoreErrorEvent(t *testing.T) {
	t.Parallel()
	logs, logger := logcapture.New()
	var hl hookLog
	h := newHarness(t, sessionkit.Config{})
	cookie, _ := h.signIn(h.user("ada@example.com").ID, sessionkit.SignInOptions{})
	down := h.sibling(sessionkit.Config{Store: failingStore{h.store}, Logger: logger, Hooks: recordingHooks(&hl)})
	defer down.Close()
	rec := do(middleware.Load(down)(http.NotFoundHandler()), "GET", "/", cookie)
	if rec.Code != http.StatusNotFound {
		t.Fatalf("status %d", rec.Code)
	}
	r := one(t, logs, sessionkit.EventStoreError)
	wantAttrs(t, r, map[string]string{"op": "load session", "err": "sessionkit: read session: " + errEventStore.Error()})
	rr := httptest.NewRecorder()
	if err := down.SignOut(rr, eventRequest(cookie)); !errors.Is(err, errEventStore) || len(rr.Result().Cookies()) != 0 {
		t.Fatalf("sign-out with a failing store: %v, cookies %v", err, rr.Result().Cookies())
	}
	if calls, _ := hl.take(t); len(calls) != 0 {
		t.Errorf("hooks on a failed sign-out: %v", calls)
	}
}
