package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2/memstore"
	"github.com/jackc/pgx/v5"

	"github.com/sessionkit/sessionkit/internal/servicetest"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
	"github.com/sessionkit/sessionkit/store/postgres"
	"github.com/sessionkit/sessionkit/store/secondary"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

// TestMetricsFlag runs the command with METRICS_ADDR (the -metrics-addr
// flag's variable), uses the app a little, and scrapes /metrics: it serves
// the sessionkit instruments with what happened, on a listener apart from
// the app's, which does not serve them.
func TestMetricsFlag(t *testing.T) {
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-addr", "127.0.0.1:0", "-db", "m.db", "-cache", "compact")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "SESSIONKIT_EXAMPLE_MAIN=1", "AUTH_SECRET="+testSecret, "METRICS_ADDR=127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); io.Copy(io.Discard, stderr); cmd.Wait() }()
	url := regexp.MustCompile(`url=(http://\S+)`)
	var app, metrics string
	sc := bufio.NewScanner(stderr)
	for (app == "" || metrics == "") && sc.Scan() {
		m := url.FindStringSubmatch(sc.Text())
		switch {
		case m == nil:
		case strings.HasSuffix(m[1], "/metrics"):
			metrics = m[1]
		default:
			app = m[1]
		}
	}
	if app == "" || metrics == "" {
		t.Fatalf("no app or metrics URL in the log (app %q, metrics %q)", app, metrics)
	}
	go io.Copy(io.Discard, stderr)

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	send := func(method, path, body string) int {
		req, _ := http.NewRequestWithContext(ctx, method, app+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", app) // the API refuses cookie-bearing posts without it
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	if code := send("POST", "/api/auth/sign-up/email", `{"name":"Ada","email":"ada@example.com","password":"correct horse battery"}`); code != 200 {
		t.Fatalf("sign-up: %d", code)
	}
	if code := send("POST", "/api/auth/sign-in/email", `{"email":"ada@example.com","password":"wrong password"}`); code != 401 {
		t.Fatalf("wrong sign-in: %d", code)
	}
	send("GET", "/dashboard", "") // a lookup the compact cache answers, as is the next
	if code := send("GET", "/metrics", ""); code == 200 {
		t.Error("the app's own address serves /metrics")
	}

	res, err := http.Get(metrics)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	body := string(b)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^sessionkit_lookups_total\{.*sessionkit_lookup_outcome="found",sessionkit_lookup_source="compact".*\} 2$`),
		regexp.MustCompile(`(?m)^sessionkit_auth_requests_total\{.*sessionkit_auth_endpoint="sign-up/email",sessionkit_auth_outcome="success".*\} 1$`),
		regexp.MustCompile(`(?m)^sessionkit_auth_requests_total\{.*sessionkit_auth_endpoint="sign-in/email",sessionkit_auth_outcome="failed".*\} 1$`),
		regexp.MustCompile(`(?m)^sessionkit_store_duration_seconds_count\{.*sessionkit_store_operation="create_user_with_password".*\} 1$`),
		regexp.MustCompile(`(?m)^sessionkit_sessions_active(_sessions)?\{.*\} 1$`),
	} {
		if !want.MatchString(body) {
			t.Errorf("/metrics has no line matching %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}

// TestSessionCounter: the active-session gauge counts the live sessions of
// the SQLite file and of PostgreSQL (behind Redis secondary storage, its
// primary), leaving out expired ones; a store it cannot count has no gauge.
func TestSessionCounter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sq, err := sqlite.OpenWith(filepath.Join(t.TempDir(), "c.db"), sqlite.Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	for _, tc := range []struct {
		name string
		open func(t *testing.T) store.Store
	}{
		{"sqlite", func(*testing.T) store.Store { return sq }},
		{"secondary over sqlite", func(t *testing.T) store.Store {
			primary, err := sqlite.OpenWith(filepath.Join(t.TempDir(), "p.db"), sqlite.Options{SweepInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			s, err := secondary.New(memstore.New(), secondary.Options{Primary: primary, StoreSessionInDatabase: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close(); primary.Close() })
			return s
		}},
		{"postgres", func(t *testing.T) store.Store {
			pg, err := postgres.Open(ctx, servicetest.Postgres(t, pgxExec), postgres.Options{SweepInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { pg.Close() })
			return pg
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.open(t)
			now := store.Truncate(time.Now())
			if err := st.CreateUser(ctx, store.User{ID: "u1", Name: "Ada", Email: "ada@example.com", CreatedAt: now, UpdatedAt: now}); err != nil {
				t.Fatal(err)
			}
			for i, d := range []time.Duration{time.Hour, time.Minute, -time.Second} {
				s := store.Session{ID: fmt.Sprint("s", i), Token: store.NewID(), UserID: "u1", ExpiresAt: now.Add(d), CreatedAt: now, UpdatedAt: now}
				if err := st.CreateSession(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			c := sessionCounter(st)
			if c == nil {
				t.Fatal("no counter")
			}
			if n, err := c.CountSessions(ctx, now); err != nil || n != 2 {
				t.Errorf("CountSessions: %d, %v; want 2", n, err)
			}
		})
	}
	if sessionCounter(memory.New()) != nil {
		t.Error("a counter for the memory store")
	}
}

func pgxExec(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}
