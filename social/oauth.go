package social

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// provider is a configured Provider with its discovered OpenID Connect
// endpoints, resolved on first use.
type provider struct {
	Provider
	redirect string
	client   *http.Client
	now      func() time.Time

	mu       sync.Mutex
	oidc     *oidc.Provider // nil until discovered
	verifier *oidc.IDTokenVerifier
}

// discover fetches the OpenID Connect configuration once; a failure is
// not kept, so the next sign-in tries again (Better Auth's retryDiscovery).
func (p *provider) discover(ctx context.Context) (*oidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.oidc != nil {
		return p.oidc, nil
	}
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, p.client), p.Issuer)
	if err != nil {
		return nil, fmt.Errorf("social: discovery of %q: %w", p.Issuer, err)
	}
	p.oidc = op
	p.verifier = op.Verifier(&oidc.Config{ClientID: p.ClientID, Now: p.now})
	return op, nil
}

// config is the oauth2.Config of the provider.
func (p *provider) config(ctx context.Context, scopes []string) (*oauth2.Config, error) {
	ep := oauth2.Endpoint{AuthURL: p.AuthURL, TokenURL: p.TokenURL, AuthStyle: oauth2.AuthStyleInParams}
	all := append([]string(nil), scopes...)
	all = append(all, p.Scopes...)
	if p.Issuer != "" {
		op, err := p.discover(ctx)
		if err != nil {
			return nil, err
		}
		d := op.Endpoint()
		if ep.AuthURL == "" {
			ep.AuthURL = d.AuthURL
		}
		if ep.TokenURL == "" {
			ep.TokenURL = d.TokenURL
		}
		if !contains(all, oidc.ScopeOpenID) {
			all = append([]string{oidc.ScopeOpenID}, all...)
		}
	}
	return &oauth2.Config{ClientID: p.ClientID, ClientSecret: p.ClientSecret, Endpoint: ep, RedirectURL: p.redirect, Scopes: all}, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// authURL is the provider's authorization URL for st.
func (p *provider) authURL(ctx context.Context, st State, scopes []string, loginHint string) (string, error) {
	cfg, err := p.config(ctx, scopes)
	if err != nil {
		return "", err
	}
	var opts []oauth2.AuthCodeOption
	if !p.DisablePKCE {
		opts = append(opts, oauth2.S256ChallengeOption(st.CodeVerifier))
	}
	if st.IDTokenNonce != "" {
		opts = append(opts, oidc.Nonce(st.IDTokenNonce))
	}
	if loginHint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", loginHint))
	}
	return cfg.AuthCodeURL(st.OAuthState, opts...), nil
}

// exchange trades the code for the provider's tokens.
func (p *provider) exchange(ctx context.Context, code, verifier string) (Tokens, error) {
	cfg, err := p.config(ctx, nil)
	if err != nil {
		return Tokens{}, err
	}
	var opts []oauth2.AuthCodeOption
	if !p.DisablePKCE {
		opts = append(opts, oauth2.VerifierOption(verifier))
	}
	tok, err := cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, p.client), code, opts...)
	if err != nil {
		return Tokens{}, err
	}
	return tokensOf(tok, p.now()), nil
}

// tokensOf reads an oauth2.Token as Better Auth's getOAuth2Tokens does.
func tokensOf(tok *oauth2.Token, now time.Time) Tokens {
	t := Tokens{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, TokenType: tok.TokenType}
	if tok.ExpiresIn > 0 {
		t.AccessTokenExpiresAt = now.Add(time.Duration(tok.ExpiresIn) * time.Second)
	} else if !tok.Expiry.IsZero() {
		t.AccessTokenExpiresAt = tok.Expiry
	}
	if v, ok := tok.Extra("refresh_token_expires_in").(float64); ok && v > 0 && v < 1e9 {
		t.RefreshTokenExpiresAt = now.Add(time.Duration(v) * time.Second)
	}
	if v, ok := tok.Extra("id_token").(string); ok {
		t.IDToken = v
	}
	if v, ok := tok.Extra("scope").(string); ok {
		t.Scopes = strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' })
	}
	return t
}

// Errors of the ID token checks. Match them with errors.Is.
var (
	// ErrNoIDToken means an OpenID Connect provider answered without an
	// ID token.
	ErrNoIDToken = errors.New("social: no ID token")
	// ErrNonce means the ID token does not carry the nonce of this
	// sign-in: it was minted for another one (a replay or a swap).
	ErrNonce = errors.New("social: ID token nonce mismatch")
)

// profile says who signed in: the verified ID token's claims (completed
// from the userinfo endpoint when they have no e-mail), or Profile.
func (p *provider) profile(ctx context.Context, tok Tokens, nonce string) (Profile, error) {
	if p.Issuer == "" {
		prof, err := p.Profile(ctx, p.client, tok)
		if err != nil {
			return Profile{}, err
		}
		if prof.AccountID == "" {
			return Profile{}, errors.New("social: the profile has no account id")
		}
		return prof, nil
	}
	op, err := p.discover(ctx)
	if err != nil {
		return Profile{}, err
	}
	if tok.IDToken == "" {
		return Profile{}, ErrNoIDToken
	}
	idt, err := p.verifier.Verify(oidc.ClientContext(ctx, p.client), tok.IDToken)
	if err != nil {
		return Profile{}, fmt.Errorf("social: ID token: %w", err)
	}
	if nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return Profile{}, ErrNonce
	}
	var c claims
	if err := idt.Claims(&c); err != nil {
		return Profile{}, fmt.Errorf("social: ID token claims: %w", err)
	}
	if c.Email == "" && op.UserInfoEndpoint() != "" && tok.AccessToken != "" {
		ui, err := op.UserInfo(oidc.ClientContext(ctx, p.client), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok.AccessToken, TokenType: "Bearer"}))
		if err != nil {
			return Profile{}, fmt.Errorf("social: userinfo: %w", err)
		}
		if ui.Subject != idt.Subject {
			return Profile{}, errors.New("social: userinfo names another subject")
		}
		var uc claims
		if err := ui.Claims(&uc); err != nil {
			return Profile{}, fmt.Errorf("social: userinfo claims: %w", err)
		}
		c = uc
	}
	return Profile{AccountID: idt.Subject, Email: c.Email, EmailVerified: bool(c.EmailVerified), Name: c.Name, Image: c.Picture}, nil
}

// claims are the OpenID Connect claims read from an ID token or userinfo.
type claims struct {
	Email         string   `json:"email"`
	EmailVerified flexBool `json:"email_verified"`
	Name          string   `json:"name"`
	Picture       string   `json:"picture"`
}

// flexBool reads true and "true" as true (Better Auth's
// parseStringBoolean): some providers send email_verified as a string.
type flexBool bool

// UnmarshalJSON implements json.Unmarshaler.
func (b *flexBool) UnmarshalJSON(data []byte) error {
	s := strings.Trim(string(data), `"`)
	*b = flexBool(s == "true")
	return nil
}

// Refresh trades the account's refresh token for fresh tokens at its
// provider and returns the account with them (tokens the provider did not
// renew are kept), for the caller to store. It does not write the store.
func (h *Handler) Refresh(ctx context.Context, a Account) (Account, error) {
	p, ok := h.providers[a.ProviderID]
	if !ok {
		return a, fmt.Errorf("social: refresh: provider %q is not configured", a.ProviderID)
	}
	if a.RefreshToken == "" {
		return a, errors.New("social: refresh: the account has no refresh token")
	}
	ctx, cancel := context.WithTimeout(ctx, defaultTimeout)
	defer cancel()
	cfg, err := p.config(ctx, nil)
	if err != nil {
		return a, err
	}
	tok, err := cfg.TokenSource(context.WithValue(ctx, oauth2.HTTPClient, p.client), &oauth2.Token{RefreshToken: a.RefreshToken, Expiry: time.Unix(1, 0)}).Token()
	if err != nil {
		return a, fmt.Errorf("social: refresh: %w", err)
	}
	t := tokensOf(tok, p.now())
	a.AccessToken = t.AccessToken
	a.AccessTokenExpiresAt = t.AccessTokenExpiresAt
	if t.RefreshToken != "" {
		a.RefreshToken = t.RefreshToken
	}
	if !t.RefreshTokenExpiresAt.IsZero() {
		a.RefreshTokenExpiresAt = t.RefreshTokenExpiresAt
	}
	if t.IDToken != "" {
		a.IDToken = t.IDToken
	}
	a.UpdatedAt = p.now()
	return a, nil
}

// maxResponse bounds what is read of one provider response.
const maxResponse = 1 << 20

// limitedClient returns a copy of c whose responses are cut at maxResponse
// bytes, so a provider (or whoever answers at its address) cannot make a
// callback read without end.
func limitedClient(c *http.Client) *http.Client {
	cc := *c
	base := cc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cc.Transport = limitTransport{base}
	return &cc
}

type limitTransport struct{ base http.RoundTripper }

func (t limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = limitedBody{io.LimitReader(resp.Body, maxResponse), resp.Body}
	return resp, nil
}

type limitedBody struct {
	io.Reader
	io.Closer
}
