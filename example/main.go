// Command example is a small app built on sessionkit: sign up, sign in (with
// "remember me"), a dashboard showing the session, a page listing every
// device signed in with a button to sign each out, a settings page that
// needs a fresh sign-in, and sign out. A small script keeps a session badge
// current from Better Auth's GET /api/auth/get-session and follows sign-outs
// in other tabs. It runs on an embedded SQLite file.
//
//	go run ./example
//
// then open http://localhost:8080. `go run ./example -h` lists the flags
// (cookie cache strategy, stateless mode, secrets, …) and the environment
// variable of each.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/multisession"
	"github.com/sessionkit/sessionkit/store/sqlite"
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
	postgres, redis           string // see openStore
	cookiePrefix, cache       string
	cacheMaxAge, freshAge     time.Duration
	stateless                 bool
	trustedIPHeader           string // see sessionkit.Config.TrustedIPHeader
	rateLimit                 bool
	redisOnly                 bool   // with -redis: sessions in Redis alone
	metricsAddr               string // see metrics.go
	multiSession              bool   // the account switcher (multisession)
	social                    socialOptions
	bearer                    bool // bearer tokens: the dashboard's API token panel
}

// parseFlags reads the flags, then the environment variable each usage
// names as "(env NAME)" for the flags not given (see applyEnv).
func parseFlags(args []string, getenv func(string) string) (options, error) {
	var o options
	fs := flag.NewFlagSet("example", flag.ContinueOnError)
	fs.Usage = usage(fs)
	fs.StringVar(&o.addr, "addr", "localhost:8080", "listen address (env ADDR)")
	fs.StringVar(&o.db, "db", "example.db", "SQLite database file, created when missing (env DATABASE_PATH)")
	fs.StringVar(&o.baseURL, "base-url", "", "public URL of the app; https:// turns on Secure, __Secure- cookies (env BASE_URL)")
	fs.StringVar(&o.secret, "secret", "", "cookie secret, 32+ bytes; several, comma-separated, for a rotation: the first signs, the others are still accepted; a random one for this run when empty (env AUTH_SECRET)")
	fs.StringVar(&o.cookiePrefix, "cookie-prefix", sessionkit.DefaultCookiePrefix, "first part of every cookie name (env COOKIE_PREFIX)")
	fs.StringVar(&o.cache, "cache", "off", "cookie cache: off, compact, jwt, jwe or securecookie; a cache answers without the database, so a revoked device stays signed in until its cache cookie expires (env COOKIE_CACHE)")
	fs.DurationVar(&o.cacheMaxAge, "cache-max-age", 0, "how long one cache cookie answers for its session; 0 means 5m, or the session lifetime with -stateless (env COOKIE_CACHE_MAX_AGE)")
	fs.BoolVar(&o.stateless, "stateless", false, "stateless mode: sessions live in the cookie alone (jwe unless -cache says otherwise) and are never read from the database (env STATELESS)")
	fs.DurationVar(&o.freshAge, "fresh-age", 0, "how long after sign-in the settings page is allowed without signing in again; 0 means 24h (env FRESH_AGE)")
	fs.StringVar(&o.postgres, "postgres", "", "PostgreSQL connection string; replaces the SQLite file (env DATABASE_URL)")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://ADDR/metrics, on a listener of its own (e.g. 127.0.0.1:9464); off when empty (env METRICS_ADDR)")
	fs.StringVar(&o.redis, "redis", "", "Redis host:port or redis:// URL for secondary storage in front of the database (env REDIS_ADDR)")
	fs.StringVar(&o.trustedIPHeader, "trusted-ip-header", "", "header a reverse proxy in front sets to the client's address, such as X-Forwarded-For; only behind such a proxy, since clients can send any header (env TRUSTED_IP_HEADER)")
	fs.BoolVar(&o.rateLimit, "rate-limit", true, "Better Auth's rate limits on sign-in, sign-up and the API; turn off only for load tests (env RATE_LIMIT)")
	fs.BoolVar(&o.redisOnly, "redis-only", false, "with -redis: keep sessions in Redis alone (Better Auth's default), not as database rows too; Redis down then means 503s (env REDIS_ONLY)")
	fs.BoolVar(&o.multiSession, "multi-session", true, "several accounts in one browser, with an account switcher (Better Auth's multiSession plugin); off with -stateless (env MULTI_SESSION)")
	fs.StringVar(&o.social.oidcIssuer, "oidc-issuer", "", "sign in with an OpenID Connect provider: its issuer URL, whose /.well-known/openid-configuration is read (env OIDC_ISSUER)")
	fs.StringVar(&o.social.oidcClientID, "oidc-client-id", "", "client id of the app at the -oidc-issuer provider (env OIDC_CLIENT_ID)")
	fs.StringVar(&o.social.oidcClientSecret, "oidc-client-secret", "", "client secret of the app at the -oidc-issuer provider (env OIDC_CLIENT_SECRET)")
	fs.StringVar(&o.social.oidcName, "oidc-name", "", "the provider's name on the sign-in button (env OIDC_NAME)")
	fs.StringVar(&o.social.githubClientID, "github-client-id", "", "sign in with GitHub: the OAuth app's client id; its callback URL is BASE_URL/api/auth/callback/github (env GITHUB_CLIENT_ID)")
	fs.StringVar(&o.social.githubClientSecret, "github-client-secret", "", "the GitHub OAuth app's client secret (env GITHUB_CLIENT_SECRET)")
	fs.StringVar(&o.social.googleClientID, "google-client-id", "", "sign in with Google: the OAuth client id; its redirect URI is BASE_URL/api/auth/callback/google (env GOOGLE_CLIENT_ID)")
	fs.StringVar(&o.social.googleClientSecret, "google-client-secret", "", "the Google OAuth client secret (env GOOGLE_CLIENT_SECRET)")
	fs.BoolVar(&o.social.demoOIDC, "demo-oidc", false, "start a local test OpenID Connect provider on loopback, which signs in whoever asks, and offer it on the sign-in page; for demos only (env DEMO_OIDC)")
	fs.BoolVar(&o.bearer, "bearer", false, "accept Authorization: Bearer tokens (Better Auth's bearer plugin) and show each user an API token with a curl line on the dashboard (env BEARER)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	return o, applyEnv(fs, getenv)
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
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if o.social.any() && o.baseURL == "" {
		// The provider sends the browser back to BaseURL/api/auth/callback/…
		o.baseURL = "http://" + ln.Addr().String()
		if host, port, _ := net.SplitHostPort(o.addr); host == "" || host == "localhost" {
			o.baseURL = "http://localhost:" + port
			if port == "0" || port == "" {
				o.baseURL = "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
			}
		}
		log.Info("social sign-in needs a base URL; open the app there", "base_url", o.baseURL)
	}
	cfg, err := o.config()
	if err != nil {
		return err
	}
	if cfg.Secret == "" {
		cfg.Secret = generatedSecret(log)
	}
	st, err := openStore(o)
	if err != nil {
		return err
	}
	if st == nil && (o.stateless || o.metricsAddr != "") {
		// Stateless sessions need no database, but users and passwords
		// do: keep them in the SQLite file rather than in memory. Metrics
		// wrap the store, so they need it opened here too.
		if st, err = sqlite.Open(o.db); err != nil {
			return err
		}
	}
	if st != nil {
		defer st.Close()
	}
	obs, st, err := startMetrics(o, st, log)
	if err != nil {
		return err
	}
	defer obs.Close()
	cfg.Store = st
	cfg.Logger = log
	auth, err := sessionkit.New(cfg)
	if err != nil {
		return err
	}
	defer auth.Close()
	var ms *multisession.Plugin
	var plugins []account.Plugin
	if o.multiSession && !o.stateless { // stateless sessions cannot be switched to
		if ms, err = multisession.New(auth, multisession.Config{}); err != nil {
			return err
		}
		plugins = append(plugins, ms)
	}
	accounts, err := account.New(auth, account.Config{
		RateLimit:        account.RateLimit{Disabled: !o.rateLimit},
		EnableDeleteUser: true, // the demo lets users delete their account
		Plugins:          plugins,
	})
	if err != nil {
		return err
	}

	soc, closeSocial, err := newSocial(o.social, auth, log)
	if err != nil {
		return err
	}
	defer closeSocial()
	srv := newHTTPServer(withHSTS(o.baseURL, newFullApp(auth, accounts, appParts{multi: ms, obs: obs, social: soc})), serverTimeouts)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	log.Info("listening", "url", "http://"+ln.Addr().String(), "store", o.storeLabel(), "cache", o.cacheLabel(), "stateless", o.stateless, "multi_session", ms != nil)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
