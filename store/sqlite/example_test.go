package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

// Open is enough for most services: pass the same file as the Better Auth app
// (or a new one) and use the store.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "sessionkit-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := sqlite.Open(filepath.Join(dir, "auth.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	ctx := context.Background()
	now := store.Truncate(time.Now())
	u := store.User{ID: store.NewID(), Name: "Ada", Email: "Ada@Example.com", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateUser(ctx, u); err != nil {
		log.Fatal(err)
	}
	ss := store.Session{
		ID: store.NewID(), Token: store.NewID(), UserID: u.ID,
		ExpiresAt: now.Add(7 * 24 * time.Hour), CreatedAt: now, UpdatedAt: now,
	}
	if err := s.CreateSession(ctx, ss); err != nil {
		log.Fatal(err)
	}

	got, owner, err := s.SessionByToken(ctx, ss.Token)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(owner.Email, got.Expired(now))
	// Output: ada@example.com false
}

// OpenWith tunes the expired-session sweeper, for example to sweep more
// often on a busy site, or to turn it off when Better Auth already cleans up.
func ExampleOpenWith() {
	dir, err := os.MkdirTemp("", "sessionkit-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := sqlite.OpenWith(filepath.Join(dir, "auth.db"), sqlite.Options{
		SweepInterval: 10 * time.Minute,
		SweepBatch:    1000,
		Logger:        slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	var mode string
	if err := s.DB().QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		log.Fatal(err)
	}
	fmt.Println(mode)
	// Output: wal
}

// A database whose Better Auth app renames its tables and columns (here
// Drizzle's usePlural and snake_case) opens with the same names in
// Options.Schema; a misspelt column is an error at Open.
func ExampleOpenWith_schema() {
	dir, err := os.MkdirTemp("", "sessionkit-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	schema := store.Schema{
		UsePlural: true, // users, sessions, accounts, verifications
		User:      store.Model{Fields: map[string]string{"emailVerified": "email_verified", "createdAt": "created_at", "updatedAt": "updated_at"}},
		Session: store.Model{Fields: map[string]string{"expiresAt": "expires_at", "createdAt": "created_at", "updatedAt": "updated_at",
			"ipAddress": "ip_address", "userAgent": "user_agent", "userId": "user_id"}},
		Account: store.Model{Fields: map[string]string{"accountId": "account_id", "providerId": "provider_id", "userId": "user_id",
			"accessToken": "access_token", "refreshToken": "refresh_token", "idToken": "id_token",
			"accessTokenExpiresAt": "access_token_expires_at", "refreshTokenExpiresAt": "refresh_token_expires_at",
			"createdAt": "created_at", "updatedAt": "updated_at"}},
		Verification: store.Model{Fields: map[string]string{"expiresAt": "expires_at", "createdAt": "created_at", "updatedAt": "updated_at"}},
	}
	path := filepath.Join(dir, "auth.db")
	s, err := sqlite.OpenWith(path, sqlite.Options{Schema: schema})
	if err != nil {
		log.Fatal(err)
	}
	t := s.Tables()
	fmt.Println(t.Session.Name, t.Session.Col("userId"))
	s.Close()

	schema.Session.Fields["expiresAt"] = "expires"
	_, err = sqlite.OpenWith(path, sqlite.Options{Schema: schema})
	fmt.Println(errors.Is(err, store.ErrSchema))
	// Output:
	// sessions user_id
	// true
}
