// Package bench compares sessionkit's cookie-cache hit with a floor written
// here and with its peers, scs and gorilla/sessions, side by side in one
// run. It is its own module so the peers never reach sessionkit's go.mod.
package bench

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/gorilla/sessions"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/loadbench"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

const secret = "bench-secret-0123456789abcdefghijklmnopqrstuvwxyz"

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// cacheManager returns a Manager on the memory store with the cookie cache
// on, in the given strategy.
func cacheManager(b *testing.B, strategy string) *sessionkit.Manager {
	b.Helper()
	m, err := sessionkit.New(sessionkit.Config{
		Secret: secret, Store: memory.New(),
		CookieCache: sessionkit.CookieCache{Enabled: true, Strategy: strategy, MaxAge: time.Hour},
		// Quiet: go test prints the binary's stderr amid the results,
		// which breaks benchstat's reading of them.
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// signIn creates a user and signs it in on m, returning the cookies set.
func signIn(b *testing.B, m *sessionkit.Manager, name, email string) []*http.Cookie {
	b.Helper()
	u := store.User{ID: store.NewID(), Name: name, Email: email, CreatedAt: m.Now(), UpdatedAt: m.Now()}
	if err := m.Store().CreateUser(context.Background(), u); err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if _, err := m.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{}); err != nil {
		b.Fatal(err)
	}
	return rec.Result().Cookies()
}

// signedIn returns a Manager with the cookie cache on, and the Cookie
// header of a signed-in user.
func signedIn(b *testing.B, strategy string) (*sessionkit.Manager, string) {
	b.Helper()
	m := cacheManager(b, strategy)
	var cookie string
	for _, c := range signIn(b, m, "Ada Lovelace", "ada@example.com") {
		if cookie != "" {
			cookie += "; "
		}
		cookie += c.Name + "=" + c.Value
	}
	return m, cookie
}

// BenchmarkCacheHit is one authenticated request answered from the cookie
// cache: each sessionkit strategy through middleware.Load, the floor, and
// the peers.
func BenchmarkCacheHit(b *testing.B) {
	for _, strategy := range []string{"compact", "jwt", "jwe", "securecookie"} {
		b.Run("sessionkit-"+strategy, func(b *testing.B) {
			m, cookie := signedIn(b, strategy)
			var ok bool
			h := middleware.Load(m)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, ok = sessionkit.FromContext(r.Context())
			}))
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Cookie", cookie)
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(w, req)
				if !ok {
					b.Fatal("no session")
				}
			}
		})
	}
	b.Run("floor", benchFloor)
	b.Run("scs-memstore", benchSCS)
	b.Run("gorilla-cookiestore", benchGorilla)
}

// BenchmarkCacheHitRotating is BenchmarkCacheHit with requests rotating
// over the cookies of 1,024 signed-in users, as loadgen sends them: every
// request a memo hit, on memory that 1,023 other requests have used since.
// It reports cpu-ns/op, the process's CPU time per request, beside ns/op.
func BenchmarkCacheHitRotating(b *testing.B) {
	for _, strategy := range []string{"compact", "jwe"} {
		b.Run("sessionkit-"+strategy, func(b *testing.B) {
			m := cacheManager(b, strategy)
			const users = 1024
			reqs := make([]*http.Request, users)
			for i := range reqs {
				reqs[i] = httptest.NewRequest("GET", "/", nil)
				for _, c := range signIn(b, m, "Ada Lovelace "+strconv.Itoa(i), "ada"+strconv.Itoa(i)+"@example.com") {
					reqs[i].AddCookie(c)
				}
			}
			var ok bool
			h := middleware.Load(m)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, ok = sessionkit.FromContext(r.Context())
			}))
			w := &discard{h: http.Header{}}
			for _, r := range reqs { // every value remembered
				h.ServeHTTP(w, r)
			}
			b.ReportAllocs()
			i := 0
			cpu := loadbench.CPU(b)
			for b.Loop() {
				h.ServeHTTP(w, reqs[i%users])
				if !ok {
					b.Fatal("no session")
				}
				i++
			}
			loadbench.ReportCPU(b, cpu)
		})
	}
}

// floorPayload is the shape the floor decodes: the same session and user.
type floorPayload struct {
	Session struct {
		Session struct {
			ID, Token, UserID, IPAddress, UserAgent string
			ExpiresAt, CreatedAt, UpdatedAt         time.Time
		} `json:"session"`
		User struct {
			ID, Name, Email      string
			EmailVerified        bool
			Image                *string
			CreatedAt, UpdatedAt time.Time
		} `json:"user"`
		UpdatedAt int64  `json:"updatedAt"`
		Version   string `json:"version"`
	} `json:"session"`
	ExpiresAt int64  `json:"expiresAt"`
	Signature string `json:"signature"`
}

type floorKey struct{}

// benchFloor is the least a signed JSON cookie costs: base64url decode,
// HMAC-SHA256 over the payload, encoding/json into a struct, and a
// context put, on the cookie sessionkit's compact strategy writes.
func benchFloor(b *testing.B) {
	_, cookie := signedIn(b, "compact")
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", cookie)
	c, err := req.Cookie("better-auth.session_data")
	if err != nil {
		b.Fatal(err)
	}
	key := []byte(secret)
	b.ReportAllocs()
	for b.Loop() {
		raw, err := base64.RawURLEncoding.DecodeString(c.Value)
		if err != nil {
			b.Fatal(err)
		}
		mac := hmac.New(sha256.New, key)
		mac.Write(raw)
		_ = mac.Sum(nil)
		var p floorPayload
		if err := json.Unmarshal(raw, &p); err != nil {
			b.Fatal(err)
		}
		r := req.WithContext(context.WithValue(req.Context(), floorKey{}, &p))
		if r.Context().Value(floorKey{}) == nil {
			b.Fatal("no payload")
		}
	}
}

// benchSCS is scs's LoadAndSave with its in-memory store, reading one value.
func benchSCS(b *testing.B) {
	sm := scs.New()
	sm.Store = memstore.New()
	var cookie string
	put := sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sm.Put(r.Context(), "userID", "user-123")
	}))
	rec := httptest.NewRecorder()
	put.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	for _, c := range rec.Result().Cookies() {
		cookie = c.Name + "=" + c.Value
	}
	var got string
	h := sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = sm.GetString(r.Context(), "userID")
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", cookie)
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
		if got != "user-123" {
			b.Fatal("no session")
		}
	}
}

// benchGorilla is gorilla/sessions' CookieStore reading one value.
func benchGorilla(b *testing.B) {
	cs := sessions.NewCookieStore([]byte(secret))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	s, _ := cs.Get(req, "session")
	s.Values["userID"] = "user-123"
	if err := s.Save(req, rec); err != nil {
		b.Fatal(err)
	}
	cookie := rec.Result().Cookies()[0]
	req = httptest.NewRequest("GET", "/", nil)
	req.AddCookie(cookie)
	b.ReportAllocs()
	for b.Loop() {
		s, err := cs.New(req, "session") // New: no per-request registry
		if err != nil || s.Values["userID"] != "user-123" {
			b.Fatal("no session", err)
		}
	}
}
