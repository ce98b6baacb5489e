package sessionkit_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

var testFields = store.AdditionalFields{
	User: []store.Field{
		{Name: "role", Type: store.FieldString, Required: true, Default: "user"},
		{Name: "seats", Type: store.FieldNumber},
	},
	Session: []store.Field{{Name: "tenantId", Type: store.FieldString, Required: true, Default: "default"}},
}

func fieldsStore(t *testing.T, f store.AdditionalFields) *memory.Store {
	t.Helper()
	s, err := memory.NewWith(memory.Options{Fields: f})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestFieldsThroughEveryStrategy: fields set at sign-up and sign-in come
// back from the store and from every cache strategy.
func TestFieldsThroughEveryStrategy(t *testing.T) {
	t.Parallel()
	for _, strategy := range []string{"compact", "jwt", "jwe", "securecookie"} {
		t.Run(strategy, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, sessionkit.Config{
				Store:       fieldsStore(t, testFields),
				CookieCache: sessionkit.CookieCache{Enabled: true, Strategy: strategy},
			})
			ctx := context.Background()
			u := store.User{ID: store.NewID(), Email: strategy + "@example.com", CreatedAt: h.m.Now(), UpdatedAt: h.m.Now()}
			u.Fields, _ = store.NewFields(testFields.User, map[string]any{"role": "admin", "seats": 4})
			if err := h.m.Store().CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			cookie, s := h.signIn(u.ID, sessionkit.SignInOptions{SessionFields: map[string]any{"tenantId": "acme"}})
			if s.Session.Fields.String("tenantId") != "acme" {
				t.Errorf("SignIn's session fields = %v", s.Session.Fields.Map())
			}
			for _, want := range []string{strategy, sessionkit.SourceStore} {
				l, err := h.m.LookupHeader(ctx, http.Header{"Cookie": {cookie}}, sessionkit.LookupOptions{DisableCookieCache: want == sessionkit.SourceStore})
				if err != nil {
					t.Fatal(err)
				}
				f := l.Found
				if f.Source != want || f.User.Fields.String("role") != "admin" || f.User.Fields.Int("seats") != 4 || f.Session.Fields.String("tenantId") != "acme" {
					t.Errorf("%s: source %s, user %v, session %v", want, f.Source, f.User.Fields.Map(), f.Session.Fields.Map())
				}
			}
			// Defaults at sign-in.
			_, s = h.signIn(u.ID, sessionkit.SignInOptions{})
			if s.Session.Fields.String("tenantId") != "default" {
				t.Errorf("default session field = %v", s.Session.Fields.Map())
			}
		})
	}
}

// TestFieldsConfig: New refuses fields a store cannot keep or declares
// otherwise, and takes the store's declaration when Config has none.
func TestFieldsConfig(t *testing.T) {
	t.Parallel()
	type bare struct{ store.Store } // hides every optional ability
	for _, tc := range []struct {
		name string
		cfg  sessionkit.Config
		ok   bool
	}{
		{"store without fields", sessionkit.Config{Store: bare{memory.New()}, Fields: testFields}, false},
		{"other declaration", sessionkit.Config{Store: fieldsStore(t, store.AdditionalFields{User: testFields.User}), Fields: testFields}, false},
		{"invalid", sessionkit.Config{Store: memory.New(), Fields: store.AdditionalFields{User: []store.Field{{Name: "id", Type: store.FieldString}}}}, false},
		{"same", sessionkit.Config{Store: fieldsStore(t, testFields), Fields: testFields}, true},
		{"the store's", sessionkit.Config{Store: fieldsStore(t, testFields)}, true},
	} {
		tc.cfg.Secret = testSecret
		m, err := sessionkit.New(tc.cfg)
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, sessionkit.ErrConfig)) {
			t.Errorf("%s: New: %v", tc.name, err)
		}
		if m != nil {
			if !m.Fields().Equal(testFields) {
				t.Errorf("%s: Fields() = %+v", tc.name, m.Fields())
			}
			m.Close()
		}
	}
}

// TestSignInRequiredSessionField: a required session field without a
// value or default fails the sign-in before anything is stored or set.
func TestSignInRequiredSessionField(t *testing.T) {
	t.Parallel()
	f := store.AdditionalFields{Session: []store.Field{{Name: "device", Type: store.FieldString, Required: true}}}
	h := newHarness(t, sessionkit.Config{Store: fieldsStore(t, f)})
	u := h.user("req@example.com")
	cookie, _ := h.signIn(u.ID, sessionkit.SignInOptions{SessionFields: map[string]any{"device": "phone"}})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/sign-in", nil)
	req.Header.Set("Cookie", cookie)
	for _, fields := range []map[string]any{nil, {"device": 1}, {"other": "x"}} {
		if _, err := h.m.SignIn(rec, req, u.ID, sessionkit.SignInOptions{SessionFields: fields}); !errors.Is(err, store.ErrField) {
			t.Errorf("SignIn with %v: err = %v, want store.ErrField", fields, err)
		}
	}
	if len(rec.Result().Cookies()) != 0 {
		t.Error("a refused sign-in set cookies")
	}
	list, err := h.m.Store().ListSessions(context.Background(), u.ID, h.m.Now())
	if err != nil || len(list) != 1 {
		t.Errorf("sessions after refused sign-ins: %d, %v (want the first one, untouched)", len(list), err)
	}
}

// TestCacheFieldOfWrongType: a cache cookie, validly signed, whose declared
// field has another type (a declaration that differs on the other side) is
// not trusted: the store answers with the row's typed value and a fresh
// cache cookie replaces it.
func TestCacheFieldOfWrongType(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sessionkit.Config{Store: fieldsStore(t, testFields), CookieCache: sessionkit.CookieCache{Enabled: true}})
	ctx := context.Background()
	u := store.User{ID: store.NewID(), Email: "w@example.com", CreatedAt: h.m.Now(), UpdatedAt: h.m.Now()}
	u.Fields, _ = store.NewFields(testFields.User, map[string]any{"seats": 4})
	if err := h.m.Store().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	cookie, _ := h.signIn(u.ID, sessionkit.SignInOptions{})
	_, dataName, _ := h.m.CookieNames()
	right, _ := cache.WithFields(cache.NewCompact([]byte(testSecret)), testFields)
	wrongDecl := store.AdditionalFields{
		User:    []store.Field{testFields.User[0], {Name: "seats", Type: store.FieldString}},
		Session: testFields.Session,
	}
	wrong, _ := cache.WithFields(cache.NewCompact([]byte(testSecret)), wrongDecl)
	var parts []string
	for _, p := range strings.Split(cookie, "; ") {
		name, value, _ := strings.Cut(p, "=")
		if name == dataName {
			pl, err := right.Decode(value, h.m.Now())
			if err != nil {
				t.Fatal(err)
			}
			pl.User.Fields, _ = store.NewFields(wrongDecl.User, map[string]any{"role": "user", "seats": "4"})
			if value, err = wrong.Encode(pl); err != nil {
				t.Fatal(err)
			}
		}
		parts = append(parts, name+"="+value)
	}
	l, err := h.m.LookupHeader(ctx, http.Header{"Cookie": {strings.Join(parts, "; ")}}, sessionkit.LookupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Found.Source != sessionkit.SourceStore || l.Found.User.Fields.Int("seats") != 4 {
		t.Errorf("source %s, fields %v", l.Found.Source, l.Found.User.Fields.Map())
	}
	reminted := false
	for _, c := range l.Cookies {
		reminted = reminted || (c.Name == dataName && c.MaxAge > 0)
	}
	if !reminted {
		t.Error("no fresh cache cookie replaced the refused one")
	}
}
