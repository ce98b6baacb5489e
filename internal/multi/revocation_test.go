package multi

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	_ "modernc.org/sqlite"

	"github.com/sessionkit/sessionkit/internal/servicetest"
	"github.com/sessionkit/sessionkit/store"
)

// api is a JSON client of an instance's Better Auth API (/api/auth).
type api struct {
	t    *testing.T
	http *http.Client
}

// call sends a JSON request with cookie and returns the status, the body
// and the Cookie header a browser would send next.
func (c *api) call(inst *instance, method, path, cookie string, body any) (int, []byte, string) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, inst.url+"/api/auth"+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Origin", inst.url)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	rb, _ := io.ReadAll(res.Body)
	jar := map[string]string{}
	for _, p := range strings.Split(cookie, "; ") {
		if k, v, ok := strings.Cut(p, "="); ok {
			jar[k] = v
		}
	}
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(jar, ck.Name)
		} else {
			jar[ck.Name] = ck.Value
		}
	}
	var parts []string
	for k, v := range jar {
		parts = append(parts, k+"="+v)
	}
	return res.StatusCode, rb, strings.Join(parts, "; ")
}

// alive reports whether inst accepts cookie (get-session answers a session).
func (c *api) alive(inst *instance, cookie string) bool {
	c.t.Helper()
	code, body, _ := c.call(inst, "GET", "/get-session", cookie, nil)
	if code != 200 {
		c.t.Fatalf("get-session: %d %s", code, body)
	}
	return string(body) != "null"
}

// revocationSetup is two example processes on one database with the
// cookie cache on, and a handle on the database.
type revocationSetup struct {
	a, b *instance
	exec func(q string, args ...any) error
	// pin makes the session of that token expired in the database, which
	// the feed must ignore (an expired session is swept, not revoked).
	pin func(token string) error
	// deleteUser deletes the user as Better Auth's delete-user does (its
	// sessions' keys too, with secondary storage).
	deleteUser func(email string) error
}

func revocationSetups(t *testing.T) map[string]func(t *testing.T) *revocationSetup {
	return map[string]func(t *testing.T) *revocationSetup{
		"sqlite": func(t *testing.T) *revocationSetup {
			path := filepath.Join(t.TempDir(), "shared.db")
			a := start(t, "A", "-db", path, "-cache", "compact")
			b := start(t, "B", "-db", path, "-cache", "compact")
			db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return &revocationSetup{a: a, b: b,
				exec: func(q string, args ...any) error {
					_, err := db.Exec(strings.ReplaceAll(q, "$1", "?"), args...)
					return err
				},
				pin: func(tok string) error {
					_, err := db.Exec(`UPDATE "session" SET "expiresAt" = ? WHERE "token" = ?`, store.FormatTime(time.Now().Add(-time.Hour)), tok)
					return err
				},
				deleteUser: func(email string) error {
					_, err := db.Exec(`DELETE FROM "user" WHERE "email" = ?`, email)
					return err
				}}
		},
		"postgres": func(t *testing.T) *revocationSetup { return pgRevocationSetup(t, false) },
		// Redis secondary storage with every session also in PostgreSQL
		// (the example's setup): the feed is PostgreSQL's.
		"postgres+redis": func(t *testing.T) *revocationSetup { return pgRevocationSetup(t, true) },
		// Redis secondary storage alone (users in a SQLite file): the
		// feed is the RedisNotifier's.
		"redis": redisRevocationSetup,
	}
}

// redisRevocationSetup is two example processes keeping sessions in Redis
// alone, with Better Auth's bare key names, and users in one SQLite file.
// The server is configured to send key deletion events, as an operator
// would, so that Better Auth's deletions (deleteUser's) are seen.
func redisRevocationSetup(t *testing.T) *revocationSetup {
	addr := servicetest.RedisAddr(t)
	ctx := context.Background()
	rc := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rc.Close() })
	flags, err := rc.ConfigGet(ctx, "notify-keyspace-events").Result()
	if err != nil {
		t.Fatal(err)
	}
	if f := flags["notify-keyspace-events"]; !strings.Contains(f, "E") || !strings.ContainsAny(f, "gA") {
		if err := rc.ConfigSet(ctx, "notify-keyspace-events", f+"Eg").Err(); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "users.db")
	args := []string{"-db", path, "-cache", "compact", "-redis", addr, "-redis-only"}
	a := start(t, "A", args...)
	b := start(t, "B", args...)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	// tokens returns the tokens in the active-sessions lists of the users
	// with that email ("" for every user), and the list and marker keys.
	tokens := func(email string) (toks, keys []string, err error) {
		rows, err := db.Query(`SELECT "id" FROM "user" WHERE ? = '' OR "email" = ?`, email, email)
		if err != nil {
			return nil, nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return nil, nil, err
			}
			keys = append(keys, "active-sessions-"+id, "revoked-sessions-before-"+id)
			b, err := rc.Get(ctx, "active-sessions-"+id).Bytes()
			if errors.Is(err, redis.Nil) {
				continue
			}
			if err != nil {
				return nil, nil, err
			}
			var l []struct{ Token string }
			if err := json.Unmarshal(b, &l); err != nil {
				return nil, nil, err
			}
			for _, e := range l {
				toks = append(toks, e.Token)
			}
		}
		return toks, keys, rows.Err()
	}
	t.Cleanup(func() {
		defer db.Close()
		toks, keys, err := tokens("")
		if err == nil && len(toks)+len(keys) > 0 {
			err = rc.Del(ctx, append(toks, keys...)...).Err()
		}
		if err != nil {
			t.Errorf("clean Redis: %v", err)
		}
	})
	return &revocationSetup{a: a, b: b,
		// The control's session expires in Redis (an "expired" event,
		// which is no revocation); there is no row to delete.
		exec: func(string, ...any) error { time.Sleep(50 * time.Millisecond); return nil },
		pin:  func(tok string) error { return rc.PExpire(ctx, tok, time.Millisecond).Err() },
		// As Better Auth's delete-user: the session keys, then the user.
		deleteUser: func(email string) error {
			toks, _, err := tokens(email)
			if err != nil {
				return err
			}
			if len(toks) > 0 {
				if err := rc.Del(ctx, toks...).Err(); err != nil {
					return err
				}
			}
			_, err = db.Exec(`DELETE FROM "user" WHERE "email" = ?`, email)
			return err
		}}
}

func pgRevocationSetup(t *testing.T, withRedis bool) *revocationSetup {
	dsn := servicetest.Postgres(t, pgExec)
	args := []string{"-postgres", dsn, "-cache", "compact"}
	var rc *redis.Client
	if withRedis {
		addr, _ := servicetest.Redis(t)
		rc = redis.NewClient(&redis.Options{Addr: addr})
		t.Cleanup(func() { rc.Close() })
		args = append(args, "-redis", addr)
	}
	a := start(t, "A", args...)
	b := start(t, "B", args...)
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if rc != nil {
		s := &setup{db: pool, redis: rc}
		t.Cleanup(func() { s.cleanRedis(t) })
	}
	return &revocationSetup{a: a, b: b,
		exec: func(q string, args ...any) error { _, err := pool.Exec(context.Background(), q, args...); return err },
		pin: func(tok string) error {
			if rc != nil {
				if err := rc.Del(context.Background(), tok).Err(); err != nil {
					return err
				}
			}
			_, err := pool.Exec(context.Background(), `UPDATE "session" SET "expiresAt" = now() - interval '1 hour' WHERE "token" = $1`, tok)
			return err
		},
		deleteUser: func(email string) error {
			ctx := context.Background()
			if rc != nil {
				rows, err := pool.Query(ctx, `SELECT s."token" FROM "session" s JOIN "user" u ON u."id" = s."userId" WHERE u."email" = $1`, email)
				if err != nil {
					return err
				}
				toks, err := pgx.CollectRows(rows, pgx.RowTo[string])
				if err != nil {
					return err
				}
				if len(toks) > 0 {
					if err := rc.Del(ctx, toks...).Err(); err != nil {
						return err
					}
				}
			}
			_, err := pool.Exec(ctx, `DELETE FROM "user" WHERE "email" = $1`, email)
			return err
		}}
}

// loopbackClient returns an HTTP client that sends every request on a new
// connection from a new address of 127.0.0.0/8 (Linux routes all of it to
// the loopback device), so that the rate limits by client address (3
// sign-ups per 10 s, 100 requests) do not count the test's many requests
// as one client's.
func loopbackClient() *http.Client {
	var n atomic.Uint32
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		i := n.Add(1) % (1 << 16)
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 1, byte(i>>8), byte(i))}, Timeout: 5 * time.Second}
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DialContext: dial, DisableKeepAlives: true}}
}

// TestRevocationAcrossProcesses: instance A (a separate process) holds a
// cache cookie for a session; instance B revokes it, by each revoke path
// in turn, 100 times; A refuses it within a second every time. A control
// first shows that A answers from the cache: a deletion the feed ignores
// (an expired row) leaves A accepting the session.
func TestRevocationAcrossProcesses(t *testing.T) {
	t.Parallel()
	for name, mk := range revocationSetups(t) {
		t.Run(name, func(t *testing.T) {
			s := mk(t)
			c := &api{t: t, http: loopbackClient()}
			const pw = "correct horse battery"
			type sess struct{ cookie, token string }
			signIn := func(email string, up bool) sess {
				path, body := "/sign-in/email", map[string]any{"email": email, "password": pw}
				if up {
					path, body = "/sign-up/email", map[string]any{"name": "Rev", "email": email, "password": pw}
				}
				code, rb, cookie := c.call(s.b, "POST", path, "", body)
				if code != 200 {
					t.Fatalf("%s: %d %s", path, code, rb)
				}
				var out struct{ Token string }
				json.Unmarshal(rb, &out)
				return sess{cookie, out.Token}
			}
			// warm waits until A accepts the session (its feed has seen
			// B's sign-in; A answers from the cache from then on).
			warm := func(cookie string) {
				deadline := time.Now().Add(5 * time.Second)
				for !c.alive(s.a, cookie) {
					if time.Now().After(deadline) {
						t.Fatal("A never accepted the session")
					}
					time.Sleep(10 * time.Millisecond)
				}
			}

			// Control: an expired-then-deleted row is not a revocation,
			// and A, answering from the cache, still accepts it.
			email := "ctl-" + strings.ToLower(store.NewID()[:10]) + "@example.com"
			ctl := signIn(email, true)
			warm(ctl.cookie)
			if err := s.pin(ctl.token); err != nil {
				t.Fatal(err)
			}
			if err := s.exec(`DELETE FROM "session" WHERE "token" = $1`, ctl.token); err != nil {
				t.Fatal(err)
			}
			time.Sleep(500 * time.Millisecond)
			if !c.alive(s.a, ctl.cookie) {
				t.Fatal("control: A refused a session only its store lost: A is not answering from the cache")
			}

			paths := []string{"sign-out", "revoke-session", "revoke-sessions", "revoke-other-sessions", "user-deleted"}
			var ds []time.Duration
			for i := range 100 {
				path := paths[i%len(paths)]
				email := fmt.Sprintf("rev%d-%s@example.com", i, strings.ToLower(store.NewID()[:8]))
				victim := signIn(email, true)
				other := signIn(email, false)
				warm(victim.cookie)
				var code int
				var rb []byte
				switch path {
				case "sign-out":
					code, rb, _ = c.call(s.b, "POST", "/sign-out", victim.cookie, map[string]any{})
				case "revoke-session":
					code, rb, _ = c.call(s.b, "POST", "/revoke-session", other.cookie, map[string]any{"token": victim.token})
				case "revoke-sessions":
					code, rb, _ = c.call(s.b, "POST", "/revoke-sessions", other.cookie, map[string]any{})
				case "revoke-other-sessions":
					code, rb, _ = c.call(s.b, "POST", "/revoke-other-sessions", other.cookie, map[string]any{})
				case "user-deleted":
					code = 200
					if err := s.deleteUser(email); err != nil {
						t.Fatal(err)
					}
				}
				if code != 200 {
					t.Fatalf("%s on B: %d %s", path, code, rb)
				}
				revoked := time.Now()
				for c.alive(s.a, victim.cookie) {
					if time.Since(revoked) > 2*time.Second {
						t.Fatalf("%s: A still accepts the session 2s after B revoked it", path)
					}
					time.Sleep(2 * time.Millisecond)
				}
				ds = append(ds, time.Since(revoked))
			}
			slices.Sort(ds)
			p50, p99 := ds[len(ds)/2], ds[len(ds)*99/100]
			t.Logf("%s, two processes: %d revocations: p50 %v, p99 %v, max %v", name, len(ds), p50, p99, ds[len(ds)-1])
			if p99 > time.Second {
				t.Errorf("p99 %v, want under 1s", p99)
			}
		})
	}
}
