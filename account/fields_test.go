package account_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

var apiFields = store.AdditionalFields{
	User: []store.Field{
		{Name: "role", Type: store.FieldString, Required: true, Default: "user"}, // input: false
		{Name: "plan", Type: store.FieldString, Input: true},
		{Name: "seats", Type: store.FieldNumber, Input: true},
		{Name: "banned", Type: store.FieldBoolean}, // input: false, no default
		{Name: "tenantId", Type: store.FieldString, Required: true, Input: true},
	},
	Session: []store.Field{{Name: "device", Type: store.FieldString, Default: "web"}},
}

func newFieldsEnv(t *testing.T) *apiEnv {
	t.Helper()
	mem, err := memory.NewWith(memory.Options{Fields: apiFields})
	if err != nil {
		t.Fatal(err)
	}
	return newAPIEnv(t, sessionkit.Config{Store: &apiStore{Store: mem}, CookieCache: sessionkit.CookieCache{Enabled: true}}, account.Config{})
}

// TestHandlerFields: sign-up and update-user take the fields clients may
// set, refuse the others with Better Auth's errors, and get-session answers
// every field before the id.
func TestHandlerFields(t *testing.T) {
	t.Parallel()
	e := newFieldsEnv(t)
	c := e.client()
	for _, tc := range []struct {
		body, want string
		status     int
	}{
		{`{"name":"A","email":"a@example.com","password":"password123","plan":"pro","banned":true,"tenantId":"t"}`,
			`{"code":"FIELD_NOT_ALLOWED","message":"banned is not allowed to be set"}`, 400},
		{`{"name":"A","email":"a@example.com","password":"password123","plan":"pro"}`,
			`{"code":"MISSING_FIELD","message":"tenantId is required"}`, 400},
		{`{"name":"A","email":"a@example.com","password":"password123","seats":"3","tenantId":"t"}`,
			`"code":"VALIDATION_ERROR"`, 400},
	} {
		r := c.post("/sign-up/email", tc.body)
		if r.status != tc.status || !strings.Contains(compactJSON(r.body), strings.Trim(tc.want, "{}")) {
			t.Errorf("sign-up %s: %d %s, want %d %s", tc.body, r.status, r.body, tc.status, tc.want)
		}
	}
	if n := e.st.writes.Load(); n != 0 {
		t.Errorf("refused sign-ups wrote %d times", n)
	}
	// role: input false with a default takes the default whatever was
	// sent; banned: false is falsy, so ignored.
	r := c.post("/sign-up/email", `{"name":"A","email":"a@example.com","password":"password123","plan":"pro","seats":3,"role":"admin","banned":false,"tenantId":"t-1","other":1}`)
	if r.status != 200 {
		t.Fatalf("sign-up: %d %s", r.status, r.body)
	}
	const userFields = `"role":"user","plan":"pro","seats":3,"banned":null,"tenantId":"t-1","id":"`
	if !strings.Contains(r.body, `"updatedAt":"`) || !strings.Contains(r.body, userFields) {
		t.Errorf("sign-up user: %s\nwant %s", r.body, userFields)
	}
	g := c.get("/get-session")
	if !strings.Contains(g.body, userFields) || !strings.Contains(g.body, `"userId":"`) || !strings.Contains(g.body, `"device":"web","id":"`) {
		t.Errorf("get-session: %s", g.body)
	}
	if l := c.get("/list-sessions"); l.status != 200 || !strings.Contains(l.body, `"device":"web","id":"`) {
		t.Errorf("list-sessions: %d %s", l.status, l.body)
	}

	for _, tc := range []struct{ body, want string }{
		{`{"role":"admin"}`, `{"code":"FIELD_NOT_ALLOWED","message":"role is not allowed to be set"}`},
		{`{"banned":true}`, `{"code":"FIELD_NOT_ALLOWED","message":"banned is not allowed to be set"}`},
		{`{"other":1,"banned":0}`, `{"message":"No fields to update"}`},
		{`{"seats":true}`, `"code":"VALIDATION_ERROR"`},
	} {
		r := c.post("/update-user", tc.body)
		if r.status != 400 || !strings.Contains(compactJSON(r.body), strings.Trim(tc.want, "{}")) {
			t.Errorf("update-user %s: %d %s, want %s", tc.body, r.status, r.body, tc.want)
		}
	}
	if r := c.post("/update-user", `{"plan":"team","seats":null}`); r.status != 200 {
		t.Fatalf("update-user: %d %s", r.status, r.body)
	}
	// The cache cookie was re-minted: get-session answers from it.
	g = c.get("/get-session")
	if !strings.Contains(g.body, `"role":"user","plan":"team","seats":null,"banned":null,"tenantId":"t-1"`) {
		t.Errorf("get-session after update-user: %s", g.body)
	}
}

func compactJSON(s string) string {
	// Error bodies are Better Auth's: message then code, or code then
	// message; compare members, whatever the order.
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, `{"message":`) && strings.Contains(s, `,"code":`) {
		i := strings.Index(s, `,"code":`)
		return `{` + s[i+1:len(s)-1] + `,` + s[1:i] + `}`
	}
	return s
}

// TestAccountsFields: Go code sets any declared field (Input or not);
// required and typed rules still hold.
func TestAccountsFields(t *testing.T) {
	t.Parallel()
	e := newFieldsEnv(t)
	ctx := context.Background()
	u, err := e.a.CreateUserWith(ctx, account.NewUser{Name: "B", Email: "b@example.com", Fields: map[string]any{"role": "admin", "banned": true, "tenantId": "t"}})
	if err != nil {
		t.Fatal(err)
	}
	if u.Fields.String("role") != "admin" || !u.Fields.Bool("banned") {
		t.Errorf("fields = %v", u.Fields.Map())
	}
	var in *account.InputError
	if _, err := e.a.CreateUserWith(ctx, account.NewUser{Email: "c@example.com"}); !errors.As(err, &in) || in.Code != account.CodeMissingField {
		t.Errorf("without tenantId: %v", err)
	}
	if _, err := e.a.CreateUserWith(ctx, account.NewUser{Email: "c@example.com", Fields: map[string]any{"tenantId": 1}}); !errors.As(err, &in) || in.Code != account.CodeValidation {
		t.Errorf("a number tenantId: %v", err)
	}
	up, err := e.a.UpdateUser(ctx, u.ID, account.UserUpdate{Fields: map[string]any{"banned": false, "seats": 2}})
	if err != nil || up.Fields.Bool("banned") || up.Fields.Int("seats") != 2 {
		t.Errorf("UpdateUser = %v, %v", up.Fields.Map(), err)
	}
	if _, err := e.a.UpdateUser(ctx, u.ID, account.UserUpdate{Fields: map[string]any{"nope": 1}}); !errors.As(err, &in) {
		t.Errorf("an undeclared field: %v", err)
	}
	if _, err := e.a.UpdateUser(ctx, u.ID, account.UserUpdate{Fields: map[string]any{"tenantId": nil}}); !errors.As(err, &in) || in.Code != account.CodeMissingField {
		t.Errorf("a required field to null: %v", err)
	}
}

// TestHandlerUpdateSession: update-session sets the session fields clients
// may set, answers {session} and re-mints the cache cookie.
func TestHandlerUpdateSession(t *testing.T) {
	t.Parallel()
	mem, err := memory.NewWith(memory.Options{Fields: store.AdditionalFields{Session: []store.Field{
		{Name: "theme", Type: store.FieldString, Input: true},
		{Name: "impersonatedBy", Type: store.FieldString},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	e := newAPIEnv(t, sessionkit.Config{Store: &apiStore{Store: mem}, CookieCache: sessionkit.CookieCache{Enabled: true}}, account.Config{})
	c := e.client()
	if r := c.post("/sign-up/email", `{"name":"A","email":"a@example.com","password":"password123"}`); r.status != 200 {
		t.Fatalf("sign-up: %d %s", r.status, r.body)
	}
	for _, tc := range []struct{ body, want string }{
		{`{}`, `{"message":"No fields to update"}`},
		{`{"impersonatedBy":"admin"}`, `"code":"FIELD_NOT_ALLOWED"`},
	} {
		if r := c.post("/update-session", tc.body); r.status != 400 || !strings.Contains(r.body, strings.Trim(tc.want, "{}")) {
			t.Errorf("update-session %s: %d %s", tc.body, r.status, r.body)
		}
	}
	r := c.post("/update-session", `{"theme":"dark"}`)
	if r.status != 200 || !strings.Contains(r.body, `"theme":"dark","impersonatedBy":null,"id":"`) || !strings.HasPrefix(r.body, `{"session":{`) {
		t.Fatalf("update-session: %d %s", r.status, r.body)
	}
	if g := c.get("/get-session"); !strings.Contains(g.body, `"theme":"dark"`) {
		t.Errorf("get-session after update-session: %s", g.body)
	}
}
