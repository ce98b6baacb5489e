package main

import (
	"testing"
)

func TestStoreFlags(t *testing.T) {
	tests := []struct {
		name            string
		args            []string
		env             map[string]string
		postgres, redis string
	}{
		{"none", nil, nil, "", ""},
		{"env", nil, map[string]string{"DATABASE_URL": "postgres://a@h/db", "REDIS_ADDR": "h:6379"}, "postgres://a@h/db", "h:6379"},
		{"flags win", []string{"-postgres", "postgres://b@h/db", "-redis", "redis://h:6380/1"}, map[string]string{"DATABASE_URL": "x", "REDIS_ADDR": "y"}, "postgres://b@h/db", "redis://h:6380/1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseFlags(tc.args, func(k string) string { return tc.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if o.postgres != tc.postgres || o.redis != tc.redis {
				t.Errorf("postgres %q, redis %q; want %q, %q", o.postgres, o.redis, tc.postgres, tc.redis)
			}
		})
	}
}

// TestOpenStoreDefault: without -postgres and -redis the Manager's default
// SQLite store is used (openStore returns a nil interface, not a typed nil).
func TestOpenStoreDefault(t *testing.T) {
	st, err := openStore(options{db: "unused.db"})
	if err != nil || st != nil {
		t.Fatalf("openStore() = %v, %v; want nil, nil", st, err)
	}
}

func TestOpenStoreBadRedisURL(t *testing.T) {
	if _, err := openStore(options{db: t.TempDir() + "/x.db", redis: "redis://h:notaport/x"}); err == nil {
		t.Fatal("openStore with a bad Redis URL succeeded")
	}
}
