package sessionkit_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store"
)

// TestRules: a Rule's BeforeCreate refuses or fails a sign-in before
// anything is stored, its Admit refuses a session read from the store, a
// cache cookie it refuses is checked against the store, and Listed filters
// ListSessions.
func TestRules(t *testing.T) {
	t.Parallel()
	var refuse, fail, deny atomic.Bool
	rule := sessionkit.Rule{
		Name: "test",
		BeforeCreate: func(_ context.Context, _ store.Store, u *store.User, _ time.Time) error {
			switch {
			case refuse.Load():
				return &sessionkit.RefusedError{Code: "NO", Message: "no"}
			case fail.Load():
				return errors.New("store down")
			}
			return nil
		},
		Admit: func(_ *store.Session, _ *store.User, _ time.Time) error {
			if deny.Load() {
				return errors.New("denied")
			}
			return nil
		},
		Listed: func(s *store.Session) bool { return s.UserAgent != "hidden" },
	}
	h := newHarness(t, sessionkit.Config{Rules: []sessionkit.Rule{rule}, CookieCache: sessionkit.CookieCache{Enabled: true}})
	u := h.user("rules@example.com")
	ctx := context.Background()

	refuse.Store(true)
	rec := newResponseRecorder()
	if _, err := h.m.SignIn(rec, newRequest("POST", "/"), u.ID, sessionkit.SignInOptions{}); !errors.Is(err, sessionkit.ErrSessionRefused) || len(rec.Result().Cookies()) != 0 {
		t.Errorf("refused SignIn = %v, cookies %d", err, len(rec.Result().Cookies()))
	}
	refuse.Store(false)
	fail.Store(true)
	if _, err := h.m.SignIn(rec, newRequest("POST", "/"), u.ID, sessionkit.SignInOptions{}); err == nil || errors.Is(err, sessionkit.ErrSessionRefused) {
		t.Errorf("failing rule: SignIn = %v, want a store error, not a refusal", err)
	}
	if list, _ := h.store.ListSessions(ctx, u.ID, h.m.Now()); len(list) != 0 {
		t.Fatalf("%d sessions stored by refused sign-ins", len(list))
	}
	fail.Store(false)

	cookie, _ := h.signIn(u.ID, sessionkit.SignInOptions{})
	hdr := http.Header{"Cookie": {cookie}}
	// Wait for the feed to be trusted, so that the cache answers.
	deadline := time.Now().Add(3 * time.Second)
	for {
		before := h.store.reads.Load()
		if _, err := getSession(h.m, ctx, hdr); err != nil {
			t.Fatal(err)
		}
		if h.store.reads.Load() == before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cache never answered")
		}
		time.Sleep(20 * time.Millisecond)
	}
	deny.Store(true)
	before := h.store.reads.Load()
	l, err := h.m.LookupHeader(ctx, hdr, sessionkit.LookupOptions{})
	if !errors.Is(err, sessionkit.ErrNoSession) || l.Found != nil {
		t.Errorf("refused session: %v", err)
	}
	if h.store.reads.Load() != before+1 {
		t.Errorf("a refused cache hit made %d store reads, want 1 (the store decides)", h.store.reads.Load()-before)
	}
	cleared := false
	for _, c := range l.Cookies {
		cleared = cleared || c.MaxAge < 0
	}
	if !cleared {
		t.Error("a refused session's cookies were not cleared")
	}
	deny.Store(false)

	rec = newResponseRecorder()
	req := newRequest("POST", "/")
	req.Header.Set("User-Agent", "hidden")
	if _, err := h.m.SignIn(rec, req, u.ID, sessionkit.SignInOptions{KeepPrevious: true}); err != nil {
		t.Fatal(err)
	}
	if list, err := h.m.ListSessions(ctx, u.ID); err != nil || len(list) != 1 {
		t.Errorf("ListSessions = %d sessions (%v), want 1 (one hidden)", len(list), err)
	}
}

// TestSessionRoles: HasRole reads Better Auth's comma-separated roles.
func TestSessionRoles(t *testing.T) {
	t.Parallel()
	decl := []store.Field{{Name: "role", Type: store.FieldString}}
	for _, tt := range []struct {
		role string
		ask  []string
		want bool
	}{
		{"admin", []string{"admin"}, true},
		{"admin,user", []string{"user"}, true},
		{"user, admin", []string{"admin"}, false}, // Better Auth reads " admin"
		{"user,,admin", []string{"admin"}, true},
		{"administrator", []string{"admin"}, false},
		{"", []string{""}, false},
		{"user", []string{"admin", "owner"}, false},
		{"owner,user", []string{"admin", "owner"}, true},
	} {
		f, _ := store.NewFields(decl, map[string]any{"role": tt.role})
		s := &sessionkit.Session{User: store.User{Fields: f}}
		if got := s.HasRole(tt.ask...); got != tt.want {
			t.Errorf("role %q HasRole(%q) = %v, want %v", tt.role, tt.ask, got, tt.want)
		}
	}
	if (&sessionkit.Session{}).HasRole("admin") {
		t.Error("a session without a role field has a role")
	}
}
