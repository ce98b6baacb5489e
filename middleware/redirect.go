package middleware

import (
	"net/http"
	"net/url"
	"strings"
)

// WantsHTML reports whether r is a browser asking for a page: a GET or
// HEAD whose Accept header names text/html.
func WantsHTML(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		strings.Contains(r.Header.Get("Accept"), "text/html")
}

// WithReturnPath returns target with param (default "returnTo") set to the
// path and query of r, the place to return to. A request path that a
// browser would read as another host ("//host/…", which routers other than
// ServeMux pass through) is replaced by "/", so the value is always safe
// to redirect to (see SafeReturnPath).
func WithReturnPath(target, param string, r *http.Request) string {
	if param == "" {
		param = "returnTo"
	}
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	q := u.Query()
	q.Set(param, SafeReturnPath(r.URL.RequestURI(), "/"))
	u.RawQuery = q.Encode()
	return u.String()
}

// SafeReturnPath returns p when it is a path on this site ("/…", but not
// "//…" or "/\…", which browsers read as another host), and fallback
// otherwise. Use it on the return parameter before redirecting back.
func SafeReturnPath(p, fallback string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return fallback
	}
	// Browsers delete tabs and newlines from URLs ("/\t/evil.example"
	// becomes "//evil.example"): refuse every control character.
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == 0x7f {
			return fallback
		}
	}
	return p
}
