package main

import (
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/sessionkit/sessionkit"
)

// envInUsage finds the environment variable a flag's usage names, as
// "(env NAME)". The usage text is the one place that pairs a flag with its
// variable, so -h always shows the pair that is in force.
var envInUsage = regexp.MustCompile(`\(env ([A-Z][A-Z0-9_]*)\)`)

// applyEnv sets every flag not given on the command line from its
// environment variable, when that is set: a flag wins over the environment,
// the environment over the default. Defaults stay what -h prints, so -h
// never echoes a secret or a connection string taken from the environment.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		m := envInUsage.FindStringSubmatch(f.Usage)
		if err != nil || given[f.Name] || m == nil {
			return
		}
		if v := getenv(m[1]); v != "" {
			if serr := fs.Set(f.Name, v); serr != nil {
				err = fmt.Errorf("environment variable %s: %w", m[1], serr)
			}
		}
	})
	return err
}

// usage prints the -h text: what the command is, then every flag with its
// environment variable.
func usage(fs *flag.FlagSet) func() {
	return func() {
		w := fs.Output()
		fmt.Fprint(w, `Usage: example [flags]

Runs the sessionkit example app: sign up, sign in, dashboard, your sessions,
account settings. Every flag can also be set by the environment variable
named after it; a flag on the command line wins over the variable.

Flags:
`)
		fs.PrintDefaults()
	}
}

// cacheStrategies are the values of -cache other than "off".
var cacheStrategies = []string{"compact", "jwt", "jwe", "securecookie"}

// config turns the options into a sessionkit.Config. The Secret is empty
// when no secret was given; the caller generates one.
func (o options) config() (sessionkit.Config, error) {
	secrets := splitSecrets(o.secret)
	cfg := sessionkit.Config{
		BaseURL:      o.baseURL,
		CookiePrefix: o.cookiePrefix,
		DatabasePath: o.db,
		FreshAge:     o.freshAge,
		Stateless:    o.stateless,

		TrustedIPHeader: o.trustedIPHeader,
		Bearer:          sessionkit.Bearer{Enabled: o.bearer},
	}
	if len(secrets) > 0 {
		cfg.Secret, cfg.OldSecrets = secrets[0], secrets[1:]
	}
	switch c := strings.ToLower(o.cache); {
	case c == "" || c == "off":
		// Stateless mode turns the cache on whatever -cache says, with
		// its own default strategy (jwe).
	case slices.Contains(cacheStrategies, c):
		cfg.CookieCache = sessionkit.CookieCache{Enabled: true, Strategy: c}
	default:
		return cfg, fmt.Errorf("-cache %q: want off, %s", o.cache, strings.Join(cacheStrategies, ", "))
	}
	if o.cacheMaxAge < 0 || o.freshAge < 0 {
		return cfg, fmt.Errorf("-cache-max-age and -fresh-age cannot be negative")
	}
	cfg.CookieCache.MaxAge = o.cacheMaxAge
	return cfg, nil
}

// cacheLabel names the cookie cache in force, for the log.
func (o options) cacheLabel() string {
	if o.stateless && (o.cache == "" || strings.EqualFold(o.cache, "off")) {
		return "jwe"
	}
	return strings.ToLower(o.cache)
}

// storeLabel names the store in use, for the log: never a connection
// string, which may hold a password.
func (o options) storeLabel() string {
	label := "sqlite " + o.db
	if o.postgres != "" {
		label = "postgres"
	}
	if o.redis != "" {
		label = "redis + " + label
	}
	return label
}

// splitSecrets reads -secret: one secret, or several separated by commas,
// the first signing and the others still accepted (a rotation).
func splitSecrets(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// randomSecret returns 32 random bytes as base64url text (43 characters).
func randomSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}
