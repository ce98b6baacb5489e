package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/alexedwards/scs/goredisstore"
	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/postgres"
	"github.com/sessionkit/sessionkit/store/secondary"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

// openStore returns the store the flags select, or nil for the Manager's
// default (the SQLite file o.db):
//
//   - -postgres DSN: PostgreSQL, for several instances on one database;
//   - -redis ADDR: Redis secondary storage in front of PostgreSQL (with
//     -postgres) or of the SQLite file, with Better Auth's bare key names.
//     Sessions are written to the database too (StoreSessionInDatabase), so
//     that the database answers while Redis is unreachable or has lost them,
//     unless -redis-only. A RedisNotifier tells every
//     instance of the sessions revoked in Redis alone.
//
// The caller closes the store.
func openStore(o options) (store.Store, error) {
	if o.postgres == "" && o.redis == "" {
		return nil, nil
	}
	var primary store.Store
	if o.postgres != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		pg, err := postgres.Open(ctx, o.postgres, postgres.Options{})
		if err != nil {
			return nil, err
		}
		primary = pg
	} else {
		db, err := sqlite.Open(o.db)
		if err != nil {
			return nil, err
		}
		primary = db
	}
	if o.redis == "" {
		return primary, nil
	}
	ropts := &redis.Options{Addr: o.redis}
	if strings.Contains(o.redis, "://") {
		var err error
		if ropts, err = redis.ParseURL(o.redis); err != nil {
			primary.Close()
			return nil, fmt.Errorf("-redis: %w", err)
		}
	}
	client := redis.NewClient(ropts)
	s, err := secondary.New(goredisstore.NewWithPrefix(client, ""), secondary.Options{Primary: primary, StoreSessionInDatabase: !o.redisOnly,
		Notifier: secondary.NewRedisNotifier(client, secondary.RedisNotifierOptions{})})
	if err != nil {
		client.Close()
		primary.Close()
		return nil, err
	}
	return redisStore{s, client}, nil
}

// redisStore closes the Redis client with the store. Embedding
// *secondary.Store keeps its store.CredentialStore methods.
type redisStore struct {
	*secondary.Store
	client *redis.Client
}

func (r redisStore) Close() error {
	err := r.Store.Close()
	if cerr := r.client.Close(); err == nil {
		err = cerr
	}
	return err
}
