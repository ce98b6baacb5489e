package account

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/sessionkit/sessionkit"
)

// Plugin extends Handler as a Better Auth server plugin does: more
// endpoints, and hooks around every endpoint. Give plugins to New in
// Config.Plugins; package multisession is one.
type Plugin interface {
	// Endpoints are more routes of Handler, served under BasePath behind
	// the API's per-address rate limit (its rules apply to their paths) and
	// origin checks, as the built-in endpoints are.
	Endpoints() []Endpoint
	// Wrap returns the handler of the endpoint at path (relative to
	// BasePath, such as "/sign-out"), next, with the plugin's hooks around
	// it; next itself when the plugin has none for path. Handler calls it
	// once per endpoint, built-in or a plugin's, in the order of
	// Config.Plugins (the last plugin's hooks outermost). Hooks run after
	// the rate limit and origin checks.
	Wrap(path string, next http.Handler) http.Handler
}

// Endpoint is one route a Plugin adds.
type Endpoint struct {
	Method  string // http.MethodGet or http.MethodPost
	Path    string // relative to BasePath: "/multi-session/list-device-sessions"
	Handler http.Handler
}

// checkPlugins refuses endpoints that cannot be served: no path, method
// or handler, or a path taken by the API or another plugin.
func checkPlugins(plugins []Plugin) error {
	taken := (&apiHandler{}).builtin()
	for _, p := range plugins {
		if p == nil {
			return fmt.Errorf("%w: Plugins: a nil plugin", sessionkit.ErrConfig)
		}
		for _, e := range p.Endpoints() {
			if !strings.HasPrefix(e.Path, "/") || e.Method == "" || e.Handler == nil {
				return fmt.Errorf("%w: Plugins: endpoint %q needs a path starting with /, a method and a handler", sessionkit.ErrConfig, e.Path)
			}
			if _, dup := taken[e.Path]; dup {
				return fmt.Errorf("%w: Plugins: endpoint %q is served twice", sessionkit.ErrConfig, e.Path)
			}
			taken[e.Path] = route{}
		}
	}
	return nil
}

// addPlugins adds the plugins' endpoints to the route table, then wraps
// every route in the plugins' hooks.
func (h *apiHandler) addPlugins(plugins []Plugin) {
	for _, p := range plugins {
		for _, e := range p.Endpoints() {
			h.routes[e.Path] = route{e.Method, e.Handler.ServeHTTP}
		}
	}
	if len(plugins) == 0 {
		return
	}
	for path, rt := range h.routes {
		var next http.Handler = http.HandlerFunc(rt.serve)
		for _, p := range plugins {
			next = p.Wrap(path, next)
		}
		h.routes[path] = route{rt.method, next.ServeHTTP}
	}
}

// ReadBodyString reads a plugin endpoint's JSON object body and its
// required string member key, as the built-in endpoints read theirs. On a
// bad body it answers the client with Better Auth's status and code (413,
// 415 UNSUPPORTED_MEDIA_TYPE, 400 VALIDATION_ERROR "[body.key] Invalid
// input: expected string, received …") and returns false.
func ReadBodyString(w http.ResponseWriter, r *http.Request, key string) (string, bool) {
	b, ok := readBody(w, r, true)
	if !ok {
		return "", false
	}
	var v validator
	s, _ := v.str(b, key, true)
	if v.fail(w) {
		return "", false
	}
	return s, true
}

// WriteJSON answers v as the API's endpoints answer: JSON as JavaScript
// writes it (<, > and & unescaped, no trailing newline), Content-Type
// application/json and Cache-Control: no-store.
func WriteJSON(w http.ResponseWriter, status int, v any) { writeJSON(w, status, v) }
