package main

import (
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// timeouts bound how long one connection may hold the server: without them
// a client sending its body a byte at a time keeps a connection (and a
// goroutine) forever.
type timeouts struct {
	readHeader, read, write, idle time.Duration
}

// serverTimeouts are the example's: generous for people on slow links,
// short enough that trickling clients cannot pile up.
var serverTimeouts = timeouts{readHeader: 5 * time.Second, read: 15 * time.Second, write: 30 * time.Second, idle: 2 * time.Minute}

// maxHeaderBytes bounds the request line and headers; cookies, the largest
// part, are at most a few chunked cache cookies of 4 KiB.
const maxHeaderBytes = 64 << 10

// newHTTPServer returns the server for h with the timeouts t.
func newHTTPServer(h http.Handler, t timeouts) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.readHeader,
		ReadTimeout:       t.read,
		WriteTimeout:      t.write,
		IdleTimeout:       t.idle,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

// withHSTS tells browsers to use https only, when the app's base URL is
// https: a later plain-http visit could otherwise be intercepted before the
// redirect to https.
func withHSTS(baseURL string, h http.Handler) http.Handler {
	if !strings.HasPrefix(strings.ToLower(baseURL), "https://") {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		h.ServeHTTP(w, r)
	})
}

// generatedSecret returns a random secret for this run and says so in the
// log, with how to set one; never the value: logs are read by more people
// than should hold a key that signs sessions.
func generatedSecret(log *slog.Logger) string {
	log.Warn("no -secret or AUTH_SECRET given: using a random secret for this run only, " +
		"so sessions end when the app restarts; set AUTH_SECRET (or -secret) to 32+ random bytes, " +
		"e.g. from `openssl rand -base64 32`, to keep them")
	return randomSecret()
}
