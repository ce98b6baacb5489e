package multi

import (
	"context"
	"github.com/redis/go-redis/v9"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/internal/servicetest"
	"github.com/sessionkit/sessionkit/ratelimit"
	"github.com/sessionkit/sessionkit/store/memory"
	"github.com/sessionkit/sessionkit/store/postgres"
)

// apiServer serves a Manager's JSON API, clients' addresses taken from
// X-Forwarded-For.
func apiServer(t *testing.T, cfg sessionkit.Config, rl account.RateLimit) (*sessionkit.Manager, *httptest.Server) {
	t.Helper()
	cfg.Secret = secret
	cfg.TrustedIPHeader = "X-Forwarded-For"
	m, err := sessionkit.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := account.New(m, account.Config{RateLimit: rl})
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	srv := httptest.NewServer(accounts.Handler())
	t.Cleanup(func() { srv.Close(); m.Close() })
	return m, srv
}

func signInFrom(t *testing.T, srv *httptest.Server, ip string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+"/api/auth/sign-in/email", strings.NewReader(`{"email":"nobody@example.com","password":"password123"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	return res.StatusCode, res.Header.Get("X-Retry-After")
}

// sharedLimit: three sign-ins on instance a, the fourth on instance b is
// refused, as the two share their counters.
func sharedLimit(t *testing.T, a, b *httptest.Server) {
	t.Helper()
	for i := range 3 {
		if code, _ := signInFrom(t, a, "203.0.113.9"); code != 401 {
			t.Fatalf("sign-in %d on a: %d", i+1, code)
		}
	}
	code, retry := signInFrom(t, b, "203.0.113.9")
	if n, _ := strconv.Atoi(retry); code != 429 || n < 1 || n > 60 {
		t.Errorf("4th sign-in, on b: %d X-Retry-After %q, want 429", code, retry)
	}
	if code, _ := signInFrom(t, b, "203.0.113.10"); code != 401 {
		t.Errorf("another address on b: %d", code)
	}
}

// TestRateLimitPostgres: two instances on one PostgreSQL database share
// Better Auth's rateLimit table.
func TestRateLimitPostgres(t *testing.T) {
	dsn := servicetest.Postgres(t, pgExec)
	open := func() *postgres.Store {
		s, err := postgres.Open(context.Background(), dsn, postgres.Options{SweepInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	sa, sb := open(), open()
	_, a := apiServer(t, sessionkit.Config{Store: sa}, account.RateLimit{})
	_, b := apiServer(t, sessionkit.Config{Store: sb}, account.RateLimit{})
	start := time.Now().UnixMilli()
	sharedLimit(t, a, b)
	var count int
	var last int64
	var id string
	err := sa.Pool().QueryRow(context.Background(), `SELECT "id", "count", "lastRequest" FROM "rateLimit" WHERE "key" = $1`, "203.0.113.9|/sign-in/email").Scan(&id, &count, &last)
	if err != nil || count != 3 || last < start || last > time.Now().UnixMilli() || id == "" {
		t.Errorf("rateLimit row: id %q count %d lastRequest %d, %v; want Better Auth's format, count 3", id, count, last, err)
	}
}

// TestRateLimitRedis: two instances share counters in Redis under Better
// Auth's keys, as plain integers expiring with the window.
func TestRateLimitRedis(t *testing.T) {
	addr, prefix := servicetest.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rdb.Close() })
	// The prefix only keeps the test's keys apart; production uses none.
	counter := ratelimit.Counter(func(ctx context.Context, key string, ttl int) (int64, error) {
		return rdb.Eval(ctx, ratelimit.RedisIncrementScript, []string{prefix + key}, ttl).Int64()
	})
	// A minute's window: scrypt under -race can take longer than 10 s
	// for the four sign-ins.
	rl := account.RateLimit{Storage: counter, Rules: []ratelimit.PathRule{{Path: "/sign-in/email", Rule: ratelimit.Rule{Window: time.Minute, Max: 3}}}}
	_, a := apiServer(t, sessionkit.Config{Store: memory.New()}, rl)
	_, b := apiServer(t, sessionkit.Config{Store: memory.New()}, rl)
	sharedLimit(t, a, b)
	ctx := context.Background()
	key := prefix + "203.0.113.9|/sign-in/email"
	v, err := rdb.Get(ctx, key).Result()
	ttl := rdb.TTL(ctx, key).Val()
	if err != nil || v != "4" || ttl <= 0 || ttl > time.Minute {
		t.Errorf("%s = %q (ttl %v), %v; want 4 expiring within the minute", key, v, ttl, err)
	}
}
