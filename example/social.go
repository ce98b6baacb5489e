package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/social"
	"github.com/sessionkit/sessionkit/social/oidctest"
)

// socialOptions are the flags of social sign-in.
type socialOptions struct {
	oidcIssuer, oidcClientID, oidcClientSecret, oidcName string
	githubClientID, githubClientSecret                   string
	googleClientID, googleClientSecret                   string
	demoOIDC                                             bool
}

// any reports whether a provider is configured.
func (o socialOptions) any() bool {
	return o.demoOIDC || o.oidcIssuer != "" || o.githubClientID != "" || o.googleClientID != ""
}

// providerButton is one "Sign in with …" button of the sign-in page.
type providerButton struct{ ID, Name string }

// socialSignIn is the app's social sign-in: the handler of Better Auth's
// endpoints, and the buttons.
type socialSignIn struct {
	h       *social.Handler
	buttons []providerButton
	origins []string // for the Content-Security-Policy's form-action
}

// newSocial configures the providers the flags name; nil when none is.
// With -demo-oidc it starts the loopback test provider, whose page asks
// which e-mail to sign in as; close stops it.
func newSocial(o socialOptions, auth *sessionkit.Manager, log *slog.Logger) (s *socialSignIn, close func(), err error) {
	close = func() {}
	var providers []social.Provider
	s = &socialSignIn{}
	if o.demoOIDC {
		if o.oidcIssuer != "" {
			return nil, close, errors.New("-demo-oidc and -oidc-issuer name two providers with one id: choose one")
		}
		idp, err := oidctest.NewServer()
		if err != nil {
			return nil, close, fmt.Errorf("demo provider: %w", err)
		}
		idp.SetInteractive(true)
		close = idp.Close
		o.oidcIssuer, o.oidcClientID, o.oidcClientSecret = idp.Issuer, idp.ClientID, idp.ClientSecret
		if o.oidcName == "" {
			o.oidcName = "the demo provider"
		}
		log.Info("demo OpenID Connect provider (accepts anyone)", "issuer", idp.Issuer)
	}
	if o.oidcIssuer != "" {
		providers = append(providers, social.OIDC("oidc", o.oidcIssuer, o.oidcClientID, o.oidcClientSecret))
		name := o.oidcName
		if name == "" {
			name = "OpenID Connect"
		}
		s.buttons = append(s.buttons, providerButton{"oidc", name})
		if u, err := url.Parse(o.oidcIssuer); err == nil && u.Host != "" {
			s.origins = append(s.origins, u.Scheme+"://"+u.Host)
		}
	}
	if o.githubClientID != "" {
		providers = append(providers, social.GitHub(o.githubClientID, o.githubClientSecret))
		s.buttons = append(s.buttons, providerButton{"github", "GitHub"})
		s.origins = append(s.origins, "https://github.com")
	}
	if o.googleClientID != "" {
		providers = append(providers, social.Google(o.googleClientID, o.googleClientSecret))
		s.buttons = append(s.buttons, providerButton{"google", "Google"})
		s.origins = append(s.origins, "https://accounts.google.com")
	}
	if len(providers) == 0 {
		return nil, close, nil
	}
	if s.h, err = social.New(auth, social.Config{Providers: providers}); err != nil {
		close()
		return nil, func() {}, err
	}
	return s, close, nil
}

// formOrigins are the origins of the providers' authorization pages.
func (s *socialSignIn) formOrigins() []string {
	if s == nil {
		return nil
	}
	return s.origins
}

// signInWith is the sign-in page's "Sign in with …" form: it starts the
// flow and sends the browser to the provider. Failures come back to the
// sign-in page with ?error=<code>.
func (a *app) signInWith(w http.ResponseWriter, r *http.Request) {
	to, err := a.social.h.Start(w, r, social.StartOptions{
		Provider:         r.FormValue("provider"),
		CallbackURL:      "/dashboard",
		ErrorCallbackURL: "/sign-in",
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// socialError is the message of a failed social sign-in, by Better Auth's
// error code.
func socialError(code string) string {
	switch code {
	case "":
		return ""
	case "access_denied":
		return "You cancelled the sign-in at the provider."
	case social.ErrorAccountNotLinked:
		return "An account with this e-mail exists already. Sign in with your password."
	case social.ErrorStateMismatch, social.ErrorStateNotFound:
		return "That sign-in link has expired or was used already. Try again."
	case social.ErrorEmailNotFound:
		return "The provider did not share your e-mail address."
	default:
		return "Signing in with the provider failed. Try again."
	}
}
