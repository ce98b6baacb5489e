package postgres_test

import (
	"context"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/postgres"
)

// Open one store per process and give it to the Manager; every instance of
// the service opens the same database. (Not run: it needs a server.)
func ExampleOpen() {
	ctx := context.Background()
	s, err := postgres.Open(ctx, os.Getenv("DATABASE_URL"), postgres.Options{
		SweepInterval: 10 * time.Minute, // every instance sweeps; SKIP LOCKED keeps them apart
		Logger:        slog.Default(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close() // the Manager does not close a Store it was given

	auth, err := sessionkit.New(sessionkit.Config{Secret: os.Getenv("AUTH_SECRET"), Store: s})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()
	_ = auth
}
