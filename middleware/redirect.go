package middleware

import (
	"net/http"
	"net/url"
	"strings"
)

// WantsHTML reports whether r is a browser navigation, which should get a
// page rather than JSON. When the browser sends Sec-Fetch-Mode, that
// decides (navigate); otherwise Sec-Fetch-Dest: document, an Accept header
// naming text/html, or a form-encoded body (a form post, whatever the
// method) says so.
func WantsHTML(r *http.Request) bool {
	// Browsers say it outright: a fetch() or XHR, even one posting a
	// FormData body, is not a navigation and wants the API's JSON.
	if mode := r.Header.Get("Sec-Fetch-Mode"); mode != "" {
		return mode == "navigate"
	}
	return r.Header.Get("Sec-Fetch-Dest") == "document" ||
		strings.Contains(r.Header.Get("Accept"), "text/html") ||
		formPost(r)
}

// WithReturnPath returns target with param (default "returnTo") set to the
// place to return to: the path and query of r for a GET or HEAD. A form
// post cannot be replayed by a redirect, so for other methods it is the
// same-origin page that sent it (the Referer's path: the form), and
// without one the parameter is left out. A request path that a browser
// would read as another host ("//host/…", which routers other than
// ServeMux pass through) is replaced by "/", so the value is always safe
// to redirect to (see SafeReturnPath).
func WithReturnPath(target, param string, r *http.Request) string {
	return withReturnPath(target, param, r, "")
}

// withReturnPath is WithReturnPath with formPage, the return path of a
// form post without a same-origin Referer.
func withReturnPath(target, param string, r *http.Request, formPage string) string {
	if param == "" {
		param = "returnTo"
	}
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	p := returnPath(r)
	if p == "" {
		p = SafeReturnPath(formPage, "")
	}
	if p == "" {
		return target
	}
	q := u.Query()
	q.Set(param, p)
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
