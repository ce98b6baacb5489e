package social

import (
	"context"
	"errors"
	"net/http"
)

// State is what a sign-in carries across the provider's redirect, in
// Better Auth's shape: the JSON of a `verification` row's value (or of its
// oauth_state cookie). Field names and the millisecond expiry are Better
// Auth's, so either side reads the other's.
type State struct {
	CallbackURL string `json:"callbackURL"`
	// CodeVerifier is the PKCE verifier (128 characters).
	CodeVerifier string `json:"codeVerifier"`
	ErrorURL     string `json:"errorURL,omitempty"`
	NewUserURL   string `json:"newUserURL,omitempty"`
	// ExpiresAt is in Unix milliseconds: ten minutes after the start.
	ExpiresAt     int64 `json:"expiresAt"`
	RequestSignUp bool  `json:"requestSignUp,omitempty"`
	// IDTokenNonce is the nonce sent to an OpenID Connect provider; the
	// ID token must carry it.
	IDTokenNonce string `json:"idTokenNonce,omitempty"`
	// OAuthState is the `state` parameter sent to the provider (32
	// characters), which the callback must bring back.
	OAuthState string `json:"oauthState,omitempty"`
	// Link is set when a signed-in user links another account (Better
	// Auth's linkSocial); sessionkit does not start links yet, and a
	// callback with a link is refused.
	Link *StateLink `json:"link,omitempty"`
}

// StateLink is Better Auth's link field of State.
type StateLink struct {
	Email                 string `json:"email"`
	UserID                string `json:"userId"`
	EncryptedSessionToken string `json:"encryptedSessionToken,omitempty"`
}

// Errors of a StateStore's Take. Match them with errors.Is.
var (
	// ErrStateNotFound means no state is kept for that value (never
	// issued, used already, or cleaned up): Better Auth's
	// state_mismatch.
	ErrStateNotFound = errors.New("social: state not found")
	// ErrStateMismatch means a state was found but this browser did not
	// start it (its state cookie is missing or names another state):
	// Better Auth's state_security_mismatch, redirected as
	// state_mismatch.
	ErrStateMismatch = errors.New("social: state does not belong to this browser")
)

// StateStore keeps the State of a sign-in between the redirect to the
// provider and the callback. DatabaseState keeps it in the `verification`
// table; a stateless app keeps it in a cookie.
type StateStore interface {
	// Save keeps st under st.OAuthState and may set cookies on w (the
	// response that redirects to the provider). An error means the
	// sign-in does not start.
	Save(ctx context.Context, w http.ResponseWriter, r *http.Request, st State) error
	// Take returns the State kept for state, the callback's state
	// parameter, and forgets it, so that a state is used once; it may
	// expire cookies on w. It returns ErrStateNotFound or
	// ErrStateMismatch (wrapped) when the state cannot be trusted, any
	// other error when the store failed. It does not check
	// State.ExpiresAt: the caller does.
	Take(ctx context.Context, w http.ResponseWriter, r *http.Request, state string) (State, error)
}
