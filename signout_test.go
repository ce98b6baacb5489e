package sessionkit_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/store/memory"
)

var errStoreDown = errors.New("test: store down")

// deleteFaultStore is a memory store whose deletions fail while down is
// set: a store that is busy or unreachable just when a user signs out.
type deleteFaultStore struct {
	*memory.Store
	down atomic.Bool
}

func (s *deleteFaultStore) DeleteSession(ctx context.Context, token string) error {
	if s.down.Load() {
		return errStoreDown
	}
	return s.Store.DeleteSession(ctx, token)
}

func (s *deleteFaultStore) DeleteUserSessions(ctx context.Context, userID string) error {
	if s.down.Load() {
		return errStoreDown
	}
	return s.Store.DeleteUserSessions(ctx, userID)
}

func (s *deleteFaultStore) DeleteOtherSessions(ctx context.Context, userID, keep string) error {
	if s.down.Load() {
		return errStoreDown
	}
	return s.Store.DeleteOtherSessions(ctx, userID, keep)
}

// newDeleteFaultHarness is a harness (cookie cache on, so that a cache
// cookie could be cleared too) over a deleteFaultStore.
func newDeleteFaultHarness(t *testing.T) (*harness, *deleteFaultStore) {
	t.Helper()
	st := &deleteFaultStore{Store: memory.New()}
	h := newHarness(t, sessionkit.Config{
		Store:       st,
		CookieCache: sessionkit.CookieCache{Enabled: true, Strategy: "compact"},
	})
	return h, st
}

// live reports whether the session of the cookie header is still valid in
// the store (an authoritative read, not the cache).
func (h *harness) live(cookie string) bool {
	h.t.Helper()
	hd := http.Header{"Cookie": {cookie}}
	l, err := h.m.LookupHeader(context.Background(), hd, sessionkit.LookupOptions{DisableCookieCache: true, DisableRefresh: true})
	if err != nil && !errors.Is(err, sessionkit.ErrNoSession) {
		h.t.Fatalf("lookup: %v", err)
	}
	return l.Found != nil
}

// expired lists the names of the cookies rec expires.
func expired(rec *httptest.ResponseRecorder) []string {
	var out []string
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			out = append(out, c.Name)
		}
	}
	return out
}

// TestSignOutStoreFailureKeepsCookies: a sign-out whose store delete fails
// returns the error and writes no Set-Cookie, so the session and the
// browser's means to retry both survive; the retry signs out.
func TestSignOutStoreFailureKeepsCookies(t *testing.T) {
	t.Parallel()
	h, st := newDeleteFaultHarness(t)
	u := h.user("signout-fault@example.com")
	cookie, _ := h.signIn(u.ID, sessionkit.SignInOptions{DontRemember: true})
	token, _, _ := h.m.CookieNames()

	st.down.Store(true)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/sign-out", nil)
	req.Header.Set("Cookie", cookie)
	if err := h.m.SignOut(rec, req); !errors.Is(err, errStoreDown) {
		t.Fatalf("SignOut with the store down = %v, want the store's error", err)
	}
	if sc := rec.Header().Values("Set-Cookie"); len(sc) != 0 {
		t.Fatalf("failed sign-out wrote cookies: %q", sc)
	}
	if !h.live(cookie) {
		t.Fatal("the session is gone although the delete failed")
	}

	st.down.Store(false)
	rec = httptest.NewRecorder()
	if err := h.m.SignOut(rec, req); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if got := strings.Join(expired(rec), " "); !strings.Contains(got, token) {
		t.Fatalf("retry did not expire the token cookie: expired %q", got)
	}
	if h.live(cookie) {
		t.Fatal("the session outlived a successful sign-out")
	}
}

// TestSignOutBadTokenClearsWithoutStore: a cookie that names no session
// (bad signature) is simply cleared, even with the store down: there is
// nothing to delete.
func TestSignOutBadTokenClearsWithoutStore(t *testing.T) {
	t.Parallel()
	h, st := newDeleteFaultHarness(t)
	token, _, _ := h.m.CookieNames()
	st.down.Store(true)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/sign-out", nil)
	req.Header.Set("Cookie", token+"=forged.signature")
	if err := h.m.SignOut(rec, req); err != nil {
		t.Fatalf("SignOut of a forged cookie: %v", err)
	}
	if got := expired(rec); len(got) == 0 || got[0] != token {
		t.Fatalf("forged cookie not cleared: expired %q", got)
	}
}

// TestAPIRevokeStoreFailure: every JSON endpoint that ends sessions answers
// 503 with Retry-After and no Set-Cookie when the store's delete fails,
// leaves every session valid, and succeeds on a retry once the store is
// back.
func TestAPIRevokeStoreFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		body func(current, other string) string
		// after a success: whether the caller's cookies are cleared and
		// which sessions are gone
		clears, currentGone, otherGone bool
	}{
		{path: "/sign-out", clears: true, currentGone: true},
		{path: "/revoke-session", body: func(cur, _ string) string { return `{"token":"` + cur + `"}` }, clears: true, currentGone: true},
		{path: "/revoke-session", body: func(_, oth string) string { return `{"token":"` + oth + `"}` }, otherGone: true},
		{path: "/revoke-sessions", clears: true, currentGone: true, otherGone: true},
		{path: "/revoke-other-sessions", otherGone: true},
	}
	for _, tc := range tests {
		name := tc.path
		if tc.body != nil && !tc.clears {
			name += "/other"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h, st := newDeleteFaultHarness(t)
			a, err := account.New(h.m, account.Config{})
			if err != nil {
				t.Fatal(err)
			}
			api := a.Handler()
			u := h.user("api-fault@example.com")
			cookie, cur := h.signIn(u.ID, sessionkit.SignInOptions{})
			otherCookie, oth := h.signIn(u.ID, sessionkit.SignInOptions{})
			body := ""
			if tc.body != nil {
				body = tc.body(cur.Session.Token, oth.Session.Token)
			}
			post := func() *httptest.ResponseRecorder {
				req := httptest.NewRequest("POST", account.DefaultBasePath+tc.path, strings.NewReader(body))
				req.Header.Set("Cookie", cookie)
				req.Header.Set("Origin", "http://example.com") // the page's own, as a browser's fetch sends
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				rec := httptest.NewRecorder()
				api.ServeHTTP(rec, req)
				return rec
			}

			st.down.Store(true)
			rec := post()
			if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
				t.Fatalf("store down: %d, Retry-After %q, body %s; want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
			}
			if sc := rec.Header().Values("Set-Cookie"); len(sc) != 0 {
				t.Fatalf("store down: cookies written: %q", sc)
			}
			if !h.live(cookie) || !h.live(otherCookie) {
				t.Fatal("store down: a session ended although the delete failed")
			}

			st.down.Store(false)
			rec = post()
			if rec.Code != http.StatusOK {
				t.Fatalf("retry: %d %s", rec.Code, rec.Body)
			}
			token, _, _ := h.m.CookieNames()
			cleared := strings.Contains(" "+strings.Join(expired(rec), " ")+" ", " "+token+" ")
			if cleared != tc.clears {
				t.Errorf("retry: token cookie cleared = %v, want %v (expired %q)", cleared, tc.clears, expired(rec))
			}
			if h.live(cookie) == tc.currentGone {
				t.Errorf("retry: current session live = %v, want %v", !tc.currentGone, !tc.currentGone)
			}
			if h.live(otherCookie) == tc.otherGone {
				t.Errorf("retry: other session live = %v, want %v", !tc.otherGone, !tc.otherGone)
			}
		})
	}
}

// TestRevokeStoreFailureReturnsError: the Manager's Revoke methods return
// the store's error, wrapped, and end nothing.
func TestRevokeStoreFailureReturnsError(t *testing.T) {
	t.Parallel()
	h, st := newDeleteFaultHarness(t)
	ctx := context.Background()
	u := h.user("revoke-fault@example.com")
	cookie, cur := h.signIn(u.ID, sessionkit.SignInOptions{})
	st.down.Store(true)
	calls := map[string]func() error{
		"RevokeSession":       func() error { return h.m.RevokeSession(ctx, u.ID, cur.Session.Token) },
		"RevokeOtherSessions": func() error { return h.m.RevokeOtherSessions(ctx, cur) },
		"RevokeAllSessions":   func() error { return h.m.RevokeAllSessions(ctx, u.ID) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, errStoreDown) || !strings.Contains(err.Error(), "sessionkit:") {
			t.Errorf("%s with the store down = %v, want the store's error, wrapped", name, err)
		}
	}
	if !h.live(cookie) {
		t.Fatal("a failed revoke ended the session")
	}
}
