package secondary_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/alexedwards/scs/goredisstore"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/postgres"
	"github.com/sessionkit/sessionkit/store/secondary"
)

// Redis in front of PostgreSQL, sharing keys with a Better Auth app that
// has the same secondaryStorage: no key prefix. StoreSessionInDatabase
// keeps every session in PostgreSQL too, which then answers when Redis is
// unreachable or has lost a key. (Not run: it needs the servers.)
func ExampleNew_redis() {
	ctx := context.Background()
	db, err := postgres.Open(ctx, os.Getenv("DATABASE_URL"), postgres.Options{})
	if err != nil {
		log.Fatal(err)
	}
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()
	s, err := secondary.New(goredisstore.NewWithPrefix(client, ""), secondary.Options{
		Primary:                db, // closed by s.Close
		StoreSessionInDatabase: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
}

// Sessions in Redis alone, as Better Auth's default, with the cookie cache
// on: the RedisNotifier tells every instance which sessions were revoked,
// so none serves a revoked session from its cache for more than half a
// second. Better Auth's own revocations are seen where Redis sends key
// deletion events (notify-keyspace-events with E and g). (Not run: it
// needs the server.)
func ExampleNewRedisNotifier() {
	ctx := context.Background()
	db, err := postgres.Open(ctx, os.Getenv("DATABASE_URL"), postgres.Options{}) // users
	if err != nil {
		log.Fatal(err)
	}
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()
	s, err := secondary.New(goredisstore.NewWithPrefix(client, ""), secondary.Options{
		Primary:  db,
		Notifier: secondary.NewRedisNotifier(client, secondary.RedisNotifierOptions{}),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	// sessionkit.New(sessionkit.Config{Store: s, CookieCache: …}) subscribes.
}

// Any scs store works; without a Primary, users live in process memory,
// which suits tests and demos.
func ExampleNew_memstore() {
	s, err := secondary.New(memstore.NewWithCleanupInterval(0), secondary.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := store.Truncate(time.Now())
	u := store.User{ID: store.NewID(), Name: "Ada", Email: "ada@example.com", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateUser(ctx, u); err != nil {
		log.Fatal(err)
	}
	ss := store.Session{ID: store.NewID(), Token: store.NewID(), UserID: u.ID, ExpiresAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now}
	if err := s.CreateSession(ctx, ss); err != nil {
		log.Fatal(err)
	}
	_, owner, err := s.SessionByToken(ctx, ss.Token)
	fmt.Println(owner.Email, err)
	// Output: ada@example.com <nil>
}
