package admin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
)

// TestEndpoints: account.Config.Admin serves Better Auth's admin plugin's
// session endpoints with its answers and codes, to admins only.
func TestEndpoints(t *testing.T) {
	t.Parallel()
	r := newRig(t, true, true)
	acc, err := account.New(r.m, account.Config{Admin: r.a, RateLimit: account.RateLimit{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	api := acc.Handler()
	ctx := context.Background()
	root, plain, target := r.user("root@example.com"), r.user("plain@example.com"), r.user("target@example.com")
	if _, err := r.a.SetRole(ctx, root.ID, "user", "admin"); err != nil {
		t.Fatal(err)
	}
	rootC, _, _ := r.signIn(root.ID, sessionkit.SignInOptions{})
	plainC, _, _ := r.signIn(plain.ID, sessionkit.SignInOptions{})
	targetC, targetS, _ := r.signIn(target.ID, sessionkit.SignInOptions{})
	_, impS, _ := r.signIn(target.ID, sessionkit.SignInOptions{SessionFields: map[string]any{"impersonatedBy": root.ID}})
	call := func(path, cookie, body string) (int, string) {
		req := httptest.NewRequest("POST", "/api/auth"+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "http://example.com")
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		return rec.Code, strings.TrimSpace(rec.Body.String())
	}
	uid := func(id string) string { return `{"userId":"` + id + `"}` }
	for _, tt := range []struct {
		name, path, cookie, body string
		code                     int
		want                     string
	}{
		{"no session", "/admin/ban-user", "", uid(target.ID), 401, `"code":"UNAUTHORIZED"`},
		{"not an admin", "/admin/ban-user", plainC, uid(target.ID), 403, `{"message":"You are not allowed to ban users","code":"YOU_ARE_NOT_ALLOWED_TO_BAN_USERS"}`},
		{"not an admin: role", "/admin/set-role", plainC, `{"userId":"x","role":"admin"}`, 403, `"code":"YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE"`},
		{"not an admin: list", "/admin/list-user-sessions", plainC, uid(target.ID), 403, `"code":"YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS"`},
		{"not an admin: revoke", "/admin/revoke-user-sessions", plainC, uid(target.ID), 403, `"code":"YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS"`},
		{"no userId", "/admin/ban-user", rootC, `{}`, 400, `"code":"VALIDATION_ERROR"`},
		{"bad expiry", "/admin/ban-user", rootC, `{"userId":"x","banExpiresIn":"soon"}`, 400, `"code":"VALIDATION_ERROR"`},
		{"bad role", "/admin/set-role", rootC, `{"userId":"x","role":3}`, 400, `"code":"VALIDATION_ERROR"`},
		{"unknown user", "/admin/ban-user", rootC, uid("nobody"), 404, `{"message":"User not found","code":"USER_NOT_FOUND"}`},
		{"yourself", "/admin/ban-user", rootC, uid(root.ID), 400, `{"message":"You cannot ban yourself","code":"YOU_CANNOT_BAN_YOURSELF"}`},
		{"list", "/admin/list-user-sessions", rootC, uid(target.ID), 200, `"impersonatedBy":"` + root.ID + `"`},
		{"set role", "/admin/set-role", rootC, `{"userId":"` + plain.ID + `","role":["user","admin"]}`, 200, `"role":"user,admin"`},
		{"revoke one", "/admin/revoke-user-session", rootC, `{"sessionToken":"` + impS.Session.Token + `"}`, 200, `{"success":true}`},
		{"ban", "/admin/ban-user", rootC, `{"userId":"` + target.ID + `","banReason":"spam","banExpiresIn":3600}`, 200, `"banned":true,"banReason":"spam","banExpires":"2026-11-27T13:00:00.000Z"`},
		{"unban", "/admin/unban-user", rootC, uid(target.ID), 200, `"banned":false,"banReason":null,"banExpires":null`},
		{"revoke all", "/admin/revoke-user-sessions", rootC, uid(plain.ID), 200, `{"success":true}`},
	} {
		code, body := call(tt.path, tt.cookie, tt.body)
		if code != tt.code || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s, want %d %s", tt.name, code, body, tt.code, tt.want)
		}
	}
	if _, _, err := r.st.SessionByToken(ctx, impS.Session.Token); err == nil {
		t.Error("revoke-user-session left the session")
	}
	if _, _, err := r.st.SessionByToken(ctx, targetS.Session.Token); err == nil {
		t.Error("ban-user left the user's session")
	}
	if _, err := r.lookup(targetC); err == nil {
		t.Error("the banned user's cookie still has a session")
	}
	if list, _ := r.st.ListSessions(ctx, plain.ID, r.m.Now()); len(list) != 0 {
		t.Error("revoke-user-sessions left sessions")
	}
	// A caller whose admin role was taken away is refused at once, though
	// its cache cookie still says admin: the check reads the store.
	if _, err := r.a.SetRole(ctx, root.ID, "user"); err != nil {
		t.Fatal(err)
	}
	if code, body := call("/admin/unban-user", rootC, uid(target.ID)); code != http.StatusForbidden {
		t.Errorf("after the role was taken away: %d %s", code, body)
	}
}
