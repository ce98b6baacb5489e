package sessionkit_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

// Additional fields declared as the Better Auth app declares them, stored
// by the store, carried in the cache cookie, and read in a handler with
// typed accessors.
func ExampleConfig_fields() {
	fields := store.AdditionalFields{
		User: []store.Field{
			// Better Auth: role: { type: "string", defaultValue: "user", input: false }
			{Name: "role", Type: store.FieldString, Required: true, Default: "user"},
			{Name: "seats", Type: store.FieldNumber, Input: true},
		},
		Session: []store.Field{{Name: "tenantId", Type: store.FieldString}},
	}
	db, err := memory.NewWith(memory.Options{Fields: fields}) // sqlite.Options, postgres.Options alike
	if err != nil {
		log.Fatal(err)
	}
	auth, err := sessionkit.New(sessionkit.Config{
		Secret:      "example-secret-at-least-32-bytes-long!!",
		Store:       db, // Config.Fields defaults to the store's declaration
		CookieCache: sessionkit.CookieCache{Enabled: true},
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	u := store.User{ID: store.NewID(), Name: "Ada", Email: "ada@example.com", CreatedAt: auth.Now(), UpdatedAt: auth.Now()}
	u.Fields, _ = store.NewFields(fields.User, map[string]any{"role": "admin", "seats": 5})
	if err := db.CreateUser(ctx, u); err != nil {
		log.Fatal(err)
	}
	rec := httptest.NewRecorder()
	auth.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{
		SessionFields: map[string]any{"tenantId": "acme"},
	})

	admin := func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromContext(r.Context())
		if s.User.Fields.String("role") != "admin" {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		fmt.Fprintln(w, s.Source, s.User.Fields.Int("seats"), s.Session.Fields.String("tenantId"))
	}
	req := httptest.NewRequest("GET", "/admin", nil)
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	out := httptest.NewRecorder()
	middleware.Load(auth)(middleware.RequireSession()(http.HandlerFunc(admin))).ServeHTTP(out, req)
	fmt.Print(out.Body.String())
	// Output:
	// compact 5 acme
}
