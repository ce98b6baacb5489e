package admin_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/admin"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

const secret = "admin-test-secret-0123456789abcdefghijklmnop"

var appFields = store.AdditionalFields{User: []store.Field{{Name: "plan", Type: store.FieldString}}}

// failingStore fails DeleteUserSessions while fail is set.
type failingStore struct {
	*memory.Store
	fail, failUpdate atomic.Bool
}

var errDown = errors.New("store down")

func (f *failingStore) DeleteUserSessions(ctx context.Context, userID string) error {
	if f.fail.Load() {
		return errDown
	}
	return f.Store.DeleteUserSessions(ctx, userID)
}

func (f *failingStore) UpdateUserFields(ctx context.Context, id string, set map[string]any, at time.Time) (store.User, error) {
	if f.failUpdate.Load() {
		return store.User{}, errDown
	}
	return f.Store.UpdateUserFields(ctx, id, set, at)
}

func (f *failingStore) Unwrap() store.Store { return f.Store }

type rig struct {
	t     *testing.T
	m     *sessionkit.Manager
	a     *admin.Admin
	st    *failingStore
	now   atomic.Int64
	cache bool
}

func newRig(t *testing.T, cache bool, rules bool) *rig {
	t.Helper()
	opts := admin.Options{}
	fields := opts.Fields(appFields)
	ms, err := memory.NewWith(memory.Options{Fields: fields})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, st: &failingStore{Store: ms}, cache: cache}
	r.now.Store(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC).UnixMilli())
	cfg := sessionkit.Config{Secret: secret, Store: r.st, Fields: fields, Now: func() time.Time { return time.UnixMilli(r.now.Load()) }}
	if rules {
		cfg.Rules = []sessionkit.Rule{opts.Rule()}
	}
	if cache {
		cfg.CookieCache = sessionkit.CookieCache{Enabled: true}
	}
	r.m, err = sessionkit.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.m.Close() })
	if r.a, err = admin.New(r.m, opts); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) user(email string) store.User {
	r.t.Helper()
	now := r.m.Now()
	u := store.User{ID: store.NewID(), Email: email, CreatedAt: now, UpdatedAt: now}
	if err := r.m.Store().CreateUser(context.Background(), u); err != nil {
		r.t.Fatal(err)
	}
	got, err := r.m.Store().UserByID(context.Background(), u.ID)
	if err != nil {
		r.t.Fatal(err)
	}
	return got
}

func (r *rig) signIn(userID string, opts sessionkit.SignInOptions) (string, *sessionkit.Session, error) {
	rec := httptest.NewRecorder()
	s, err := r.m.SignIn(rec, httptest.NewRequest("POST", "/", nil), userID, opts)
	var parts []string
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge >= 0 && c.Value != "" {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	return strings.Join(parts, "; "), s, err
}

func (r *rig) lookup(cookie string) (*sessionkit.Session, error) {
	l, err := r.m.LookupHeader(context.Background(), http.Header{"Cookie": {cookie}}, sessionkit.LookupOptions{})
	if err != nil {
		return nil, err
	}
	return l.Found, nil
}

func (r *rig) setFields(userID string, set map[string]any) {
	r.t.Helper()
	if _, err := r.st.UpdateUserFields(context.Background(), userID, set, r.m.Now()); err != nil {
		r.t.Fatal(err)
	}
}

// TestFieldsInBetterAuthOrder: the plugin's fields come first, then the
// app's, with Better Auth's types; a new user gets the default role and
// banned false, and no field is settable by clients.
func TestFieldsInBetterAuthOrder(t *testing.T) {
	t.Parallel()
	f := admin.Options{DefaultRole: "member"}.Fields(appFields)
	var names []string
	for _, d := range f.User {
		names = append(names, d.Name+":"+string(d.Type))
		if d.Input || d.Required {
			t.Errorf("%s: Input %v Required %v, want both false (Better Auth: input false, required false)", d.Name, d.Input, d.Required)
		}
	}
	if got := strings.Join(names, " "); got != "role:string banned:boolean banReason:string banExpires:date plan:string" {
		t.Errorf("user fields = %s", got)
	}
	if len(f.Session) != 1 || f.Session[0].Name != "impersonatedBy" {
		t.Errorf("session fields = %v", f.Session)
	}
	r := newRig(t, false, true)
	u := r.user("new@example.com")
	if u.Fields.String("role") != "user" || u.Fields.Bool("banned") {
		t.Errorf("new user fields = %v, want role user, banned false", u.Fields.Map())
	}
	if v, ok := u.Fields.Lookup("banned"); !ok || v != false {
		t.Errorf("banned = %v %v, want stored false", v, ok)
	}
}

// TestNewRefusesManagerWithoutFields: Admin needs the plugin's fields.
func TestNewRefusesManagerWithoutFields(t *testing.T) {
	t.Parallel()
	ms, _ := memory.NewWith(memory.Options{Fields: appFields})
	m, err := sessionkit.New(sessionkit.Config{Secret: secret, Store: ms})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := admin.New(m, admin.Options{}); !errors.Is(err, admin.ErrNotDeclared) {
		t.Errorf("New = %v, want ErrNotDeclared", err)
	}
}

// TestBannedUserCannotSignIn: SignIn (every sign-in path) refuses a banned
// user with Better Auth's code and message, and stores nothing.
func TestBannedUserCannotSignIn(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, true)
	u := r.user("banned@example.com")
	r.setFields(u.ID, map[string]any{"banned": true, "banReason": "spam"})
	_, _, err := r.signIn(u.ID, sessionkit.SignInOptions{})
	var re *sessionkit.RefusedError
	if !errors.Is(err, sessionkit.ErrSessionRefused) || !errors.As(err, &re) || re.Code != "BANNED_USER" || re.Message != admin.DefaultBannedUserMessage {
		t.Fatalf("SignIn = %v, want BANNED_USER", err)
	}
	if list, _ := r.st.ListSessions(context.Background(), u.ID, r.m.Now()); len(list) != 0 {
		t.Errorf("%d sessions stored for a banned user", len(list))
	}
	// A ban with a future expiry holds too.
	r.setFields(u.ID, map[string]any{"banExpires": r.m.Now().Add(time.Hour)})
	if _, _, err := r.signIn(u.ID, sessionkit.SignInOptions{}); !errors.Is(err, sessionkit.ErrSessionRefused) {
		t.Errorf("SignIn with a ban expiring in an hour = %v, want refused", err)
	}
}

// TestBannedUserJSONSignIn: Better Auth's sign-in/email answers a banned
// user 403 {"message":…,"code":"BANNED_USER"}.
func TestBannedUserJSONSignIn(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, true)
	acc, err := account.New(r.m, account.Config{RateLimit: account.RateLimit{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := acc.CreateUser(context.Background(), "Eve", "eve@example.com", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	r.setFields(u.ID, map[string]any{"banned": true})
	req := httptest.NewRequest("POST", "/api/auth/sign-in/email", strings.NewReader(`{"email":"eve@example.com","password":"correct horse battery"}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	acc.Handler().ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Body)
	want := `{"message":"` + admin.DefaultBannedUserMessage + `","code":"BANNED_USER"}`
	if rec.Code != http.StatusForbidden || strings.TrimSpace(string(body)) != want || len(rec.Result().Cookies()) != 0 {
		t.Errorf("sign-in = %d %s, cookies %v; want 403 %s and no cookie", rec.Code, body, rec.Result().Cookies(), want)
	}
}

// TestExpiredBanLifted: a ban whose banExpires has passed is lifted in the
// store at sign-in (banned false, reason and expiry null), as Better Auth
// does, and the session is created.
func TestExpiredBanLifted(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, true)
	u := r.user("lifted@example.com")
	r.setFields(u.ID, map[string]any{"banned": true, "banReason": "spam", "banExpires": r.m.Now().Add(-time.Second)})
	_, s, err := r.signIn(u.ID, sessionkit.SignInOptions{})
	if err != nil {
		t.Fatalf("SignIn after the ban expired = %v", err)
	}
	if s.User.Fields.Bool("banned") {
		t.Errorf("SignIn's user still banned: %v", s.User.Fields.Map())
	}
	got, _ := r.st.UserByID(context.Background(), u.ID)
	if _, ok := got.Fields.Lookup("banReason"); ok || got.Fields.Bool("banned") || !got.Fields.Time("banExpires").IsZero() {
		t.Errorf("stored user after lift = %v, want banned false, banReason and banExpires null", got.Fields.Map())
	}
}

// TestExpiredBanLiftFailsClosed: when lifting an expired ban fails in the
// store, SignIn fails with the store's error (503, not 403) and creates
// nothing; the user can retry.
func TestExpiredBanLiftFailsClosed(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, true)
	u := r.user("liftfail@example.com")
	r.setFields(u.ID, map[string]any{"banned": true, "banExpires": r.m.Now().Add(-time.Second)})
	r.st.failUpdate.Store(true)
	_, _, err := r.signIn(u.ID, sessionkit.SignInOptions{})
	if !errors.Is(err, errDown) || errors.Is(err, sessionkit.ErrSessionRefused) {
		t.Fatalf("SignIn = %v, want the store's error, not a refusal", err)
	}
	if list, _ := r.st.ListSessions(context.Background(), u.ID, r.m.Now()); len(list) != 0 {
		t.Errorf("%d sessions stored", len(list))
	}
	r.st.failUpdate.Store(false)
	if _, _, err := r.signIn(u.ID, sessionkit.SignInOptions{}); err != nil {
		t.Errorf("retry: %v", err)
	}
}

// TestBanRevokesSessions: Ban records the ban and revokes every session;
// the holder's next request has no session, with the cache on too.
func TestBanRevokesSessions(t *testing.T) {
	t.Parallel()
	for _, cache := range []bool{false, true} {
		r := newRig(t, cache, true)
		u := r.user("ban@example.com")
		cookie, _, err := r.signIn(u.ID, sessionkit.SignInOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if s, err := r.lookup(cookie); err != nil || s == nil {
			t.Fatalf("lookup before ban = %v %v", s, err)
		}
		banned, err := r.a.Ban(context.Background(), u.ID, "", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !banned.Fields.Bool("banned") || banned.Fields.String("banReason") != "No reason" || !banned.Fields.Time("banExpires").Equal(r.m.Now().Add(time.Hour)) {
			t.Errorf("banned user = %v", banned.Fields.Map())
		}
		if list, _ := r.st.ListSessions(context.Background(), u.ID, r.m.Now()); len(list) != 0 {
			t.Errorf("cache %v: %d sessions left after Ban", cache, len(list))
		}
		deadline := time.Now().Add(3 * time.Second)
		for {
			_, err := r.lookup(cookie)
			if errors.Is(err, sessionkit.ErrNoSession) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("cache %v: lookup after Ban = %v, want no session", cache, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := r.a.Unban(context.Background(), u.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := r.signIn(u.ID, sessionkit.SignInOptions{}); err != nil {
			t.Errorf("SignIn after Unban = %v", err)
		}
	}
}

// TestBanFailsClosed: when revoking fails, Ban errors and the ban stays:
// no new session, and the old one is refused when read from the store.
func TestBanFailsClosed(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, true)
	u := r.user("fail@example.com")
	cookie, _, err := r.signIn(u.ID, sessionkit.SignInOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r.st.fail.Store(true)
	if _, err := r.a.Ban(context.Background(), u.ID, "abuse", 0); !errors.Is(err, admin.ErrRevoke) || !errors.Is(err, errDown) {
		t.Fatalf("Ban with a failing store = %v, want ErrRevoke wrapping the store's error", err)
	}
	got, _ := r.st.UserByID(context.Background(), u.ID)
	if !got.Fields.Bool("banned") {
		t.Error("the ban was not kept after the revocation failed")
	}
	if _, err := r.lookup(cookie); !errors.Is(err, sessionkit.ErrNoSession) {
		t.Errorf("lookup of a banned user's surviving session = %v, want no session", err)
	}
	if _, _, err := r.signIn(u.ID, sessionkit.SignInOptions{}); !errors.Is(err, sessionkit.ErrSessionRefused) {
		t.Errorf("SignIn = %v, want refused", err)
	}
}

// TestBanWrittenElsewhere: a ban written to the shared database by
// another app (Better Auth's ban-user) is enforced: a session whose user
// reads as banned is refused, and its deletion reaches cached sessions
// through the revocation feed.
func TestBanWrittenElsewhere(t *testing.T) {
	t.Parallel()
	t.Run("store read", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, false, true)
		u := r.user("elsewhere@example.com")
		cookie, _, _ := r.signIn(u.ID, sessionkit.SignInOptions{})
		r.setFields(u.ID, map[string]any{"banned": true}) // no revocation
		if _, err := r.lookup(cookie); !errors.Is(err, sessionkit.ErrNoSession) {
			t.Errorf("lookup = %v, want no session", err)
		}
		r.setFields(u.ID, map[string]any{"banExpires": r.m.Now().Add(-time.Minute)})
		if s, err := r.lookup(cookie); err != nil || s == nil {
			t.Errorf("lookup after the ban expired = %v, want the session", err)
		}
	})
	t.Run("cache and feed", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, true, true)
		u := r.user("feed@example.com")
		cookie, _, _ := r.signIn(u.ID, sessionkit.SignInOptions{})
		r.setFields(u.ID, map[string]any{"banned": true})
		if err := r.st.Store.DeleteUserSessions(context.Background(), u.ID); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(3 * time.Second)
		for {
			if _, err := r.lookup(cookie); errors.Is(err, sessionkit.ErrNoSession) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("a cached session of a user banned elsewhere is still answered")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	t.Run("without the rule", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, false, false)
		u := r.user("norule@example.com")
		cookie, _, _ := r.signIn(u.ID, sessionkit.SignInOptions{})
		r.setFields(u.ID, map[string]any{"banned": true})
		if s, err := r.lookup(cookie); err != nil || s == nil {
			t.Errorf("without Rule the session should pass (control): %v", err)
		}
	})
}

// TestRolesAndImpersonation: SetRole stores roles comma-separated, read
// back by Session.Role/HasRole and IsAdmin; list-sessions hides an
// impersonated session, which ImpersonatedBy names.
func TestRolesAndImpersonation(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, true)
	u := r.user("roles@example.com")
	adm := r.user("admin@example.com")
	if _, err := r.a.SetRole(context.Background(), u.ID, "admin", "user"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]string{nil, {""}, {"a,b"}} {
		if _, err := r.a.SetRole(context.Background(), u.ID, bad...); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("SetRole(%q) = %v, want ErrInvalid", bad, err)
		}
	}
	cookie, _, _ := r.signIn(u.ID, sessionkit.SignInOptions{})
	s, err := r.lookup(cookie)
	if err != nil {
		t.Fatal(err)
	}
	if s.Role() != "admin,user" || !s.HasRole("admin") || !s.HasRole("user") || s.HasRole("adm") || !r.a.IsAdmin(s) {
		t.Errorf("Role %q HasRole(admin) %v IsAdmin %v", s.Role(), s.HasRole("admin"), r.a.IsAdmin(s))
	}
	_, imp, err := r.signIn(u.ID, sessionkit.SignInOptions{SessionFields: map[string]any{"impersonatedBy": adm.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if imp.ImpersonatedBy() != adm.ID || s.ImpersonatedBy() != "" {
		t.Errorf("ImpersonatedBy = %q / %q", imp.ImpersonatedBy(), s.ImpersonatedBy())
	}
	plain := r.user("plain@example.com")
	r.setFields(plain.ID, map[string]any{"role": nil})
	pc, _, _ := r.signIn(plain.ID, sessionkit.SignInOptions{})
	if ps, err := r.lookup(pc); err != nil || r.a.IsAdmin(ps) || ps.Role() != "" {
		t.Errorf("a user with a null role: IsAdmin true or %v", err)
	}
	list, err := r.m.ListSessions(context.Background(), u.ID)
	if err != nil || len(list) != 1 || list[0].ID != s.Session.ID {
		t.Errorf("ListSessions = %d sessions (%v), want the one not impersonated", len(list), err)
	}
	if all, _ := r.st.ListSessions(context.Background(), u.ID, r.m.Now()); len(all) != 2 {
		t.Errorf("store has %d sessions, want 2", len(all))
	}
}
