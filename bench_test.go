package sessionkit_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/loadbench"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

const (
	benchRows     = 100_000
	benchRotating = 1024
)

// benchDB fills a SQLite store with benchRows sessions (100 users) and
// returns it with the tokens of the first benchRotating.
func benchDB(b *testing.B) (*sqlite.Store, []string) {
	b.Helper()
	st, err := sqlite.OpenWith(filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{SweepInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	now := time.Now()
	tx, err := st.DB().Begin()
	if err != nil {
		b.Fatal(err)
	}
	ts := store.FormatTime(now)
	exp := store.FormatTime(now.Add(7 * 24 * time.Hour))
	var users []string
	for i := range 100 {
		id := store.NewID()
		users = append(users, id)
		if _, err := tx.Exec(`INSERT INTO "user" (id, name, email, emailVerified, image, createdAt, updatedAt) VALUES (?,?,?,0,NULL,?,?)`,
			id, "User", fmt.Sprintf("u%d@example.com", i), ts, ts); err != nil {
			b.Fatal(err)
		}
	}
	ins, err := tx.Prepare(`INSERT INTO session (id, expiresAt, token, createdAt, updatedAt, ipAddress, userAgent, userId) VALUES (?,?,?,?,?,?,?,?)`)
	if err != nil {
		b.Fatal(err)
	}
	tokens := make([]string, 0, benchRotating)
	for i := range benchRows {
		tok := store.NewID()
		if len(tokens) < benchRotating {
			tokens = append(tokens, tok)
		}
		if _, err := ins.Exec(store.NewID(), exp, tok, ts, ts, "127.0.0.1", "bench", users[i%len(users)]); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return st, tokens
}

type benchKey struct{}

// BenchmarkLoad compares an authenticated request through middleware.Load
// on the SQLite store with its floor: the same prepared point lookup,
// scanned into the records, plus putting the result into the request's
// context. Run: go test -run '^$' -bench BenchmarkLoad -benchmem .
func BenchmarkLoad(b *testing.B) {
	st, tokens := benchDB(b)

	b.Run("baseline=prepared-lookup+context", func(b *testing.B) {
		// The store's own query text: +col hides the declared "date" type
		// so the driver hands back the text without trying date layouts.
		stmt, err := st.DB().Prepare(`SELECT s.id, +s.expiresAt, s.token, +s.createdAt, +s.updatedAt, s.ipAddress, s.userAgent, s.userId,
			u.id, u.name, u.email, u.emailVerified, u.image, +u.createdAt, +u.updatedAt
			FROM session s JOIN "user" u ON u.id = s.userId WHERE s.token = ?`)
		if err != nil {
			b.Fatal(err)
		}
		defer stmt.Close()
		reqs := make([]*http.Request, len(tokens))
		for i := range reqs {
			reqs[i] = httptest.NewRequest("GET", "/", nil)
		}
		b.ReportAllocs()
		b.ResetTimer()
		cpu := loadbench.CPU(b)
		for i := 0; b.Loop(); i++ {
			r := reqs[i%len(reqs)]
			var s store.Session
			var u store.User
			var exp, created, updated, uc, uu string
			var img sql.NullString
			if err := stmt.QueryRowContext(context.Background(), tokens[i%len(tokens)]).Scan(
				&s.ID, &exp, &s.Token, &created, &updated, &s.IPAddress, &s.UserAgent, &s.UserID,
				&u.ID, &u.Name, &u.Email, &u.EmailVerified, &img, &uc, &uu); err != nil {
				b.Fatal(err)
			}
			s.ExpiresAt, _ = store.ParseTime(exp)
			s.CreatedAt, _ = store.ParseTime(created)
			s.UpdatedAt, _ = store.ParseTime(updated)
			u.CreatedAt, _ = store.ParseTime(uc)
			u.UpdatedAt, _ = store.ParseTime(uu)
			u.Image = img.String
			sess := &sessionkit.Session{Session: s, User: u}
			r = r.WithContext(context.WithValue(r.Context(), benchKey{}, sess))
			if r.Context().Value(benchKey{}) == nil {
				b.Fatal("no session")
			}
		}
		loadbench.ReportCPU(b, cpu)
	})

	b.Run("sessionkit=Load", func(b *testing.B) { loadbench.Run(b, st, tokens) })
}

// noFeed hides the memory store's revocation feed.
type noFeed struct{ store.Store }

// BenchmarkRevocationCheck is a cache hit through middleware.Load with the
// revocation check (a memory store's feed, 1000 other sessions revoked)
// and without it (the same store with its feed hidden), interleaved: six
// rounds of each, alternating, in one run, so machine noise hits both
// alike. Run: go test -run '^$' -bench BenchmarkRevocationCheck -benchmem .
func BenchmarkRevocationCheck(b *testing.B) {
	handlers := map[string]http.Handler{}
	var src string
	for _, feed := range []string{"off", "on"} {
		mem := memory.New()
		var st store.Store = mem
		if feed == "off" {
			st = noFeed{mem}
		}
		m, err := sessionkit.New(sessionkit.Config{Secret: "bench-secret-0123456789abcdefghijklmnopqrstuvwxyz", Store: st,
			CookieCache: sessionkit.CookieCache{Enabled: true}})
		if err != nil {
			b.Fatal(err)
		}
		defer m.Close()
		ctx := context.Background()
		u, err := createUser(ctx, m, "Bench", "bench@example.com")
		if err != nil {
			b.Fatal(err)
		}
		for range 1000 { // revoked sessions of others: the set is not empty
			s, err := m.SignIn(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if err := m.RevokeSession(ctx, u.ID, s.Session.Token); err != nil {
				b.Fatal(err)
			}
		}
		rec := httptest.NewRecorder()
		if _, err := m.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{}); err != nil {
			b.Fatal(err)
		}
		var cookie []string
		for _, c := range rec.Result().Cookies() {
			cookie = append(cookie, c.Name+"="+c.Value)
		}
		h := middleware.Load(m)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if s, ok := sessionkit.FromContext(r.Context()); ok {
				src = s.Source
			}
		}))
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", strings.Join(cookie, "; "))
		handlers[feed] = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { h.ServeHTTP(w, req) })
	}
	for range 6 {
		for _, feed := range []string{"off", "on"} {
			b.Run("feed="+feed, func(b *testing.B) {
				h, w := handlers[feed], httptest.NewRecorder()
				b.ReportAllocs()
				for b.Loop() {
					src = ""
					h.ServeHTTP(w, nil)
					if src == "" || src == sessionkit.SourceStore {
						b.Fatalf("source %q, want a cache hit", src)
					}
				}
			})
		}
	}
}
