// Package servicetest gives tests the real PostgreSQL and Redis servers they
// run against, each test in its own corner (a PostgreSQL schema, a Redis key
// prefix) so that tests run in parallel and repeatedly, and a TCP proxy that
// cuts connections to stand for a server restart or a network loss.
//
// Tests find the servers through environment variables, which
// .ci/services.sh prints:
//
//	SESSIONKIT_POSTGRES_DSN  a connection string to a database the tests may create schemas in
//	SESSIONKIT_REDIS_ADDR    host:port of a Redis server
//
// When a variable is unset the test is skipped with a message naming what to
// install, except under CI=true, where a missing service fails the test. It
// is for tests only.
//
// It imports no database driver, so that the core module needs none: the
// tests pass their own way to run SQL (Exec), and Redis is spoken to in its
// plain text protocol.
package servicetest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store"
)

// Environment variables naming the servers.
const (
	PostgresEnv = "SESSIONKIT_POSTGRES_DSN"
	RedisEnv    = "SESSIONKIT_REDIS_ADDR"
)

// need returns the value of env, or calls testenv.Missing: a skip naming
// what to install, a failure under CI=true.
func need(t testing.TB, env, what string) string {
	t.Helper()
	v := os.Getenv(env)
	if v != "" {
		return v
	}
	testenv.Missing(t, env, fmt.Sprintf("install and start %s (as root, `eval \"$(.ci/services.sh)\"` does both on Debian)", what))
	return ""
}

// PostgresDSN returns the server's connection string as given, for tests
// that manage their own schemas.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	return need(t, PostgresEnv, "PostgreSQL (apt-get install postgresql)")
}

// Exec runs one SQL statement on the PostgreSQL server at dsn, through the
// driver of the calling test's module.
type Exec func(ctx context.Context, dsn, sql string) error

// Postgres creates a schema of its own for the test and returns a
// connection string whose search_path is that schema, so that everything
// the test creates lands there. The schema is dropped when the test ends.
func Postgres(t testing.TB, exec Exec) string {
	t.Helper()
	base := PostgresDSN(t)
	schema := "sessionkit_test_" + strings.ToLower(store.NewID()[:16])
	quoted := `"` + schema + `"` // store.NewID is alphanumeric
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := exec(ctx, base, `CREATE SCHEMA `+quoted); err != nil {
		t.Fatalf("servicetest: create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := exec(ctx, base, `DROP SCHEMA `+quoted+` CASCADE`); err != nil {
			t.Errorf("servicetest: drop schema %s: %v", schema, err)
		}
	})
	return WithParam(t, base, "search_path", schema)
}

// WithParam returns dsn (a URL or a key=value connection string) with the
// parameter key set to value.
func WithParam(t testing.TB, dsn, key, value string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("servicetest: %s is not a valid URL", PostgresEnv)
		}
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " " + key + "=" + value
}

// WithHost returns dsn with its host and port replaced by addr, to route
// the connections through a Proxy.
func WithHost(t testing.TB, dsn, addr string) string {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("servicetest: %s is not a valid URL", PostgresEnv)
		}
		u.Host = addr
		return u.String()
	}
	return dsn + " host=" + host + " port=" + port
}

// RedisAddr returns the Redis server's address.
func RedisAddr(t testing.TB) string {
	t.Helper()
	return need(t, RedisEnv, "Redis (apt-get install redis-server)")
}

// Redis checks that the Redis server answers and returns its address and
// a key prefix of the test's own. Every key under the prefix is deleted when
// the test ends (close the test's clients in a t.Cleanup registered after
// this call, or earlier).
func Redis(t testing.TB) (addr, prefix string) {
	t.Helper()
	addr = RedisAddr(t)
	if _, err := redisDo(addr, "PING"); err != nil {
		t.Fatalf("servicetest: ping Redis at %s: %v", addr, err)
	}
	prefix = "sessionkit-test:" + store.NewID()[:16] + ":"
	t.Cleanup(func() {
		// KEYS is fine on a test server: a test has a handful of keys.
		keys, err := redisDo(addr, "KEYS", prefix+"*")
		for err == nil && len(keys) > 0 {
			n := min(len(keys), 500)
			_, err = redisDo(addr, append([]string{"DEL"}, keys[:n]...)...)
			keys = keys[n:]
		}
		if err != nil {
			t.Errorf("servicetest: clean up Redis keys: %v", err)
		}
	})
	return addr, prefix
}

// redisDo sends one command to the Redis server at addr on a connection of
// its own and returns the reply: a status, an integer or a bulk string as
// one element, an array of those as its elements.
func redisDo(addr string, args ...string) ([]string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	var req strings.Builder
	fmt.Fprintf(&req, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&req, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c, req.String()); err != nil {
		return nil, err
	}
	r := bufio.NewReader(c)
	line := func() (string, error) {
		l, err := r.ReadString('\n')
		return strings.TrimSuffix(l, "\r\n"), err
	}
	var one func() ([]string, error)
	one = func() ([]string, error) {
		l, err := line()
		if err != nil || l == "" {
			return nil, errors.Join(err, io.ErrUnexpectedEOF)
		}
		switch l[0] {
		case '+', ':':
			return []string{l[1:]}, nil
		case '-':
			return nil, errors.New("redis: " + l[1:])
		case '$':
			n, err := strconv.Atoi(l[1:])
			if err != nil || n < 0 {
				return nil, err
			}
			b := make([]byte, n+2)
			if _, err := io.ReadFull(r, b); err != nil {
				return nil, err
			}
			return []string{string(b[:n])}, nil
		case '*':
			n, err := strconv.Atoi(l[1:])
			if err != nil {
				return nil, err
			}
			var out []string
			for range n {
				v, err := one()
				if err != nil {
					return nil, err
				}
				out = append(out, v...)
			}
			return out, nil
		}
		return nil, fmt.Errorf("redis: unexpected reply %q", l)
	}
	return one()
}

// Proxy is a TCP proxy on 127.0.0.1 in front of a server. Down cuts every
// connection and refuses new ones until Up, which is what clients see when
// the server restarts or the network fails.
type Proxy struct {
	target string
	ln     net.Listener

	mu    sync.Mutex
	down  bool
	cut   int // connections Down closed
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// NewProxy starts a proxy to target and stops it when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{target: target, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

// Addr returns the proxy's address, host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Down closes every proxied connection and refuses new ones.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
		p.cut++
	}
	clear(p.conns)
}

// Cut returns how many connections Down has closed so far (each proxied
// connection counts twice: the client's side and the server's).
func (p *Proxy) Cut() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cut
}

// Up accepts connections again.
func (p *Proxy) Up() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

func (p *Proxy) close() {
	p.ln.Close()
	p.Down()
	p.wg.Wait()
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		if !down {
			p.conns[c] = struct{}{}
		}
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		p.wg.Go(func() { p.serve(c) })
	}
}

func (p *Proxy) serve(c net.Conn) {
	s, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		p.drop(c)
		return
	}
	if !p.track(s) {
		s.Close()
		p.drop(c)
		return
	}
	var wg sync.WaitGroup
	// When one side ends or is cut, close both: the other side then sees
	// the connection closed, as after a server restart.
	pipe := func(dst, src net.Conn) {
		io.Copy(dst, src)
		dst.Close()
		src.Close()
	}
	wg.Go(func() { pipe(s, c) })
	wg.Go(func() { pipe(c, s) })
	wg.Wait()
	p.drop(c)
	p.drop(s)
}

// track registers c unless the proxy went down meanwhile.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) drop(c net.Conn) {
	c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}
