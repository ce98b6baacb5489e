package routers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store/memory"
)

// clock is a settable time source for the Manager.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// whoami writes the session's user email, or "anonymous".
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if s, ok := sessionkit.FromContext(r.Context()); ok {
		fmt.Fprint(w, s.User.Email)
		return
	}
	fmt.Fprint(w, "anonymous")
})

// routers builds the same app on each router: the middlewares are used
// unchanged.
func routers(m *sessionkit.Manager) map[string]http.Handler {
	requireSession := middleware.RequireSession()
	requirePage := middleware.RequireSessionWithOpts(middleware.RequireSessionOpts{LoginURL: "/login"})
	requireFresh := middleware.RequireFresh(m)
	load := middleware.Load(m)

	std := http.NewServeMux()
	std.Handle("GET /public", whoami)
	std.Handle("GET /dashboard", requireSession(whoami))
	std.Handle("GET /page", requirePage(whoami))
	std.Handle("GET /settings", requireFresh(whoami))

	c := chi.NewRouter()
	c.Use(load)
	c.Get("/public", whoami)
	c.With(requireSession).Get("/dashboard", whoami)
	c.With(requirePage).Get("/page", whoami)
	c.With(requireFresh).Get("/settings", whoami)

	g := mux.NewRouter()
	g.Use(mux.MiddlewareFunc(load))
	g.Handle("/public", whoami).Methods("GET")
	g.Handle("/dashboard", requireSession(whoami)).Methods("GET")
	g.Handle("/page", requirePage(whoami)).Methods("GET")
	g.Handle("/settings", requireFresh(whoami)).Methods("GET")

	return map[string]http.Handler{"ServeMux": load(std), "chi": c, "gorilla/mux": g}
}

// TestMiddlewaresOnEveryRouter runs the same gates on ServeMux, chi and
// gorilla/mux: the middlewares need nothing router-specific.
func TestMiddlewaresOnEveryRouter(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"ServeMux", "chi", "gorilla/mux"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clk := &clock{t: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
			m, err := sessionkit.New(sessionkit.Config{
				Secret: "test-secret-0123456789abcdefghijklmnopqrstuvwxyz",
				Store:  memory.New(),
				Now:    clk.Now,
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { m.Close() })
			app := routers(m)[name]
			accounts, err := account.New(m, account.Config{})
			if err != nil {
				t.Fatal(err)
			}
			u, err := accounts.CreateUser(t.Context(), "Test User", "ada@example.com", "")
			if err != nil {
				t.Fatal(err)
			}
			signIn := httptest.NewRecorder()
			s, err := m.SignIn(signIn, httptest.NewRequest("POST", "/sign-in", nil), u.ID, sessionkit.SignInOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, c := range signIn.Result().Cookies() {
				parts = append(parts, c.Name+"="+c.Value)
			}
			cookie := strings.Join(parts, "; ")

			do := func(path, cookie string, hdr ...string) *httptest.ResponseRecorder {
				req := httptest.NewRequest("GET", path, nil)
				if cookie != "" {
					req.Header.Set("Cookie", cookie)
				}
				for i := 0; i+1 < len(hdr); i += 2 {
					req.Header.Set(hdr[i], hdr[i+1])
				}
				rec := httptest.NewRecorder()
				app.ServeHTTP(rec, req)
				return rec
			}
			check := func(path, cookie string, wantCode int, wantBody string) *httptest.ResponseRecorder {
				t.Helper()
				rec := do(path, cookie)
				if rec.Code != wantCode || strings.TrimSpace(rec.Body.String()) != wantBody {
					t.Fatalf("GET %s: %d %q; want %d %q", path, rec.Code, rec.Body.String(), wantCode, wantBody)
				}
				return rec
			}
			unauthorized := `{"message":"Unauthorized","code":"UNAUTHORIZED"}`
			check("/public", "", 200, "anonymous")
			check("/public", cookie, 200, "ada@example.com")
			rec := check("/dashboard", "", 401, unauthorized)
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Fatalf("401 content type %q", ct)
			}
			check("/dashboard", cookie, 200, "ada@example.com")
			check("/settings", cookie, 200, "ada@example.com")
			check("/settings", "", 401, unauthorized)

			// A page sends browsers to the login form, with the way back.
			rec = do("/page?tab=2", "", "Accept", "text/html,application/xhtml+xml")
			if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login?returnTo=%2Fpage%3Ftab%3D2" {
				t.Fatalf("page redirect: %d %q", rec.Code, rec.Header().Get("Location"))
			}
			check("/page", "", 401, unauthorized) // API callers still get 401

			// A day later the session is no longer fresh, but still valid.
			clk.Advance(24 * time.Hour)
			check("/settings", cookie, 403, `{"message":"Session is not fresh","code":"SESSION_NOT_FRESH"}`)
			check("/dashboard", cookie, 200, "ada@example.com")

			// A revoked session passes no gate.
			if err := m.RevokeSession(t.Context(), u.ID, s.Session.Token); err != nil {
				t.Fatal(err)
			}
			check("/dashboard", cookie, 401, unauthorized)
			check("/settings", cookie, 401, unauthorized)
		})
	}
}
