// Package oidctest is a small OpenID Connect provider on loopback, for
// tests and demos of social sign-in without the internet: discovery,
// JWKS, an authorization endpoint (authorization code, PKCE S256, nonce),
// a token endpoint (code and refresh grants, client_secret_basic and
// client_secret_post) and userinfo. ID tokens are RS256, signed with a key
// made once per process. Knobs let a test deny consent, swap the nonce, or mint
// expired ID tokens.
//
// It is not a provider to deploy: there are no accounts and no passwords;
// whoever reaches the authorization endpoint signs in as the configured
// User (or, with Interactive, as the e-mail typed into its page).
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// User is who signs in at the provider.
type User struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	Picture       string
}

// Server is a running provider. Change its exported fields only between
// sign-ins, or through its methods, which lock.
type Server struct {
	// Issuer is the provider's URL (http://127.0.0.1:<port>), also its
	// discovery base.
	Issuer       string
	ClientID     string
	ClientSecret string

	mu           sync.Mutex
	user         User
	deny         bool
	nonce        *string // replaces the request's nonce when set
	idTokenTTL   time.Duration
	accessTTL    time.Duration
	interactive  bool
	now          func() time.Time
	codes        map[string]grant
	access       map[string]grant
	refresh      map[string]grant
	tokenCalls   int
	refreshCalls int

	key  *rsa.PrivateKey
	kid  string
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// grant is what a code, access token or refresh token stands for.
type grant struct {
	user      User
	nonce     string
	challenge string
	redirect  string
	scope     string
	expires   time.Time
}

// NewServer starts a provider on 127.0.0.1 (a port the system picks) with
// a random client id and secret, signing in User{Subject: "user-1",
// Email: "ada@example.com", EmailVerified: true, Name: "Ada"}.
func NewServer() (*Server, error) {
	return NewServerAt("127.0.0.1:0")
}

// NewServerAt is NewServer on the given listen address.
func NewServerAt(addr string) (*Server, error) {
	key, err := processKey()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{
		Issuer: "http://" + ln.Addr().String(), ClientID: "client-" + random(8), ClientSecret: random(24),
		user:       User{Subject: "user-1", Email: "ada@example.com", EmailVerified: true, Name: "Ada"},
		idTokenTTL: time.Hour, accessTTL: time.Hour, now: time.Now,
		codes: map[string]grant{}, access: map[string]grant{}, refresh: map[string]grant{},
		key: key, kid: random(8), ln: ln, done: make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", s.discovery)
	mux.HandleFunc("GET /jwks", s.jwks)
	mux.HandleFunc("/authorize", s.authorize)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("GET /userinfo", s.userinfo)
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { defer close(s.done); _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the provider.
func (s *Server) Close() {
	_ = s.srv.Close()
	<-s.done
}

// SetUser sets who signs in from now on.
func (s *Server) SetUser(u User) { s.mu.Lock(); s.user = u; s.mu.Unlock() }

// DenyNext makes the next authorization answer error=access_denied, as a
// user who refuses consent.
func (s *Server) DenyNext() { s.mu.Lock(); s.deny = true; s.mu.Unlock() }

// NonceNext makes the next ID token carry nonce instead of the one the
// client sent.
func (s *Server) NonceNext(nonce string) { s.mu.Lock(); s.nonce = &nonce; s.mu.Unlock() }

// SetIDTokenTTL sets how long ID tokens live; a negative TTL mints
// expired ones.
func (s *Server) SetIDTokenTTL(d time.Duration) { s.mu.Lock(); s.idTokenTTL = d; s.mu.Unlock() }

// SetAccessTokenTTL sets the expires_in of access tokens.
func (s *Server) SetAccessTokenTTL(d time.Duration) { s.mu.Lock(); s.accessTTL = d; s.mu.Unlock() }

// SetInteractive makes the authorization endpoint show a page where a
// person types an e-mail and allows or denies, instead of signing the
// configured User in at once (for demos and browser tests).
func (s *Server) SetInteractive(on bool) { s.mu.Lock(); s.interactive = on; s.mu.Unlock() }

// Calls returns how many code and refresh grants the token endpoint
// answered.
func (s *Server) Calls() (codes, refreshes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenCalls, s.refreshCalls
}

// processKey is the signing key of every Server of the process: making a
// 2048-bit RSA key costs tens of milliseconds, and tests start many.
var processKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

func random(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                s.Issuer,
		"authorization_endpoint":                s.Issuer + "/authorize",
		"token_endpoint":                        s.Issuer + "/token",
		"userinfo_endpoint":                     s.Issuer + "/userinfo",
		"jwks_uri":                              s.Issuer + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "email", "profile"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
	})
}

func (s *Server) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &s.key.PublicKey, KeyID: s.kid, Algorithm: "RS256", Use: "sig"}}})
}

var page = template.Must(template.New("consent").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>oidctest: sign in</title></head>
<body><h1>Test provider</h1><p>Sign in to the app as:</p>
<form method="post" action="/authorize">{{range $k, $v := .Query}}
<input type="hidden" name="{{$k}}" value="{{index $v 0}}">{{end}}
<label>E-mail <input id="oidctest-email" name="email" value="{{.Email}}"></label>
<label>Name <input id="oidctest-name" name="name" value="{{.Name}}"></label>
<button id="oidctest-allow" name="decision" value="allow">Allow</button>
<button id="oidctest-deny" name="decision" value="deny">Deny</button>
</form></body></html>`))

// authorize is the authorization endpoint.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	q := r.Form
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || (redirect.Scheme != "http" && redirect.Scheme != "https") {
		http.Error(w, "invalid redirect_uri", http.StatusBadRequest)
		return
	}
	if q.Get("client_id") != s.ClientID || q.Get("response_type") != "code" {
		http.Error(w, "invalid client_id or response_type", http.StatusBadRequest)
		return
	}
	if m := q.Get("code_challenge_method"); q.Get("code_challenge") != "" && m != "S256" {
		http.Error(w, "only S256", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	u, deny, interactive := s.user, s.deny, s.interactive
	s.deny = false
	s.mu.Unlock()
	if interactive {
		if r.Method == http.MethodGet {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_ = page.Execute(w, map[string]any{"Query": r.URL.Query(), "Email": u.Email, "Name": u.Name})
			return
		}
		deny = r.PostForm.Get("decision") != "allow"
		if e := strings.TrimSpace(r.PostForm.Get("email")); e != "" && e != u.Email {
			u = User{Subject: "sub-" + strings.ToLower(e), Email: e, EmailVerified: true, Name: r.PostForm.Get("name")}
		}
	}
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	back.Set("iss", s.Issuer)
	if deny {
		back.Set("error", "access_denied")
		back.Set("error_description", "The user denied the request")
	} else {
		code := random(24)
		s.mu.Lock()
		s.codes[code] = grant{user: u, nonce: q.Get("nonce"), challenge: q.Get("code_challenge"),
			redirect: q.Get("redirect_uri"), scope: q.Get("scope"), expires: s.now().Add(time.Minute)}
		s.mu.Unlock()
		back.Set("code", code)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func tokenError(w http.ResponseWriter, code, desc string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": desc})
}

// clientOK checks client_secret_basic or client_secret_post.
func (s *Server) clientOK(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return subtle.ConstantTimeCompare([]byte(id), []byte(s.ClientID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.ClientSecret)) == 1
}

// token is the token endpoint.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request", "bad form")
		return
	}
	if !s.clientOK(r) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var g grant
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		code := r.PostForm.Get("code")
		var ok bool
		g, ok = s.codes[code]
		delete(s.codes, code) // one use
		if !ok || s.now().After(g.expires) || g.redirect != r.PostForm.Get("redirect_uri") {
			tokenError(w, "invalid_grant", "unknown, used or expired code, or another redirect_uri")
			return
		}
		if g.challenge != "" {
			sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
			if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(g.challenge)) != 1 {
				tokenError(w, "invalid_grant", "code_verifier does not match")
				return
			}
		}
		s.tokenCalls++
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		var ok bool
		g, ok = s.refresh[rt]
		delete(s.refresh, rt) // rotated
		if !ok {
			tokenError(w, "invalid_grant", "unknown refresh token")
			return
		}
		s.refreshCalls++
	default:
		tokenError(w, "unsupported_grant_type", "")
		return
	}
	if s.nonce != nil {
		g.nonce, s.nonce = *s.nonce, nil
	}
	now := s.now()
	at, rt := random(24), random(24)
	g.expires = now.Add(s.accessTTL)
	s.access[at] = g
	s.refresh[rt] = g
	resp := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": int(s.accessTTL / time.Second),
		"refresh_token": rt, "scope": g.scope}
	if strings.Contains(" "+g.scope+" ", " openid ") {
		idt, err := s.idToken(g, now)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
			return
		}
		resp["id_token"] = idt
	}
	writeJSON(w, http.StatusOK, resp)
}

// idToken signs g's ID token; call with s.mu held.
func (s *Server) idToken(g grant, now time.Time) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: s.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", s.kid))
	if err != nil {
		return "", err
	}
	claims := map[string]any{
		"iss": s.Issuer, "sub": g.user.Subject, "aud": s.ClientID,
		"iat": now.Unix(), "exp": now.Add(s.idTokenTTL).Unix(),
		"email": g.user.Email, "email_verified": g.user.EmailVerified, "name": g.user.Name,
	}
	if g.user.Picture != "" {
		claims["picture"] = g.user.Picture
	}
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

// userinfo is the userinfo endpoint.
func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	at, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	g, found := s.access[at]
	now := s.now()
	s.mu.Unlock()
	if !ok || !found || now.After(g.expires) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sub": g.user.Subject, "email": g.user.Email,
		"email_verified": g.user.EmailVerified, "name": g.user.Name})
}
