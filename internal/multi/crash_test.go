package multi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

// lockedBuffer is a process's stderr, written by os/exec and read on failure.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// sqliteProc is the example server on a SQLite file, as a process the test
// can SIGKILL.
type sqliteProc struct {
	url string
	cmd *exec.Cmd
	log *lockedBuffer
}

// startSQLite runs the example on db and waits until it answers. The test's
// cleanup kills it if it still runs.
func startSQLite(t *testing.T, db string) *sqliteProc {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &sqliteProc{url: "http://" + addr, log: &lockedBuffer{}}
	p.cmd = exec.Command(exampleBinary(t), "-addr", addr, "-base-url", p.url, "-secret", secret, "-db", db, "-rate-limit=false")
	p.cmd.Env = append(os.Environ(), "DATABASE_URL=", "REDIS_ADDR=")
	p.cmd.Stderr = p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("server log:\n%s", p.log.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(p.url + "/sign-in")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not come up: %v\n%s", err, p.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL (no shutdown, no deferred Close) and reaps the process.
func (p *sqliteProc) kill() {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

// postJSON posts body to the JSON API and returns the status and the
// session token of a 200 answer.
func postJSON(c *http.Client, base, path, body string) (int, string, error) {
	res, err := c.Post(base+"/api/auth"+path, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		return res.StatusCode, "", err
	}
	var out struct{ Token string }
	if err := json.Unmarshal(b, &out); err != nil || out.Token == "" {
		return res.StatusCode, "", fmt.Errorf("200 without a token: %q", b)
	}
	return 200, out.Token, nil
}

// TestSQLiteKill9 SIGKILLs the server while clients sign up and sign in on
// its SQLite file, restarts it on the same file, and checks that the file is
// intact and that every session whose sign-up or sign-in answered 200 is
// there: an acknowledged write survives a crash.
func TestSQLiteKill9(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "auth.db")
	p := startSQLite(t, db)

	const (
		workers     = 6
		maxRequests = 240              // bound on the load, whatever the machine's speed
		killAfter   = 30               // acknowledged sessions before the kill...
		killBy      = 10 * time.Second // ...or this long, whichever comes first
	)
	type ack struct{ email, token string }
	var (
		mu       sync.Mutex
		acks     []ack
		requests atomic.Int64
		wg       sync.WaitGroup
		enough   = make(chan struct{})
		once     sync.Once
	)
	client := &http.Client{Timeout: 10 * time.Second}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []string
			for i := 0; requests.Add(1) <= maxRequests; i++ {
				var path, body, email string
				if i%2 == 0 || len(mine) == 0 {
					email = fmt.Sprintf("w%d-%d@example.com", w, i)
					path, body = "/sign-up/email", fmt.Sprintf(`{"name":"W%d","email":%q,"password":"correct horse battery"}`, w, email)
				} else {
					email = mine[i%len(mine)]
					path, body = "/sign-in/email", fmt.Sprintf(`{"email":%q,"password":"correct horse battery"}`, email)
				}
				code, token, err := postJSON(client, p.url, path, body)
				if err != nil {
					var ne net.Error
					if errors.As(err, &ne) || strings.Contains(err.Error(), "connection") || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
						return // the server is gone
					}
					t.Errorf("%s %s: %v", path, email, err)
					return
				}
				if code != 200 {
					continue // not acknowledged: nothing is promised
				}
				if path == "/sign-up/email" {
					mine = append(mine, email)
				}
				mu.Lock()
				acks = append(acks, ack{email, token})
				if len(acks) >= killAfter {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-enough:
	case <-time.After(killBy):
	}
	p.kill() // requests are in flight: the workers never stopped
	wg.Wait()
	mu.Lock()
	acked := append([]ack(nil), acks...)
	mu.Unlock()
	if len(acked) == 0 {
		t.Fatal("no sign-up or sign-in answered 200 before the kill")
	}

	// The file after the crash, before anything else opens it.
	st, err := sqlite.OpenWith(db, sqlite.Options{SweepInterval: -1})
	if err != nil {
		t.Fatalf("opening the database after kill -9: %v", err)
	}
	defer st.Close()
	ctx := context.Background()
	var check string
	if err := st.DB().QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("PRAGMA integrity_check = %q, %v; want ok", check, err)
	}
	for _, a := range acked {
		_, u, err := st.SessionByToken(ctx, a.token)
		if err != nil {
			t.Errorf("session of an acknowledged sign-in of %s: %v", a.email, err)
			continue
		}
		if u.Email != a.email {
			t.Errorf("session of %s belongs to %s", a.email, u.Email)
		}
	}
	if _, _, err := st.SessionByToken(ctx, store.NewID()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SessionByToken(unknown) = %v, want ErrNotFound", err)
	}

	// The restarted server signs the acknowledged users in again.
	p2 := startSQLite(t, db)
	for _, a := range acked[:min(3, len(acked))] {
		if code, _, err := postJSON(client, p2.url, "/sign-in/email", fmt.Sprintf(`{"email":%q,"password":"correct horse battery"}`, a.email)); code != 200 {
			t.Errorf("sign-in of %s after the restart: %d %v", a.email, code, err)
		}
	}
	t.Logf("%d requests, %d acknowledged sessions before kill -9, all kept", min(requests.Load(), maxRequests), len(acked))
}
