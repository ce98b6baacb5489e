// Command example is a small app built on sessionkit: sign up, sign in (with
// "remember me"), a dashboard showing the session, a settings page that
// needs a fresh sign-in, and sign out. It runs on an embedded SQLite file.
//
//	go run ./example
//
// then open http://localhost:8080.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sessionkit/sessionkit"
)

func main() {
	if err := run(os.Args[1:], os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "example:", err)
		os.Exit(1)
	}
}

// options are the example's settings, from flags with environment fallbacks.
type options struct {
	addr, db, baseURL, secret string
}

func parseFlags(args []string, getenv func(string) string) (options, error) {
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	var o options
	fs := flag.NewFlagSet("example", flag.ContinueOnError)
	fs.StringVar(&o.addr, "addr", env("ADDR", "localhost:8080"), "listen address (env ADDR)")
	fs.StringVar(&o.db, "db", env("DATABASE_PATH", "example.db"), "SQLite database file, created when missing (env DATABASE_PATH)")
	fs.StringVar(&o.baseURL, "base-url", env("BASE_URL", ""), "public URL; https:// turns on __Secure- cookies (env BASE_URL)")
	fs.StringVar(&o.secret, "secret", env("AUTH_SECRET", ""), "cookie secret, 32+ bytes; a random one when empty (env AUTH_SECRET)")
	err := fs.Parse(args)
	return o, err
}

func run(args []string, getenv func(string) string) error {
	o, err := parseFlags(args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if o.secret == "" {
		var b [32]byte
		rand.Read(b[:])
		o.secret = base64.RawURLEncoding.EncodeToString(b[:])
		log.Warn("no -secret or AUTH_SECRET given: using a random secret, so sessions end when the app restarts")
	}
	auth, err := sessionkit.New(sessionkit.Config{
		Secret:       o.secret,
		BaseURL:      o.baseURL,
		DatabasePath: o.db,
		Logger:       log,
	})
	if err != nil {
		return err
	}
	defer auth.Close()

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: newApp(auth), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	log.Info("listening", "url", "http://"+ln.Addr().String(), "database", o.db)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
