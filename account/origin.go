package account

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/sessionkit/sessionkit"
)

// Codes and messages of Better Auth 1.7.25's origin checks.
const (
	CodeMissingOrNullOrigin = "MISSING_OR_NULL_ORIGIN"
	CodeCrossSiteLogin      = "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED"

	messageMissingOrNullOrigin = "Missing or null Origin"
	messageCrossSiteLogin      = "Cross-site navigation login blocked. This request appears to be a CSRF attack."
	messageInvalidOrigin       = "Invalid origin"
)

// origins decides which origins the API trusts: BaseURL's and
// Config.TrustedOrigins, never one taken from the request's Host header
// alone (a client writes Host as it likes).
type origins struct {
	base    string          // BaseURL's origin; "" when BaseURL is unset
	trusted map[string]bool // base and the trusted origins, as originOf writes them
}

func newOrigins(baseURL string, trusted []string) origins {
	o := origins{base: originOf(baseURL), trusted: map[string]bool{}}
	if o.base != "" {
		o.trusted[o.base] = true
	}
	for _, t := range trusted {
		if t = originOf(t); t != "" {
			o.trusted[t] = true
		}
	}
	return o
}

// originOf returns the origin of an absolute http(s) URL as a browser
// serializes it (lower case, no default port), or "" for anything else.
// URLs a browser might read differently from net/url (backslashes,
// control characters, user info) count as anything else.
func originOf(s string) string {
	if s == "" || strings.ContainsAny(s, "\\ ") || strings.IndexFunc(s, isControl) >= 0 {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	return u.Scheme + "://" + hostWithoutDefaultPort(u.Scheme, u.Host)
}

func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }

// hostWithoutDefaultPort lower-cases host and drops the scheme's default
// port, as URL.origin does.
func hostWithoutDefaultPort(scheme, host string) string {
	host = strings.ToLower(host)
	if h, port, err := net.SplitHostPort(host); err == nil &&
		(scheme == "http" && port == "80" || scheme == "https" && port == "443") {
		if strings.Contains(h, ":") {
			return "[" + h + "]"
		}
		return h
	}
	return host
}

// redirectAllowed reports whether a callbackURL may be redirected to: a
// path of this site, or a URL at BaseURL's origin or a trusted one (Better
// Auth's isTrustedOrigin with relative paths allowed).
func (o origins) redirectAllowed(cb string) bool {
	if strings.HasPrefix(cb, "/") {
		return safeRelativeURL(cb)
	}
	return o.trusted[originOf(cb)]
}

// safeRelativeURL is Better Auth's isSafeRelativeURL: a path that every
// browser and router reads as one of this site.
func safeRelativeURL(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.Contains(p, "\\") || strings.IndexFunc(p, isControl) >= 0 {
		return false
	}
	path := p
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		path = p[:i]
	}
	lower := strings.ToLower(path)
	if strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") {
		return false
	}
	u, err := url.Parse(p)
	return err == nil && u.Scheme == "" && u.Host == ""
}

// requestAllowed reports whether origin (as originOf writes it) may send
// cookie-carrying requests. Without a BaseURL, the request's own host is
// also accepted, as http.CrossOriginProtection does: for CSRF the Host
// header is the browser's, not the attacker's. Set BaseURL to pin it.
func (o origins) requestAllowed(origin string, r *http.Request) bool {
	if origin == "" {
		return false
	}
	if o.trusted[origin] {
		return true
	}
	if o.base != "" {
		return false
	}
	scheme, host, _ := strings.Cut(origin, "://")
	return host == hostWithoutDefaultPort(scheme, r.Host)
}

// check is Better Auth's originCheckMiddleware and, on the sign-in and
// sign-up endpoints (login), its formCsrfMiddleware: a state change that
// carries cookies needs an Origin (or Referer) of a trusted origin; a login
// with browser fetch metadata or an Origin needs the same, and a cross-site
// navigation to a login is refused. Requests without cookies, Origin,
// Referer or Sec-Fetch-* headers (curl, mobile apps) pass. It answers 403
// with Better Auth's codes and returns false when it refuses.
func (o origins) check(w http.ResponseWriter, r *http.Request, login bool) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	h := r.Header
	origin := h.Get("Origin")
	if _, cookies := h["Cookie"]; !cookies {
		if !login {
			return true
		}
		site, mode := h.Get("Sec-Fetch-Site"), h.Get("Sec-Fetch-Mode")
		switch {
		case strings.TrimSpace(site) != "" || strings.TrimSpace(mode) != "" || strings.TrimSpace(h.Get("Sec-Fetch-Dest")) != "":
			if site == "cross-site" && mode == "navigate" {
				sessionkit.WriteError(w, http.StatusForbidden, CodeCrossSiteLogin, messageCrossSiteLogin)
				return false
			}
		case origin == "" && h.Get("Referer") == "":
			return true
		}
	}
	claimed := origin
	if claimed == "" {
		claimed = h.Get("Referer")
	}
	if origin == "null" && h.Get("Sec-Fetch-Site") == "same-origin" {
		// The browser vouches that the page is ours but hides its origin
		// (a sandboxed frame, say): Better Auth takes the request's own.
		claimed = o.requestOrigin(r)
	}
	if claimed == "" || claimed == "null" {
		sessionkit.WriteError(w, http.StatusForbidden, CodeMissingOrNullOrigin, messageMissingOrNullOrigin)
		return false
	}
	if !o.requestAllowed(originOf(claimed), r) {
		sessionkit.WriteError(w, http.StatusForbidden, CodeInvalidOrigin, messageInvalidOrigin)
		return false
	}
	return true
}

// requestOrigin is the origin the request was sent to: BaseURL's when the
// Host matches it, else the Host with the connection's scheme.
func (o origins) requestOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if o.base != "" {
		bs, bh, _ := strings.Cut(o.base, "://")
		if hostWithoutDefaultPort(bs, r.Host) == bh {
			return o.base
		}
	}
	return scheme + "://" + r.Host
}
