package main

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestGet(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"ok", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok", true},
		{"lower-case header", "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok", true},
		{"not 200", "HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\nno", false},
		{"no length", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", false},
		{"too long", "HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n", false},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := get(bufio.NewReader(strings.NewReader(tc.in)))
			if (err == nil) != tc.ok {
				t.Errorf("get = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

// TestDrive runs the generator against an in-process server for a moment:
// every request is answered, each connection sends its cookies in
// rotation, and a server that refuses fails the run.
func TestDrive(t *testing.T) {
	seen := make(chan string, 1<<16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case seen <- r.Header.Get("Cookie"):
		default:
		}
		if r.Header.Get("Cookie") == "bad=1" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Write(ok)
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	res, err := drive(&server{addr: addr, cookies: []string{"a=1", "b=2"}}, 200e6, 2)
	if err != nil || res.rps <= 0 || res.p50 <= 0 || res.p99 < res.p50 {
		t.Fatalf("drive = %+v, %v", res, err)
	}
	close(seen)
	got := map[string]bool{}
	for c := range seen {
		got[c] = true
	}
	if !got["a=1"] || !got["b=2"] || len(got) != 2 {
		t.Errorf("cookies sent: %v", got)
	}
	if _, err := drive(&server{addr: addr, cookies: []string{"bad=1"}}, 100e6, 1); err == nil {
		t.Error("a 401 did not fail the run")
	}
}

// TestCookieServers checks that the cookie-cache servers rotate over
// signedIn distinct sessions, bare over compact's, and that every cookie
// is answered.
func TestCookieServers(t *testing.T) {
	for _, name := range []string{"sessionkit-compact", "sessionkit-jwe", "bare"} {
		t.Run(name, func(t *testing.T) {
			h, cookies := build(name, "")
			distinct := map[string]bool{}
			for _, c := range cookies {
				distinct[c] = true
			}
			if len(cookies) != signedIn || len(distinct) != signedIn {
				t.Fatalf("%d cookies, %d distinct, want %d", len(cookies), len(distinct), signedIn)
			}
			for _, c := range cookies {
				if !strings.Contains(c, "session_data=") {
					t.Fatalf("no cache cookie in %q", c)
				}
				req := httptest.NewRequest("GET", "/", nil)
				req.Header.Set("Cookie", c)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					t.Fatalf("%q: status %d", c, rec.Code)
				}
			}
		})
	}
}
