package social

import (
	"context"
	"net/http"
	"time"
)

// Provider configures one provider. Use a preset (GitHub, Google, OIDC)
// and adjust its fields, or fill one in for a plain OAuth 2 provider.
type Provider struct {
	// ID names the provider: the `provider` of POST /sign-in/social, the
	// path of its callback (/callback/<ID>) and the providerId of its
	// account rows. Required; Better Auth's ids are "github", "google",
	// and the providerId of its genericOAuth plugin.
	ID string
	// ClientID and ClientSecret are the app's credentials at the provider.
	// ClientID is required.
	ClientID     string
	ClientSecret string
	// Scopes requested. OpenID Connect providers always get "openid".
	Scopes []string

	// Issuer makes this an OpenID Connect provider: its endpoints come
	// from Issuer + "/.well-known/openid-configuration", fetched on first
	// use (and again after a failure), and its ID tokens are verified
	// against the issuer's keys. Leave empty for plain OAuth 2.
	Issuer string

	// AuthURL and TokenURL are a plain OAuth 2 provider's endpoints (and
	// override the discovered ones of an OpenID Connect provider).
	AuthURL  string
	TokenURL string

	// Profile reads the user's profile with the provider's access token,
	// for providers whose identity is not an ID token (GitHub). Nil for
	// OpenID Connect: the profile is the ID token's claims, completed
	// from the userinfo endpoint when they lack the e-mail.
	Profile func(ctx context.Context, client *http.Client, tok Tokens) (Profile, error)

	// DisablePKCE sends no code_challenge (for the few providers that
	// refuse it). PKCE is on by default, as in Better Auth.
	DisablePKCE bool
	// DisableSignUp refuses to create users: only people who already
	// have a user (with this account linked, or linkable) sign in. The
	// callback redirects with error=signup_disabled.
	DisableSignUp bool
	// RedirectURL overrides the callback URL sent to the provider.
	// Default: the Manager's BaseURL + BasePath + "/callback/" + ID.
	RedirectURL string
}

// Profile is who the provider says the user is.
type Profile struct {
	// AccountID is the provider's stable id of the user (the `sub` claim,
	// GitHub's numeric id): the accountId of the account row.
	AccountID     string
	Email         string
	EmailVerified bool
	Name          string
	Image         string
}

// Tokens are what the provider's token endpoint answered.
type Tokens struct {
	AccessToken           string
	RefreshToken          string
	IDToken               string
	TokenType             string
	AccessTokenExpiresAt  time.Time // zero: the provider did not say
	RefreshTokenExpiresAt time.Time
	Scopes                []string // granted scopes, when the provider says
}
