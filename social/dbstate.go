package social

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store"
)

// StateIdentifier is the `verification` row identifier of a state:
// Better Auth's getAuthStateVerificationIdentifier.
func StateIdentifier(state string) string { return "auth-state:" + state }

// stateCookieName is Better Auth's signed cookie naming the state this
// browser started (after the prefix), and stateCookieAge its Max-Age.
const (
	stateCookieName = "state"
	stateCookieAge  = 5 * time.Minute
)

// DatabaseState is the StateStore of Better Auth's default
// storeStateStrategy "database": the State as JSON in a `verification` row
// (identifier "auth-state:<state>", ten minutes), and the state in a
// signed cookie "<prefix>.state" (five minutes) that binds it to the
// browser that started it.
type DatabaseState struct {
	m          *sessionkit.Manager
	v          store.VerificationStore
	skipCookie bool
}

// NewDatabaseState returns the DatabaseState of m's store, or an error
// wrapping sessionkit.ErrConfig when the store keeps no verification
// values. skipCookieCheck is Config.SkipStateCookieCheck.
func NewDatabaseState(m *sessionkit.Manager, skipCookieCheck bool) (*DatabaseState, error) {
	v, ok := store.As[store.VerificationStore](m.Store())
	if !ok {
		return nil, fmt.Errorf("%w: social: the store keeps no verification values (store.VerificationStore)", sessionkit.ErrConfig)
	}
	return &DatabaseState{m: m, v: v, skipCookie: skipCookieCheck}, nil
}

// Save implements StateStore.
func (d *DatabaseState) Save(ctx context.Context, w http.ResponseWriter, _ *http.Request, st State) error {
	value, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("social: save state: %w", err)
	}
	now := d.m.Now()
	// Each new state clears up to cleanupBatch expired ones, so the table
	// holds about the states of the last ten minutes however many
	// sign-ins are started and abandoned. A failure here is not the
	// sign-in's: the next one tries again.
	_, _ = d.v.DeleteExpiredVerifications(ctx, now, cleanupBatch)
	if err := d.v.CreateVerification(ctx, store.Verification{
		ID:         store.NewID(),
		Identifier: StateIdentifier(st.OAuthState),
		Value:      string(value),
		ExpiresAt:  now.Add(StateLifetime),
		CreatedAt:  now,
		UpdatedAt:  now,
	}); err != nil {
		return fmt.Errorf("social: save state: %w", err)
	}
	http.SetCookie(w, d.m.SignedCookie(d.m.CookieName(stateCookieName), st.OAuthState, stateCookieAge))
	return nil
}

// Take implements StateStore. The cookie is checked before the row is
// taken, so a request from another browser cannot use up the state of
// the browser that started it.
func (d *DatabaseState) Take(ctx context.Context, w http.ResponseWriter, r *http.Request, state string) (State, error) {
	if !d.skipCookie {
		name := d.m.CookieName(stateCookieName)
		c, err := r.Cookie(name)
		if err != nil {
			return State{}, fmt.Errorf("social: %w: no state cookie", ErrStateMismatch)
		}
		signed, ok := d.m.VerifyCookie(name, c.Value)
		if !ok || !equal(signed, state) {
			return State{}, fmt.Errorf("social: %w: the state cookie names another state", ErrStateMismatch)
		}
	}
	row, err := d.v.TakeVerification(ctx, StateIdentifier(state))
	if errors.Is(err, store.ErrNotFound) {
		return State{}, fmt.Errorf("social: %w", ErrStateNotFound)
	}
	if err != nil {
		return State{}, fmt.Errorf("social: take state: %w", err)
	}
	http.SetCookie(w, d.m.ExpiredCookie(d.m.CookieName(stateCookieName)))
	st, err := decodeState([]byte(row.Value))
	if err != nil {
		return State{}, err
	}
	if st.OAuthState != "" && !equal(st.OAuthState, state) {
		return State{}, fmt.Errorf("social: %w: the stored state names another state", ErrStateMismatch)
	}
	if !row.ExpiresAt.After(d.m.Now()) {
		st.ExpiresAt = min(st.ExpiresAt, row.ExpiresAt.UnixMilli())
	}
	return st, nil
}

// cleanupBatch is how many expired verification rows each Save deletes:
// more than one, so a backlog shrinks while sign-ins go on.
const cleanupBatch = 4

// maxStateJSON bounds a state's JSON: Better Auth's are well under 2 KB.
const maxStateJSON = 16 << 10

// DecodeState parses a State's JSON as Better Auth writes it (a
// verification value, or the decrypted oauth_state cookie), for
// StateStore implementations: at most 16 KiB, and callbackURL,
// codeVerifier and expiresAt present; anything else is ErrStateNotFound.
func DecodeState(b []byte) (State, error) { return decodeState(b) }

// decodeState parses a State's JSON as Better Auth writes it. A value it
// cannot read is ErrStateNotFound: a state nobody can use.
func decodeState(b []byte) (State, error) {
	var st State
	if len(b) > maxStateJSON {
		return State{}, fmt.Errorf("social: %w: state of %d bytes", ErrStateNotFound, len(b))
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return State{}, fmt.Errorf("social: %w: %v", ErrStateNotFound, err)
	}
	if st.CodeVerifier == "" || st.CallbackURL == "" || st.ExpiresAt == 0 {
		return State{}, fmt.Errorf("social: %w: state lacks callbackURL, codeVerifier or expiresAt", ErrStateNotFound)
	}
	return st, nil
}
