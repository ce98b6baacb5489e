package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

// downStore is a memory store whose every call fails while down is set.
type downStore struct {
	*memory.Store
	down atomic.Bool
}

var errRefused = errors.New("connection refused")

func (d *downStore) err() error {
	if d.down.Load() {
		return errRefused
	}
	return nil
}

func (d *downStore) CreateUser(ctx context.Context, u store.User) error {
	if err := d.err(); err != nil {
		return err
	}
	return d.Store.CreateUser(ctx, u)
}

func (d *downStore) UserByEmail(ctx context.Context, email string) (store.User, error) {
	if err := d.err(); err != nil {
		return store.User{}, err
	}
	return d.Store.UserByEmail(ctx, email)
}

func (d *downStore) CreateSession(ctx context.Context, s store.Session) error {
	if err := d.err(); err != nil {
		return err
	}
	return d.Store.CreateSession(ctx, s)
}

func (d *downStore) SessionByToken(ctx context.Context, token string) (store.Session, store.User, error) {
	if err := d.err(); err != nil {
		return store.Session{}, store.User{}, err
	}
	return d.Store.SessionByToken(ctx, token)
}

func (d *downStore) ListSessions(ctx context.Context, userID string, now time.Time) ([]store.Session, error) {
	if err := d.err(); err != nil {
		return nil, err
	}
	return d.Store.ListSessions(ctx, userID, now)
}

func (d *downStore) DeleteSession(ctx context.Context, token string) error {
	if err := d.err(); err != nil {
		return err
	}
	return d.Store.DeleteSession(ctx, token)
}

// TestStoreDownIs503 checks that every page a failing store touches
// answers 503 with Retry-After, never 500, and that the browser keeps its
// session for when the store is back.
func TestStoreDownIs503(t *testing.T) {
	t.Parallel()
	st := &downStore{Store: memory.New()}
	auth, err := sessionkit.New(sessionkit.Config{Secret: testSecret, Store: st, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(testApp(t, auth))
	t.Cleanup(func() { srv.Close(); auth.Close() })
	c := newClient(t, srv)
	c.signUp("Ada", "ada@example.com")

	st.down.Store(true)
	for _, tc := range []struct {
		method, path string
		form         url.Values
	}{
		{"GET", "/dashboard", nil},
		{"GET", "/sessions", nil},
		{"GET", "/settings", nil},
		{"POST", "/sign-in", url.Values{"email": {"ada@example.com"}, "password": {"correct horse battery"}}},
		{"POST", "/sign-up", url.Values{"name": {"Bo"}, "email": {"bo@example.com"}, "password": {"correct horse battery"}}},
		{"POST", "/sessions/revoke-others", url.Values{}},
	} {
		res := c.res(tc.method, tc.path, tc.form)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" ||
			!strings.Contains(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "try again") {
			t.Errorf("%s %s with the store down: %d, Retry-After %q, %s", tc.method, tc.path,
				res.StatusCode, res.Header.Get("Retry-After"), res.Header.Get("Content-Type"))
		}
		if strings.Contains(string(body), errRefused.Error()) {
			t.Errorf("%s %s: the page reveals the store's error", tc.method, tc.path)
		}
	}
	st.down.Store(false)
	if code, _, _ := c.do("GET", "/dashboard", nil); code != 200 {
		t.Fatalf("store back: dashboard %d; the session was lost", code)
	}
	st.down.Store(true)
	if res := c.res("POST", "/sign-out", url.Values{}); res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Errorf("sign-out with the store down: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
}

// TestTricklingClientCutOff: a client that sends its body one byte every
// 0.6 s is disconnected once the read timeout has passed, instead of
// holding a connection forever.
func TestTricklingClientCutOff(t *testing.T) {
	t.Parallel()
	auth, err := sessionkit.New(sessionkit.Config{Secret: testSecret, Store: memory.New()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auth.Close() })
	short := timeouts{readHeader: time.Second, read: 2 * time.Second, write: 2 * time.Second, idle: time.Second}
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = newHTTPServer(testApp(t, auth), short)
	srv.Start()
	t.Cleanup(srv.Close)

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "name=Ada&email=ada%40example.com&password=correct+horse+battery"
	if _, err := io.WriteString(conn, "POST /sign-up HTTP/1.1\r\nHost: "+srv.Listener.Addr().String()+
		"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, conn) // returns when the server closes the connection
		close(closed)
	}()
	start := time.Now()
	for i := 0; ; i++ {
		select {
		case <-closed:
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("cut off after %v", d)
			}
			return
		case <-time.After(600 * time.Millisecond):
		}
		if time.Since(start) > 15*time.Second {
			t.Fatal("a trickling client still holds its connection after 15s (read timeout 2s)")
		}
		conn.Write([]byte{body[i%len(body)]})
	}
}

// TestServerLimits checks the production server's settings: every timeout
// set, and a bound on the header size.
func TestServerLimits(t *testing.T) {
	t.Parallel()
	s := newHTTPServer(http.NotFoundHandler(), serverTimeouts)
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout <= 0 {
		t.Fatalf("timeouts: header %v, read %v, write %v, idle %v", s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout, s.IdleTimeout)
	}
	if s.MaxHeaderBytes <= 0 || s.MaxHeaderBytes > 1<<20 {
		t.Fatalf("MaxHeaderBytes %d", s.MaxHeaderBytes)
	}
}

// TestNoStore checks that answers carrying tokens or session details are
// never cached: pages, the sign-in redirect that sets cookies, and the
// API's sign-up, sign-in and session answers.
func TestNoStore(t *testing.T) {
	t.Parallel()
	srv := newServer(t, newTestClock(), sessionkit.Config{})
	c := newClient(t, srv)
	c.signUp("Ada", "ada@example.com")
	check := func(what string, res *http.Response) {
		t.Helper()
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("%s: %d Cache-Control %q", what, res.StatusCode, cc)
		}
	}
	check("sessions page", c.res("GET", "/sessions", nil))
	check("sign-in page", c.res("GET", "/sign-in", nil))
	check("sign-in post", c.res("POST", "/sign-in", url.Values{"email": {"ada@example.com"}, "password": {"correct horse battery"}}))
	check("sign-up post", c.res("POST", "/sign-up", url.Values{"name": {"Bo"}, "email": {"bo@example.com"}, "password": {"correct horse battery"}}))

	api := func(path, body string) *http.Response {
		req, _ := http.NewRequest("POST", srv.URL+"/api/auth"+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", srv.URL)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	check("API sign-up", api("/sign-up/email", `{"name":"Cy","email":"cy@example.com","password":"correct horse battery"}`))
	check("API sign-in", api("/sign-in/email", `{"email":"cy@example.com","password":"correct horse battery"}`))
}

// TestHSTS checks that Strict-Transport-Security is sent under an https
// base URL only.
func TestHSTS(t *testing.T) {
	t.Parallel()
	auth, err := sessionkit.New(sessionkit.Config{Secret: testSecret, Store: memory.New()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auth.Close() })
	for base, want := range map[string]bool{"https://app.example.com": true, "HTTPS://app.example.com": true, "http://localhost:8080": false, "": false} {
		rec := httptest.NewRecorder()
		withHSTS(base, testApp(t, auth)).ServeHTTP(rec, httptest.NewRequest("GET", "/sign-in", nil))
		if got := rec.Header().Get("Strict-Transport-Security"); (got != "") != want || want && !strings.Contains(got, "max-age=") {
			t.Errorf("base URL %q: Strict-Transport-Security %q", base, got)
		}
	}
}

// TestGeneratedSecretNotLogged runs the command without a secret and checks
// that its log says a secret was generated and how to set one, but never
// holds the secret (or anything that long and random).
func TestGeneratedSecretNotLogged(t *testing.T) {
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A short relative database path: the log names it, and a long
	// temporary directory name would look like a secret.
	cmd := exec.CommandContext(ctx, exe, "-addr", "127.0.0.1:0", "-db", "x.db")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "SESSIONKIT_EXAMPLE_MAIN=1", "AUTH_SECRET=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "listening") {
			break
		}
	}
	cmd.Process.Signal(os.Interrupt)
	io.Copy(&log, stderr)
	cmd.Wait()
	out := log.String()
	if !strings.Contains(out, "random secret") || !strings.Contains(out, "AUTH_SECRET") {
		t.Fatalf("the log does not say a secret was generated and how to set one:\n%s", out)
	}
	if m := regexp.MustCompile(`[A-Za-z0-9_-]{32,}`).FindString(out); m != "" {
		t.Fatalf("the log holds a secret-like value %q:\n%s", m, out)
	}
}
