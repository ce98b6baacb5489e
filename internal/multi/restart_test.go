package multi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/goredisstore"
	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
	"github.com/sessionkit/sessionkit/store/postgres"
	"github.com/sessionkit/sessionkit/store/secondary"
)

// The tests in this file stop and start real servers, PostgreSQL and Redis,
// rather than cutting a proxy in front of them. Each test runs servers of
// its own, on a free loopback port and in its temporary directory, so the
// shared servers of SESSIONKIT_POSTGRES_DSN and SESSIONKIT_REDIS_ADDR, and
// the tests using them, are never disturbed.

// quiet discards the logs of the stores and the Manager: under a fault they
// log every failed request.
var quiet = slog.New(slog.DiscardHandler)

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// logTail logs the last lines of the server log at path when the test
// failed.
func logTail(t *testing.T, name, path string) {
	if !t.Failed() {
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Logf("%s log: %v", name, err)
		return
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	t.Logf("%s log (last lines):\n%s", name, strings.Join(lines[max(0, len(lines)-40):], "\n"))
}

// pgCluster is a private PostgreSQL cluster: its own data directory,
// 127.0.0.1 on a port of its own, its socket in its own directory, trust
// authentication for those local connections only.
type pgCluster struct {
	t       *testing.T
	bin     string // the directory of initdb and pg_ctl
	runuser string // run as the postgres user through it when we are root
	dir     string // owned by the server's user: data, log and socket
	data    string
	log     string
	port    int
}

const installPostgres = "apt-get install postgresql (or run .ci/services.sh as root)"

// postgresBin returns the bin directory of the newest PostgreSQL under
// /usr/lib/postgresql (Debian's layout) that has initdb and pg_ctl.
func postgresBin(t *testing.T) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(d string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(d)), 64)
		return v
	}
	slices.SortFunc(dirs, func(a, b string) int {
		switch va, vb := version(a), version(b); {
		case va > vb:
			return -1
		case va < vb:
			return 1
		}
		return 0
	})
	for _, d := range dirs {
		if isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "pg_ctl")) {
			return d
		}
	}
	testenv.Missing(t, "PostgreSQL's initdb and pg_ctl (under /usr/lib/postgresql/*/bin)", installPostgres)
	return ""
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// startPostgres creates and starts a private cluster, stopped when the test
// ends.
func startPostgres(t *testing.T) *pgCluster {
	t.Helper()
	c := &pgCluster{t: t, bin: postgresBin(t), dir: t.TempDir(), port: freePort(t)}
	c.data = filepath.Join(c.dir, "data")
	c.log = filepath.Join(c.dir, "postgres.log")
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root: run it as Debian's postgres
		// user, which must own the directory and reach it.
		c.runuser = testenv.LookPath(t, "runuser", "apt-get install util-linux")
		u, err := user.Lookup("postgres")
		if err != nil {
			testenv.Missing(t, "the postgres user", installPostgres)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(c.dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		// t.TempDir's parent is private (0700) to us: let the postgres
		// user pass through it, without listing or writing.
		parent := filepath.Dir(c.dir)
		if fi, err := os.Stat(parent); err == nil {
			if err := os.Chmod(parent, fi.Mode().Perm()|0o011); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.run("test", "-w", c.dir); err != nil {
			t.Fatalf("the postgres user cannot write the test's temporary directory (set TMPDIR to a directory it can reach): %v", err)
		}
	}
	if err := c.pg("initdb", "-D", c.data, "--username=postgres", "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync"); err != nil {
		t.Fatal(err)
	}
	// The files initdb wrote belong to the server's user; rewriting them
	// in place keeps their owner.
	conf := fmt.Sprintf(`
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
max_connections = 40
shared_buffers = 16MB
fsync = off
synchronous_commit = off
full_page_writes = off
`, c.port, strings.ReplaceAll(c.dir, "'", "''"))
	f, err := os.OpenFile(filepath.Join(c.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(conf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	// Trust, for the socket and 127.0.0.1 only; nothing else may connect.
	hba := "local all all trust\nhost all all 127.0.0.1/32 trust\n"
	if err := os.WriteFile(filepath.Join(c.data, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// The server may be stopped already (a failed restart): then
		// pg_ctl says so, which is fine.
		if err := c.pg("pg_ctl", "-D", c.data, "-m", "immediate", "-w", "-t", "30", "stop"); err != nil && !strings.Contains(err.Error(), "PID file") {
			t.Logf("stop the private PostgreSQL: %v", err)
		}
		logTail(t, "PostgreSQL", c.log)
	})
	c.start()
	return c
}

// dsn is the connection string of the cluster's postgres database, over
// TCP on 127.0.0.1.
func (c *pgCluster) dsn() string {
	return fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=postgres sslmode=disable connect_timeout=2", c.port)
}

func (c *pgCluster) start() {
	c.t.Helper()
	if err := c.pg("pg_ctl", "-D", c.data, "-l", c.log, "-w", "-t", "30", "start"); err != nil {
		c.t.Fatal(err)
	}
}

// stop shuts the server down the way an operator restarting it does:
// -m fast ends every session (the clients' connections die) and waits.
func (c *pgCluster) stop() {
	c.t.Helper()
	if err := c.pg("pg_ctl", "-D", c.data, "-m", "fast", "-w", "-t", "30", "stop"); err != nil {
		c.t.Fatal(err)
	}
}

// pg runs one of PostgreSQL's programs.
func (c *pgCluster) pg(name string, args ...string) error {
	return c.run(filepath.Join(c.bin, name), args...)
}

// run runs a command as the server's user. pg_ctl leaves the server
// running with its output in the log file, so the command's own output
// pipes close when it exits.
func (c *pgCluster) run(name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if c.runuser != "" {
		args = append([]string{"-u", "postgres", "--", name}, args...)
		name = c.runuser
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = c.dir // one the server's user can enter
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return nil
}

// redisServer is a private redis-server process without persistence.
type redisServer struct {
	t    *testing.T
	bin  string
	dir  string
	port int

	mu  sync.Mutex
	cmd *exec.Cmd // nil while killed
	log *os.File
}

func startRedis(t *testing.T) *redisServer {
	t.Helper()
	r := &redisServer{
		t:    t,
		bin:  testenv.LookPath(t, "redis-server", "apt-get install redis-server (or run .ci/services.sh as root)"),
		dir:  t.TempDir(),
		port: freePort(t),
	}
	f, err := os.Create(filepath.Join(r.dir, "redis.log"))
	if err != nil {
		t.Fatal(err)
	}
	r.log = f
	t.Cleanup(func() {
		r.kill()
		f.Close()
		logTail(t, "redis-server", f.Name())
	})
	r.start()
	return r
}

func (r *redisServer) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)) }

// start runs redis-server on the server's port and waits until it answers.
func (r *redisServer) start() {
	r.t.Helper()
	cmd := exec.Command(r.bin,
		"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--protected-mode", "yes",
		"--save", "", "--appendonly", "no", "--dir", r.dir, "--daemonize", "no", "--logfile", "")
	cmd.Stdout, cmd.Stderr = r.log, r.log
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.mu.Lock()
	r.cmd = cmd
	r.mu.Unlock()
	c := r.client()
	defer c.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on %s did not answer: %v", r.addr(), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// client returns a new client of the server, for the test's own checks:
// its pool has seen no failure, so it dials at once.
func (r *redisServer) client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: r.addr(), MaxRetries: -1, DialTimeout: time.Second, ReadTimeout: time.Second})
}

// exists reports whether key is in the server.
func (r *redisServer) exists(key string) (bool, error) {
	c := r.client()
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := c.Exists(ctx, key).Result()
	return n == 1, err
}

// get returns key's value in the server; "" when it is missing. A session
// deleted in the fallback mode reads "null" (a tombstone).
func (r *redisServer) get(key string) (string, error) {
	c := r.client()
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := c.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return v, err
}

// kill ends the server with SIGKILL, as a crash or the OOM killer would,
// and waits for it to be gone.
func (r *redisServer) kill() {
	r.mu.Lock()
	cmd := r.cmd
	r.cmd = nil
	r.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Kill()
	cmd.Wait() // "signal: killed"
}

// phase is one stretch of a fault test and the answers allowed to the
// requests made in it: for the valid session and for the revoked one. A
// request that spans several phases may get any answer allowed in one of
// them.
type phase struct {
	name           string
	valid, revoked []int
}

// phasedLoad sends requests with a valid and a revoked session cookie from
// a few goroutines, checks every answer against the current phase and
// counts them.
type phasedLoad struct {
	t      *testing.T
	h      http.Handler
	phases []phase
	email  string // the valid session's user: a 200 must show this user
	cur    atomic.Int32

	mu       sync.Mutex
	counts   map[string]int // "phase valid|revoked code" → requests
	wrong    int
	wg       sync.WaitGroup
	stop     chan struct{}
	stopOnce sync.Once
}

func newPhasedLoad(t *testing.T, h http.Handler, email string, phases ...phase) *phasedLoad {
	return &phasedLoad{t: t, h: h, phases: phases, email: email, counts: map[string]int{}, stop: make(chan struct{})}
}

// serveOnce sends one GET with the cookie header through h.
func serveOnce(h http.Handler, cookie string) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/private", nil)
	req.Header.Set("Cookie", cookie)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// enter moves the load to the next phase, which must be called name.
func (l *phasedLoad) enter(name string) {
	l.t.Helper()
	next := int(l.cur.Load()) + 1
	if next >= len(l.phases) || l.phases[next].name != name {
		l.t.Fatalf("phase %q does not follow %q", name, l.phases[next-1].name)
	}
	l.cur.Store(int32(next))
}

// run starts the goroutines; wait stops them.
func (l *phasedLoad) run(valid, revoked string) {
	for w := range 4 {
		l.wg.Go(func() {
			for i := range 100000 { // bounded; stop ends it long before
				select {
				case <-l.stop:
					return
				default:
				}
				isValid := (w+i)%3 != 2
				cookie := valid
				if !isValid {
					cookie = revoked
				}
				from := l.cur.Load()
				code, body := serveOnce(l.h, cookie)
				l.record(int(from), int(l.cur.Load()), isValid, code, body)
				time.Sleep(time.Millisecond)
			}
		})
	}
}

// wait stops the goroutines and waits for them; calling it again does
// nothing.
func (l *phasedLoad) wait() {
	l.stopOnce.Do(func() { close(l.stop) })
	l.wg.Wait()
}

func (l *phasedLoad) record(from, to int, isValid bool, code int, body string) {
	kind := "revoked"
	if isValid {
		kind = "valid"
	}
	var allowed []int
	for _, p := range l.phases[from : to+1] {
		if isValid {
			allowed = append(allowed, p.valid...)
		} else {
			allowed = append(allowed, p.revoked...)
		}
	}
	name := l.phases[from].name
	if to != from {
		name += "→" + l.phases[to].name
	}
	ok := slices.Contains(allowed, code) && (code != http.StatusOK || isValid && body == l.email)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.counts[fmt.Sprintf("%s %s %d", name, kind, code)]++
	if !ok {
		l.wrong++
		if l.wrong <= 10 {
			l.t.Errorf("wrong answer while %s: %d %q for the %s session; allowed %v", name, code, body, kind, allowed)
		}
	}
}

// count returns how many requests made wholly in phase name for the kind
// ("valid" or "revoked") of session got code.
func (l *phasedLoad) count(name, kind string, code int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.counts[fmt.Sprintf("%s %s %d", name, kind, code)]
}

// report logs the counts, phase by phase, and fails on wrong answers.
func (l *phasedLoad) report() {
	l.t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	keys := slices.Sorted(maps.Keys(l.counts))
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %-28s %6d", k, l.counts[k])
	}
	l.t.Logf("answers under load (phase, session, status: requests):%s", b.String())
	if l.wrong > 0 {
		l.t.Errorf("%d wrong answers under load", l.wrong)
	}
}

// rig is a Manager over a store with a protected handler, a signed-in user
// and a revoked session of another user.
type rig struct {
	m                      *sessionkit.Manager
	h                      http.Handler
	email                  string
	valid, revoked         string // Cookie headers
	validTok, revokedTok   string
	validUser, revokedUser store.User
}

func newRig(t *testing.T, st store.Store) *rig {
	t.Helper()
	m, err := sessionkit.New(sessionkit.Config{Secret: secret, Store: st, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	r := &rig{m: m}
	r.h = middleware.Load(m)(middleware.RequireSession()(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s, _ := sessionkit.FromContext(req.Context())
		io.WriteString(w, s.User.Email)
	})))
	ctx := context.Background()
	id := strings.ToLower(store.NewID()[:12])
	now := m.Now()
	r.validUser = store.User{ID: store.NewID(), Name: "Valid", Email: "valid-" + id + "@example.com", CreatedAt: now, UpdatedAt: now}
	r.revokedUser = store.User{ID: store.NewID(), Name: "Revoked", Email: "revoked-" + id + "@example.com", CreatedAt: now, UpdatedAt: now}
	for _, u := range []store.User{r.validUser, r.revokedUser} {
		if err := m.Store().CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	r.email = r.validUser.Email
	r.valid, r.validTok = r.signIn(t, r.validUser.ID)
	r.revoked, r.revokedTok = r.signIn(t, r.revokedUser.ID)
	// Sign the second one out: its cookie stays valid, its session not.
	req := httptest.NewRequest(http.MethodPost, "/sign-out", nil)
	req.Header.Set("Cookie", r.revoked)
	if err := m.SignOut(httptest.NewRecorder(), req); err != nil {
		t.Fatal(err)
	}
	if code, body := serveOnce(r.h, r.valid); code != http.StatusOK || body != r.email {
		t.Fatalf("the valid session before the fault: %d %q", code, body)
	}
	if code, _ := serveOnce(r.h, r.revoked); code != http.StatusUnauthorized {
		t.Fatalf("the revoked session before the fault: %d", code)
	}
	return r
}

// signIn starts a session for the user and returns its Cookie header and
// token.
func (r *rig) signIn(t *testing.T, userID string) (string, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	sess, err := r.m.SignIn(rec, httptest.NewRequest(http.MethodPost, "/sign-in", nil), userID, sessionkit.SignInOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, c := range rec.Result().Cookies() {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; "), sess.Session.Token
}

// settle waits until both sessions get want (valid, revoked) and then checks
// that the next requests keep getting it: the store has recovered.
func (r *rig) settle(t *testing.T, what string, wantValid, wantRevoked int) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(15 * time.Second)
	for {
		cv, _ := serveOnce(r.h, r.valid)
		cr, _ := serveOnce(r.h, r.revoked)
		if cv == wantValid && cr == wantRevoked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no recovery within 15s: valid %d (want %d), revoked %d (want %d)", what, cv, wantValid, cr, wantRevoked)
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(start)
	for i := range 20 {
		if cv, _ := serveOnce(r.h, r.valid); cv != wantValid {
			t.Errorf("%s: request %d after recovery: valid %d, want %d", what, i, cv, wantValid)
		}
		if cr, _ := serveOnce(r.h, r.revoked); cr != wantRevoked {
			t.Errorf("%s: request %d after recovery: revoked %d, want %d", what, i, cr, wantRevoked)
		}
	}
	return took
}

var (
	ok200   = []int{http.StatusOK}
	no401   = []int{http.StatusUnauthorized}
	only503 = []int{http.StatusServiceUnavailable}
	ok503   = []int{http.StatusOK, http.StatusServiceUnavailable}
	no503   = []int{http.StatusUnauthorized, http.StatusServiceUnavailable}
)

// TestPostgresRealRestart stops and starts a real PostgreSQL server under
// load (pg_ctl stop -m fast, which ends every connection, then start): while
// it is down every request fails closed with 503, the valid session is never
// sent to sign in (401) and the revoked one never let in, and once it is
// back the pool reconnects by itself.
func TestPostgresRealRestart(t *testing.T) {
	t.Parallel()
	pg := startPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := postgres.Open(ctx, pg.dsn(), postgres.Options{SweepInterval: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := newRig(t, st)

	l := newPhasedLoad(t, r.h, r.email,
		phase{"up", ok200, no401},
		phase{"stopping", ok503, no503}, // connections die as the server stops
		phase{"down", only503, only503}, // nothing listens: fail closed
		phase{"starting", ok503, no503},
		phase{"back", ok503, no503}, // until the pool has dropped its dead connections
	)
	l.run(r.valid, r.revoked)
	defer l.wait() // on a Fatal below
	time.Sleep(300 * time.Millisecond)

	l.enter("stopping")
	pg.stop()
	l.enter("down")
	time.Sleep(time.Second)
	l.enter("starting")
	pg.start()
	l.enter("back")
	took := r.settle(t, "PostgreSQL restarted", http.StatusOK, http.StatusUnauthorized)
	time.Sleep(200 * time.Millisecond)
	l.wait()
	l.report()
	t.Logf("200s again %v after the server was back", took.Round(time.Millisecond))

	if n := l.count("up", "valid", 200); n == 0 {
		t.Error("no 200 before the restart: the load did not run")
	}
	if n := l.count("down", "valid", 503) + l.count("down", "revoked", 503); n == 0 {
		t.Error("no 503 while the server was down")
	}
	if n := l.count("back", "valid", 200); n == 0 {
		t.Error("no 200 after the restart")
	}
}

// TestRedisRealRestart kills a real redis-server (SIGKILL) under load and
// starts it again, with and without the database fallback of
// secondary.Options.StoreSessionInDatabase.
func TestRedisRealRestart(t *testing.T) {
	t.Parallel()
	for _, fallback := range []bool{true, false} {
		name := "fallback to the primary"
		if !fallback {
			name = "no fallback, fail closed"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rs := startRedis(t)
			// No retries: a request while Redis is down fails at once
			// rather than after go-redis's five dial attempts. With the
			// small pool, go-redis stops dialling after PoolSize failures
			// (and logs each of them) until a background probe, once a
			// second, reaches the server again.
			c := redis.NewClient(&redis.Options{
				Addr: rs.addr(), PoolSize: 8, MaxRetries: -1, DialerRetries: 1,
				DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second,
			})
			t.Cleanup(func() { c.Close() })
			o := secondary.Options{Logger: quiet}
			if fallback {
				o.Primary, o.StoreSessionInDatabase = memory.New(), true
			}
			st, err := secondary.New(goredisstore.NewWithPrefix(c, ""), o)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			r := newRig(t, st)
			if ok, err := rs.exists(r.validTok); err != nil || !ok {
				t.Fatalf("the valid session is not in Redis: %v %v", ok, err)
			}
			if v, err := rs.get(r.revokedTok); err != nil || (v != "" && v != "null") {
				t.Fatalf("the revoked session is still in Redis: %q %v", v, err)
			}

			var l *phasedLoad
			if fallback {
				// The primary answers for every session while Redis is
				// gone and after it comes back empty: no request notices.
				l = newPhasedLoad(t, r.h, r.email,
					phase{"up", ok200, no401},
					phase{"killing", ok200, no401},
					phase{"down", ok200, no401},
					phase{"starting", ok200, no401},
					phase{"back", ok200, no401},
				)
			} else {
				// Without a fallback, Redis is the only copy of the
				// sessions: while it is down nothing can be checked, so
				// requests fail closed. A Redis without persistence comes
				// back empty: the valid session is gone with it, and 401
				// (sign in again) is then the right answer for it; a 200
				// would mean the session survived, which it cannot have.
				l = newPhasedLoad(t, r.h, r.email,
					phase{"up", ok200, no401},
					phase{"killing", ok503, no503},
					phase{"down", only503, only503},
					phase{"starting", no503, no503},
					phase{"back", no503, no503}, // 503 until the client drops its dead connections
				)
			}
			l.run(r.valid, r.revoked)
			defer l.wait() // on a Fatal below
			time.Sleep(300 * time.Millisecond)

			l.enter("killing")
			rs.kill()
			l.enter("down")
			time.Sleep(time.Second)
			l.enter("starting")
			rs.start()
			l.enter("back")
			if ok, err := rs.exists(r.validTok); err != nil || ok {
				t.Errorf("the valid session after the restart: in Redis = %v %v; want it lost with the non-persistent Redis", ok, err)
			}
			wantValid := http.StatusOK
			if !fallback {
				wantValid = http.StatusUnauthorized
			}
			took := r.settle(t, "Redis restarted", wantValid, http.StatusUnauthorized)
			time.Sleep(200 * time.Millisecond)
			l.wait()
			l.report()
			t.Logf("settled %v after Redis was back", took.Round(time.Millisecond))

			if n := l.count("up", "valid", 200); n == 0 {
				t.Error("no 200 before the kill: the load did not run")
			}
			if fallback {
				if n := l.count("down", "valid", 200); n == 0 {
					t.Error("no 200 from the primary while Redis was down")
				}
			} else {
				if n := l.count("down", "valid", 503) + l.count("down", "revoked", 503); n == 0 {
					t.Error("no 503 while Redis was down")
				}
				if n := l.count("back", "valid", 401); n == 0 {
					t.Error("no 401 for the lost session after the restart")
				}
			}
		})
	}
}
