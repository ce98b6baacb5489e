// Package multi runs several instances of the example app as separate
// processes on one PostgreSQL database (and with Redis secondary storage in
// front), the way a service scales out, and breaks the servers under them.
// It has tests only.
package multi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit/internal/servicetest"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store"
)

const secret = "multi-instance-test-secret-0123456789abcdef"

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.Report(os.Stdout) // which tests a missing service skipped
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// exampleBinary builds ./example once for the whole package.
func exampleBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "sessionkit-multi")
		if buildErr != nil {
			return
		}
		binary = filepath.Join(buildDir, "example")
		out, err := exec.Command("go", "build", "-o", binary, "github.com/sessionkit/sessionkit/example").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./example: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// instance is one example server process.
type instance struct {
	url string
}

// start runs the example with args on a free loopback port and waits until
// it answers. The process is stopped when the test ends.
func start(t *testing.T, name string, args ...string) *instance {
	t.Helper()
	bin := exampleBinary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	u := "http://" + addr
	cmd := exec.Command(bin, append([]string{"-addr", addr, "-base-url", u, "-secret", secret, "-db", filepath.Join(t.TempDir(), "unused.db"),
		// Many sign-ups from one address: the tests are about sessions, not limits.
		"-rate-limit=false"}, args...)...)
	cmd.Env = append(os.Environ(), "DATABASE_URL=", "REDIS_ADDR=", "REDIS_ONLY=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logDone := make(chan struct{})
	var logMu sync.Mutex
	var logTail []string
	go func() {
		defer close(logDone)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logMu.Lock()
			logTail = append(logTail, sc.Text())
			if len(logTail) > 50 {
				logTail = logTail[1:]
			}
			logMu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		<-logDone
		if t.Failed() {
			logMu.Lock()
			t.Logf("instance %s log (last lines):\n%s", name, strings.Join(logTail, "\n"))
			logMu.Unlock()
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(u + "/sign-in")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return &instance{url: u}
			}
		}
		if time.Now().After(deadline) {
			logMu.Lock()
			defer logMu.Unlock()
			t.Fatalf("instance %s did not come up: %v\n%s", name, err, strings.Join(logTail, "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// browser holds a cookie header by hand, so that the same cookies can be
// sent to either instance (and replayed after sign-out).
type browser struct {
	t      *testing.T
	cookie map[string]string
	http   *http.Client
}

func newBrowser(t *testing.T) *browser {
	return &browser{t: t, cookie: map[string]string{}, http: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       15 * time.Second,
	}}
}

func (b *browser) header() string {
	var parts []string
	for k, v := range b.cookie {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, "; ")
}

// do sends a request to inst; form posts carry the headers the app's
// cross-origin protection wants. It returns the status and body.
func (b *browser) do(inst *instance, method, path string, form url.Values) (int, string) {
	b.t.Helper()
	code, body, err := b.send(inst, method, path, form, b.header(), true)
	if err != nil {
		b.t.Fatal(err)
	}
	return code, body
}

// try sends a request with the given Cookie header and leaves b's cookies
// alone; it is safe for concurrent use.
func (b *browser) try(inst *instance, method, path string, form url.Values, cookie string) (int, string, error) {
	return b.send(inst, method, path, form, cookie, false)
}

func (b *browser) send(inst *instance, method, path string, form url.Values, cookie string, keep bool) (int, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, inst.url+path, body)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Accept", "text/html")
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", inst.url)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	res, err := b.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	rb, _ := io.ReadAll(res.Body)
	if keep {
		for _, c := range res.Cookies() {
			if c.MaxAge < 0 || c.Value == "" {
				delete(b.cookie, c.Name)
			} else {
				b.cookie[c.Name] = c.Value
			}
		}
	}
	return res.StatusCode, string(rb), nil
}

// setup is one way of running two instances: the extra flags of each, the
// pool to inspect the database with, and how to read a session from Redis
// (nil without Redis).
type setup struct {
	a, b  *instance
	db    *pgxpool.Pool
	redis *redis.Client
}

type variant struct {
	name     string
	useRedis bool
}

var variants = []variant{{"postgres", false}, {"postgres+redis", true}}

func newSetup(t *testing.T, v variant, pgDSN, redisAddr string) *setup {
	t.Helper()
	dsn := servicetest.Postgres(t, pgExec)
	if pgDSN == "" {
		pgDSN = dsn
	} else {
		pgDSN = servicetest.WithParam(t, pgDSN, "search_path", searchPath(t, dsn))
	}
	args := []string{"-postgres", pgDSN}
	s := &setup{}
	if v.useRedis {
		addr, _ := servicetest.Redis(t)
		c := redis.NewClient(&redis.Options{Addr: addr})
		t.Cleanup(func() { c.Close() })
		s.redis = c
		if redisAddr == "" {
			redisAddr = servicetest.RedisAddr(t)
		}
		args = append(args, "-redis", redisAddr)
	}
	s.a = start(t, "A", args...)
	s.b = start(t, "B", args...)
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	s.db = pool
	if s.redis != nil {
		// The example uses Better Auth's bare key names: remove this
		// test's keys (its users' and sessions') at the end.
		t.Cleanup(func() { s.cleanRedis(t) })
	}
	return s
}

func searchPath(t *testing.T, dsn string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.RuntimeParams["search_path"]
}

func (s *setup) cleanRedis(t *testing.T) {
	ctx := context.Background()
	var keys []string
	rows, err := s.db.Query(ctx, `SELECT "id" FROM "user"`)
	if err != nil {
		t.Errorf("clean Redis: %v", err)
		return
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Errorf("clean Redis: %v", err)
		return
	}
	for _, id := range ids {
		keys = append(keys, "active-sessions-"+id, "revoked-sessions-before-"+id)
	}
	rows, err = s.db.Query(ctx, `SELECT "token" FROM "session"`)
	if err != nil {
		t.Errorf("clean Redis: %v", err)
		return
	}
	toks, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Errorf("clean Redis: %v", err)
		return
	}
	keys = append(keys, toks...)
	if len(keys) > 0 {
		if err := s.redis.Del(ctx, keys...).Err(); err != nil {
			t.Errorf("clean Redis: %v", err)
		}
	}
}

// signUp creates a user on inst and returns the signed-in browser.
func signUp(t *testing.T, inst *instance) (*browser, string) {
	t.Helper()
	email := "u-" + strings.ToLower(store.NewID()[:12]) + "@example.com"
	b := newBrowser(t)
	if code, _ := b.do(inst, "POST", "/sign-up", url.Values{"name": {"Multi"}, "email": {email}, "password": {"correct horse battery"}}); code != 303 {
		t.Fatalf("sign up: %d", code)
	}
	return b, email
}

func signIn(t *testing.T, inst *instance, email string) *browser {
	t.Helper()
	b := newBrowser(t)
	if code, _ := b.do(inst, "POST", "/sign-in", url.Values{"email": {email}, "password": {"correct horse battery"}, "remember": {"on"}}); code != 303 {
		t.Fatalf("sign in: %d", code)
	}
	return b
}

// sessionToken returns the raw token in b's signed session cookie.
func sessionToken(t *testing.T, b *browser) string {
	t.Helper()
	v, err := url.QueryUnescape(b.cookie["better-auth.session_token"])
	if err != nil {
		t.Fatal(err)
	}
	tok, _, ok := strings.Cut(v, ".")
	if !ok || tok == "" {
		t.Fatalf("no session token in the cookies %v", b.cookie)
	}
	return tok
}

// TestTwoInstances signs in on A and reads the session on B, revokes on B
// and checks that A refuses the session, and races sliding refreshes on
// both.
func TestTwoInstances(t *testing.T) {
	t.Parallel()
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			s := newSetup(t, v, "", "")
			phone, email := signUp(t, s.a)
			if code, body := phone.do(s.b, "GET", "/dashboard", nil); code != 200 || !strings.Contains(body, email) {
				t.Fatalf("B: dashboard of a session made on A: %d", code)
			}
			laptop := signIn(t, s.b, email)
			if code, body := laptop.do(s.a, "GET", "/dashboard", nil); code != 200 || !strings.Contains(body, email) {
				t.Fatalf("A: dashboard of a session made on B: %d", code)
			}

			// Revoke on B (sign out), replay the old cookies on A.
			old := phone.header()
			if code, _ := phone.do(s.b, "POST", "/sign-out", url.Values{}); code != 303 {
				t.Fatalf("B: sign out: %d", code)
			}
			code, _, err := phone.try(s.a, "GET", "/dashboard", nil, old)
			if err != nil || code != 303 {
				t.Fatalf("A: dashboard with the cookies revoked on B: %d %v; want 303 to sign-in", code, err)
			}
			if code, _ := laptop.do(s.a, "GET", "/dashboard", nil); code != 200 {
				t.Fatalf("A: the other session after the sign-out: %d", code)
			}

			s.raceSlides(t, laptop)
		})
	}
}

// raceSlides makes laptop's session due for a sliding refresh (its last
// refresh two days ago) and sends requests to both instances at once: each
// may slide it; at the end there is one row, expiring a week after one of
// the requests, and every request saw the session.
func (s *setup) raceSlides(t *testing.T, laptop *browser) {
	t.Helper()
	ctx := context.Background()
	tok := sessionToken(t, laptop)
	stale := store.Truncate(time.Now().Add(5 * 24 * time.Hour))
	if _, err := s.db.Exec(ctx, `UPDATE "session" SET "expiresAt" = $1 WHERE "token" = $2`, stale, tok); err != nil {
		t.Fatal(err)
	}
	if s.redis != nil {
		raw, err := s.redis.Get(ctx, tok).Result()
		if err != nil {
			t.Fatal(err)
		}
		var rec map[string]map[string]any
		if err := json.Unmarshal([]byte(raw), &rec); err != nil {
			t.Fatal(err)
		}
		rec["session"]["expiresAt"] = store.FormatTime(stale)
		b, _ := json.Marshal(rec)
		if err := s.redis.Set(ctx, tok, b, time.Until(stale)).Err(); err != nil {
			t.Fatal(err)
		}
	}
	before := store.Truncate(time.Now())
	cookie := laptop.header()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			inst := s.a
			if i%2 == 1 {
				inst = s.b
			}
			code, _, err := laptop.try(inst, "GET", "/dashboard", nil, cookie)
			if err != nil || code != 200 {
				t.Errorf("racing refresh %d: %d %v", i, code, err)
			}
		})
	}
	wg.Wait()
	after := store.Truncate(time.Now())

	var n int
	var expires time.Time
	if err := s.db.QueryRow(ctx, `SELECT count(*), max("expiresAt") FROM "session" WHERE "token" = $1`, tok).Scan(&n, &expires); err != nil {
		t.Fatal(err)
	}
	week := 7 * 24 * time.Hour
	if n != 1 || expires.Before(before.Add(week)) || expires.After(after.Add(week)) {
		t.Errorf("after racing refreshes: %d rows, expiresAt %v; want 1 row expiring in [%v, %v]", n, expires, before.Add(week), after.Add(week))
	}
	if s.redis != nil {
		raw, err := s.redis.Get(ctx, tok).Result()
		if err != nil {
			t.Fatal(err)
		}
		var rec struct {
			Session struct {
				ExpiresAt string `json:"expiresAt"`
			} `json:"session"`
		}
		if err := json.Unmarshal([]byte(raw), &rec); err != nil {
			t.Fatal(err)
		}
		got, err := store.ParseTime(rec.Session.ExpiresAt)
		// The two copies may differ by the race window: each instance
		// writes Redis then the row, and both values are valid slides.
		if err != nil || got.Before(before.Add(week)) || got.After(after.Add(week)) {
			t.Errorf("Redis copy after racing refreshes: expiresAt %v, %v", got, err)
		}
	}
	if code, _ := laptop.do(s.a, "GET", "/dashboard", nil); code != 200 {
		t.Errorf("after the race: dashboard %d", code)
	}
}

// load sends requests with the valid and the revoked cookies to both
// instances until stop is closed (or a bound is reached), and reports any
// wrong answer: a revoked session let in, a valid one sent to sign in.
type loadResult struct {
	mu                    sync.Mutex
	ok, unavailable, fail int
}

func load(t *testing.T, s *setup, valid, revoked string, stop <-chan struct{}) *loadResult {
	r := &loadResult{}
	var wg sync.WaitGroup
	b := newBrowser(t)
	for w := range 6 {
		wg.Go(func() {
			for i := 0; i < 20000; i++ { // bounded; stop ends it long before
				select {
				case <-stop:
					return
				default:
				}
				inst := s.a
				if (w+i)%2 == 1 {
					inst = s.b
				}
				cookie, want := valid, 200
				if i%3 == 2 {
					cookie, want = revoked, 303
				}
				code, _, err := b.try(inst, "GET", "/dashboard", nil, cookie)
				r.mu.Lock()
				switch {
				case err != nil:
					r.fail++
				case code == want:
					r.ok++
				case code == http.StatusServiceUnavailable:
					r.unavailable++
				default:
					t.Errorf("wrong answer under the fault: %d for a %s session", code, map[int]string{200: "valid", 303: "revoked"}[want])
				}
				r.mu.Unlock()
				time.Sleep(time.Millisecond)
			}
		})
	}
	t.Cleanup(wg.Wait)
	return r
}

// faultCase is a server to break and what the instances should do.
type faultCase struct {
	name        string
	useRedis    bool
	cut         string // "postgres" or "redis"
	expect503   bool   // requests fail closed while it is down
	valid200Too bool   // valid sessions are still answered (fallback)
}

// TestFaults cuts the connections to PostgreSQL (a restart) or Redis
// under load: no request gets a wrong answer, requests fail with 503 or are
// answered from the fallback, and everything works again afterwards.
func TestFaults(t *testing.T) {
	t.Parallel()
	cases := []faultCase{
		{name: "postgres restart", cut: "postgres", expect503: true},
		{name: "redis lost, database fallback", useRedis: true, cut: "redis", valid200Too: true},
	}
	for _, fc := range cases {
		t.Run(fc.name, func(t *testing.T) {
			t.Parallel()
			var pgDSN, redisAddr string
			var proxy *servicetest.Proxy
			switch fc.cut {
			case "postgres":
				base := servicetest.PostgresDSN(t)
				cfg, err := pgx.ParseConfig(base)
				if err != nil {
					t.Fatal(err)
				}
				proxy = servicetest.NewProxy(t, net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))))
				pgDSN = servicetest.WithParam(t, servicetest.WithHost(t, base, proxy.Addr()), "connect_timeout", "2")
			case "redis":
				proxy = servicetest.NewProxy(t, servicetest.RedisAddr(t))
				redisAddr = "redis://" + proxy.Addr() + "/0?dial_timeout=1s&read_timeout=1s&max_retries=-1"
			}
			s := newSetup(t, variant{fc.name, fc.useRedis}, pgDSN, redisAddr)
			valid, _ := signUp(t, s.a)
			revoked, _ := signUp(t, s.b)
			revokedCookie := revoked.header()
			if code, _ := revoked.do(s.a, "POST", "/sign-out", url.Values{}); code != 303 {
				t.Fatalf("sign out: %d", code)
			}

			stop := make(chan struct{})
			r := load(t, s, valid.header(), revokedCookie, stop)
			time.Sleep(200 * time.Millisecond)
			if s.redis != nil {
				// The instances do use Redis: the session is there.
				if n, err := s.redis.Exists(context.Background(), sessionToken(t, valid)).Result(); err != nil || n != 1 {
					t.Fatalf("the valid session is not in Redis: %d %v", n, err)
				}
			}
			proxy.Down()
			if proxy.Cut() == 0 {
				t.Fatal("the proxy had no connection to cut")
			}
			time.Sleep(700 * time.Millisecond)
			r.mu.Lock()
			during503 := r.unavailable
			r.mu.Unlock()
			proxy.Up()

			// Recovery: within a bounded time both instances answer the
			// valid session again.
			deadline := time.Now().Add(20 * time.Second)
			for _, inst := range []*instance{s.a, s.b} {
				for {
					code, _, err := valid.try(inst, "GET", "/dashboard", nil, valid.header())
					if err == nil && code == 200 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("%s: no recovery 20s after the server came back: %d %v", inst.url, code, err)
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
			time.Sleep(100 * time.Millisecond)
			close(stop)
			r.mu.Lock()
			t.Logf("under load: %d right answers, %d 503s (%d while down), %d transport errors", r.ok, r.unavailable, during503, r.fail)
			if fc.expect503 && during503 == 0 {
				t.Error("no 503 while the database was down")
			}
			if fc.valid200Too && r.unavailable > 0 {
				t.Errorf("%d 503s although the database could answer for Redis", r.unavailable)
			}
			if r.fail > 0 {
				t.Errorf("%d requests failed at the HTTP level (the server must answer)", r.fail)
			}
			r.mu.Unlock()
		})
	}
}

// pgExec runs one SQL statement on a connection of its own, for
// servicetest.Postgres.
func pgExec(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}
