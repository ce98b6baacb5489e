package cache_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/store"
)

func examplePayload(now time.Time) *cache.Payload {
	return &cache.Payload{
		Session: store.Session{
			ID: "sess-id", Token: "tok", UserID: "user-id",
			ExpiresAt: now.Add(7 * 24 * time.Hour), CreatedAt: now, UpdatedAt: now,
		},
		User: store.User{
			ID: "user-id", Name: "Ada", Email: "ada@example.com",
			CreatedAt: now, UpdatedAt: now,
		},
		UpdatedAt: now,
		Version:   "1",
		ExpiresAt: now.Add(5 * time.Minute),
	}
}

// NewCompact is Better Auth's default strategy. Pick it when a Better Auth
// deployment shares the cookies: values cross in both directions.
func ExampleNewCompact() {
	now := time.Date(2026, 11, 27, 22, 10, 14, 72e6, time.UTC)
	codec := cache.NewCompact([]byte("current-secret"), []byte("previous-secret"))
	value, err := codec.Encode(examplePayload(now))
	if err != nil {
		panic(err)
	}
	p, err := codec.Decode(value, now.Add(time.Minute))
	fmt.Println(p.User.Name, p.Session.Token, p.ExpiresAt.Format(time.RFC3339), err)

	_, err = codec.Decode(value, now.Add(10*time.Minute))
	fmt.Println(errors.Is(err, cache.ErrExpired))
	// Output:
	// Ada tok 2026-11-27T22:15:14Z <nil>
	// true
}

// NewJWT matches Better Auth's "jwt" strategy.
func ExampleNewJWT() {
	now := time.Date(2026, 11, 27, 22, 10, 14, 0, time.UTC)
	codec := cache.NewJWT([]byte("current-secret"))
	value, _ := codec.Encode(examplePayload(now))
	fmt.Println(strings.HasPrefix(value, "eyJhbGciOiJIUzI1NiJ9."))
	p, err := codec.Decode(value, now)
	fmt.Println(p.User.Email, err)
	// Output:
	// true
	// ada@example.com <nil>
}

// NewJWE matches Better Auth's "jwe" strategy, its default in stateless
// mode. It is the one to pick when the payload must stay confidential.
func ExampleNewJWE() {
	now := time.Date(2026, 11, 27, 22, 10, 14, 0, time.UTC)
	codec := cache.NewJWE([]byte("current-secret"), []byte("previous-secret"))
	value, _ := codec.Encode(examplePayload(now))
	p, err := codec.Decode(value, now)
	fmt.Println(p.User.Name, err)

	_, err = cache.NewJWE([]byte("another-secret")).Decode(value, now)
	fmt.Println(errors.Is(err, cache.ErrInvalid))
	// Output:
	// Ada <nil>
	// true
}

// NewSecureCookie is for Go-only deployments; Better Auth can't read it.
func ExampleNewSecureCookie() {
	now := time.Date(2026, 11, 27, 22, 10, 14, 0, time.UTC)
	codec := cache.NewSecureCookie("app.session_data", []byte("current-secret"))
	value, _ := codec.Encode(examplePayload(now))
	p, err := codec.Decode(value, now)
	fmt.Println(p.User.Name, err)
	// Output: Ada <nil>
}

// Split a value too big for one cookie, then read it back with Join.
func ExampleSplit() {
	attrs := &http.Cookie{Name: "better-auth.session_data", Path: "/", MaxAge: 300,
		HttpOnly: true, SameSite: http.SameSiteLaxMode}
	value := strings.Repeat("x", 9000)
	chunks, err := cache.Split(value, cache.ChunkSize(attrs))
	if err != nil {
		panic(err) // cache.ErrTooManyChunks: skip the cache cookie
	}
	var sent []*http.Cookie
	for i, c := range chunks {
		sent = append(sent, &http.Cookie{Name: cache.ChunkName(attrs.Name, i), Value: c})
	}
	joined, present, ok := cache.Join(sent, attrs.Name)
	fmt.Println(cache.ChunkSize(attrs), len(chunks), joined == value, present, ok)
	// Output: 3977 3 true [better-auth.session_data.0 better-auth.session_data.1 better-auth.session_data.2] true
}

// Join reads the request's cookies; present lists every session_data
// cookie, so stale chunks can be expired.
func ExampleJoin() {
	r, _ := http.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", "better-auth.session_data.1=world; better-auth.session_data.0=hello-; better-auth.session_data.01=ignored")
	value, present, ok := cache.Join(r.Cookies(), "better-auth.session_data")
	fmt.Println(value, present, ok)
	// Output: hello-world [better-auth.session_data.0 better-auth.session_data.1] true
}

// ChunkSize depends on the attributes the chunks are set with.
func ExampleChunkSize() {
	c := &http.Cookie{Name: "__Secure-better-auth.session_data", Path: "/", MaxAge: 300,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	fmt.Println(cache.ChunkSize(c))
	// Output: 3960
}

func ExampleChunkName() {
	fmt.Println(cache.ChunkName("better-auth.session_data", 2))
	// Output: better-auth.session_data.2
}

// WithFields carries additional fields where Better Auth puts them: after
// the core members, before the id. A codec without the declaration still
// reads the cookie and drops them.
func ExampleWithFields() {
	now := time.Date(2026, 11, 27, 22, 10, 14, 72e6, time.UTC)
	fields := store.AdditionalFields{User: []store.Field{{Name: "role", Type: store.FieldString}}}
	codec, err := cache.WithFields(cache.NewJWT([]byte("secret")), fields)
	if err != nil {
		panic(err)
	}
	p := examplePayload(now)
	p.User.Fields, _ = store.NewFields(fields.User, map[string]any{"role": "admin"})
	value, _ := codec.Encode(p)

	got, err := codec.Decode(value, now)
	fmt.Println(got.User.Fields.String("role"), err)
	plain, err := cache.NewJWT([]byte("secret")).Decode(value, now)
	fmt.Println(plain.User.Fields.Len(), err)
	// Output:
	// admin <nil>
	// 0 <nil>
}
