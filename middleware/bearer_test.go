package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store/memory"
)

// TestBearerGates: with Config.Bearer on, Load, RequireSession and
// RequireFresh take the session from "Authorization: Bearer"; the fresh
// gate refuses a stale one as it refuses a stale cookie.
func TestBearerGates(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	auth, err := sessionkit.New(sessionkit.Config{
		Secret: "bearer-test-secret-0123456789abcdefghijkl", Store: memory.New(),
		Bearer: sessionkit.Bearer{Enabled: true}, Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer auth.Close()
	u, _ := addUser(auth, "Ada", "ada@example.com")
	rec := httptest.NewRecorder()
	if _, err := auth.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	token := rec.Header().Get("Set-Auth-Token")
	who := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromContext(r.Context())
		w.Write([]byte(s.User.Email))
	})
	session := middleware.Load(auth)(middleware.RequireSession()(who))
	fresh := middleware.Load(auth)(middleware.RequireFresh(auth)(who))
	serve := func(h http.Handler, auth string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for _, tc := range []struct {
		name   string
		h      http.Handler
		auth   string
		status int
	}{
		{"session, bearer", session, "Bearer " + token, 200},
		{"session, none", session, "", 401},
		{"session, forged", session, "Bearer " + forge(token), 401},
		{"fresh, bearer", fresh, "Bearer " + token, 200},
	} {
		if rec := serve(tc.h, tc.auth); rec.Code != tc.status || tc.status == 200 && rec.Body.String() != "ada@example.com" {
			t.Errorf("%s: %d %s, want %d", tc.name, rec.Code, rec.Body, tc.status)
		}
	}
	now = now.Add(auth.FreshAge() + time.Minute)
	if rec := serve(fresh, "Bearer "+token); rec.Code != http.StatusForbidden {
		t.Errorf("fresh gate, stale bearer session: %d %s, want 403", rec.Code, rec.Body)
	}
	if rec := serve(session, "Bearer "+token); rec.Code != 200 {
		t.Errorf("session gate, stale bearer session: %d %s, want 200", rec.Code, rec.Body)
	}
}

// forge changes the last significant character of a signed value's
// signature (the one before its "=") to another canonical one: a
// signature that no secret made.
func forge(signed string) string {
	c := byte('A')
	if signed[len(signed)-2] == c {
		c = 'Q'
	}
	return signed[:len(signed)-2] + string(c) + "="
}
