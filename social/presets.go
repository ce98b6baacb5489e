package social

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// OIDC returns an OpenID Connect provider found by discovery at issuer
// (issuer + "/.well-known/openid-configuration"), asking for the openid,
// email and profile scopes: Better Auth's genericOAuth with a discoveryUrl.
func OIDC(id, issuer, clientID, clientSecret string) Provider {
	return Provider{ID: id, Issuer: issuer, ClientID: clientID, ClientSecret: clientSecret,
		Scopes: []string{"openid", "email", "profile"}}
}

// Google returns Google as an OpenID Connect provider, with Better Auth's
// id "google" and scopes.
func Google(clientID, clientSecret string) Provider {
	return OIDC("google", "https://accounts.google.com", clientID, clientSecret)
}

// GitHub returns GitHub with Better Auth's id "github" and scopes
// (read:user, user:email): an OAuth 2 provider whose profile is read from
// its REST API (/user, and /user/emails for the primary verified e-mail).
func GitHub(clientID, clientSecret string) Provider {
	return gitHubAt("https://github.com", "https://api.github.com", clientID, clientSecret)
}

func gitHubAt(web, api, clientID, clientSecret string) Provider {
	return Provider{ID: "github", ClientID: clientID, ClientSecret: clientSecret,
		Scopes:  []string{"read:user", "user:email"},
		AuthURL: web + "/login/oauth/authorize", TokenURL: web + "/login/oauth/access_token",
		Profile: func(ctx context.Context, c *http.Client, tok Tokens) (Profile, error) {
			return gitHubProfile(ctx, c, api, tok.AccessToken)
		}}
}

// gitHubProfile is Better Auth's github getUserInfo: the account id is the
// numeric user id; the e-mail is the profile's, else the primary one of
// /user/emails; it is verified when /user/emails says so.
func gitHubProfile(ctx context.Context, c *http.Client, api, token string) (Profile, error) {
	var u struct {
		ID        json.Number `json:"id"`
		Login     string      `json:"login"`
		Name      string      `json:"name"`
		Email     string      `json:"email"`
		AvatarURL string      `json:"avatar_url"`
	}
	if err := getJSON(ctx, c, api+"/user", token, &u); err != nil {
		return Profile{}, err
	}
	if _, err := strconv.ParseUint(string(u.ID), 10, 64); err != nil {
		return Profile{}, errors.New("social: github: the user has no numeric id")
	}
	var emails []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := getJSON(ctx, c, api+"/user/emails", token, &emails); err != nil {
		return Profile{}, err
	}
	p := Profile{AccountID: string(u.ID), Email: u.Email, Name: u.Name, Image: u.AvatarURL}
	if p.Name == "" {
		p.Name = u.Login
	}
	if p.Email == "" {
		for _, e := range emails {
			if e.Primary {
				p.Email = e.Email
			}
		}
	}
	for _, e := range emails {
		if e.Email == p.Email {
			p.EmailVerified = e.Verified
		}
	}
	return p, nil
}

// getJSON reads a JSON answer of a provider's API with the access token.
func getJSON(ctx context.Context, c *http.Client, url, token string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "sessionkit")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("social: GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
