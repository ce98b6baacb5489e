package middleware_test

import (
	"context"
	"errors"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/admin"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

// roleManager returns a Manager with the admin plugin's fields and the
// cookies of a session of a user with role.
func roleManager(role string) (*sessionkit.Manager, []*http.Cookie) {
	fields := admin.Options{}.Fields(store.AdditionalFields{})
	st, err := memory.NewWith(memory.Options{Fields: fields})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := sessionkit.New(sessionkit.Config{Secret: "example-secret-0123456789abcdefghijklmnop", Store: st})
	if err != nil {
		log.Fatal(err)
	}
	now := auth.Now()
	u := store.User{ID: store.NewID(), Name: "Ada", Email: "ada@example.com", CreatedAt: now, UpdatedAt: now}
	if role != "" {
		u.Fields, _ = store.NewFields(fields.User, map[string]any{"role": role})
	}
	if err := st.CreateUser(context.Background(), u); err != nil {
		log.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if _, err := auth.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{}); err != nil {
		log.Fatal(err)
	}
	return auth, rec.Result().Cookies()
}

// TestRequireRole: one of the roles passes (comma-separated roles
// included); another role is 403 JSON for API calls and an HTML page for
// browsers, never a login redirect; no session is 401 (or the login page);
// OnDenied gets ErrRole.
func TestRequireRole(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	for _, tt := range []struct {
		role, accept string
		roles        []string
		code         int
		body         string
	}{
		{"admin", "", []string{"admin"}, 200, "ok"},
		{"user,admin", "", []string{"admin"}, 200, "ok"},
		{"user", "", []string{"admin", "user"}, 200, "ok"},
		{"user", "", []string{"admin"}, 403, `{"message":"You are not allowed to access this resource","code":"FORBIDDEN"}`},
		{"", "", []string{"admin"}, 403, `"code":"FORBIDDEN"`},
		{"admin", "", nil, 403, `"code":"FORBIDDEN"`},
		{"user", "text/html", []string{"admin"}, 403, "<h1>Forbidden</h1>"},
	} {
		auth, cookies := roleManager(tt.role)
		h := middleware.Load(auth)(middleware.RequireRoleWithOpts(middleware.RequireRoleOpts{Roles: tt.roles, LoginURL: "/login"})(ok))
		rec := get(h, "/admin", cookies, tt.accept)
		if rec.Code != tt.code || !strings.Contains(rec.Body.String(), tt.body) || rec.Header().Get("Location") != "" {
			t.Errorf("role %q roles %q accept %q: %d %q (Location %q), want %d %q", tt.role, tt.roles, tt.accept, rec.Code, rec.Body, rec.Header().Get("Location"), tt.code, tt.body)
		}
		auth.Close()
	}
	auth, _ := roleManager("admin")
	defer auth.Close()
	if rec := get(middleware.Load(auth)(middleware.RequireRole("admin")(ok)), "/admin", nil, ""); rec.Code != 401 {
		t.Errorf("no session: %d, want 401", rec.Code)
	}
	h := middleware.Load(auth)(middleware.RequireRoleWithOpts(middleware.RequireRoleOpts{Roles: []string{"admin"}, LoginURL: "/login"})(ok))
	if rec := get(h, "/admin", nil, "text/html"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("browser without a session: %d %q, want the login page", rec.Code, rec.Header().Get("Location"))
	}
	if rec := get(middleware.RequireRole("admin")(ok), "/admin", nil, ""); rec.Code != 500 {
		t.Errorf("without Load: %d, want 500", rec.Code)
	}
	user, cookies := roleManager("user")
	defer user.Close()
	var got error
	h = middleware.Load(user)(middleware.RequireRoleWithOpts(middleware.RequireRoleOpts{Roles: []string{"admin"}, OnDenied: func(w http.ResponseWriter, r *http.Request, status int, err error) {
		got = err
		w.WriteHeader(status)
	}})(ok))
	if rec := get(h, "/admin", cookies, ""); rec.Code != 403 || !errors.Is(got, middleware.ErrRole) {
		t.Errorf("OnDenied: %d %v, want 403 ErrRole", rec.Code, got)
	}
}
