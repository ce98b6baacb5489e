package storetest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// refStore is a small, correct store.Store, with switchable bugs: the suite
// must pass it when bug is "" and fail it for every bug.
type refStore struct {
	bug       string
	noAccount bool // account inserts fail, for AtomicSignUp
	mu        sync.Mutex
	users     []store.User
	sessions  []store.Session
	passwords map[string]string
}

func (r *refStore) SetPassword(_ context.Context, userID, hash string, _ time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, u := range r.users {
		if u.ID == userID {
			if r.passwords == nil {
				r.passwords = map[string]string{}
			}
			if r.bug != "password not replaced" || r.passwords[userID] == "" {
				r.passwords[userID] = hash
			}
			return nil
		}
	}
	return store.ErrNotFound
}

func (r *refStore) CreateUserWithPassword(ctx context.Context, u store.User, hash string) error {
	if r.noAccount && r.bug != "sign-up not atomic" {
		return errors.New("injected: account insert fails")
	}
	err := r.CreateUser(ctx, u)
	if r.noAccount {
		return errors.Join(err, errors.New("injected: account insert fails"))
	}
	if (err != nil && r.bug != "refused sign-up keeps its password") || r.bug == "sign-up password dropped" {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.passwords == nil {
		r.passwords = map[string]string{}
	}
	r.passwords[u.ID] = hash
	return err
}

func (r *refStore) PasswordHash(_ context.Context, userID string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.passwords[userID]
	if !ok {
		return "", store.ErrNotFound
	}
	return h, nil
}

func (r *refStore) norm(t time.Time) time.Time {
	switch r.bug {
	case "local times":
		return store.Truncate(t).In(paris)
	case "second precision":
		return t.UTC().Truncate(time.Second)
	}
	return store.Truncate(t)
}

func (r *refStore) normUser(u store.User) store.User {
	u.CreatedAt, u.UpdatedAt = r.norm(u.CreatedAt), r.norm(u.UpdatedAt)
	if r.bug != "email kept as given" {
		u.Email = strings.ToLower(u.Email)
	}
	if r.bug == "image dropped" {
		u.Image = ""
	}
	if r.bug == "emailVerified dropped" {
		u.EmailVerified = false
	}
	return u
}

func (r *refStore) normSession(s store.Session) store.Session {
	s.ExpiresAt, s.CreatedAt, s.UpdatedAt = r.norm(s.ExpiresAt), r.norm(s.CreatedAt), r.norm(s.UpdatedAt)
	if r.bug == "empty user agent" {
		s.UserAgent = ""
	}
	return s
}

func (r *refStore) CreateUser(_ context.Context, u store.User) error {
	if (u.ID == "" || u.Email == "") && r.bug != "no validation" {
		return store.ErrInvalid
	}
	u = r.normUser(u)
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, o := range r.users {
		if o.ID == u.ID && r.bug == "duplicate id overwrites" {
			r.users[i] = u
			return nil
		}
		if o.ID == u.ID || o.Email == u.Email {
			return store.ErrDuplicate
		}
	}
	r.users = append(r.users, u)
	return nil
}

func (r *refStore) user(match func(store.User) bool) (store.User, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, u := range r.users {
		if match(u) {
			return u, nil
		}
	}
	if r.bug == "plain not-found error" {
		return store.User{}, errors.New("not found")
	}
	return store.User{}, store.ErrNotFound
}

func (r *refStore) UserByID(_ context.Context, id string) (store.User, error) {
	return r.user(func(u store.User) bool { return u.ID == id })
}

func (r *refStore) UserByEmail(_ context.Context, email string) (store.User, error) {
	if r.bug != "email kept as given" {
		email = strings.ToLower(email)
	}
	return r.user(func(u store.User) bool { return u.Email == email })
}

func (r *refStore) CreateSession(_ context.Context, s store.Session) error {
	s = r.normSession(s)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.ContainsFunc(r.users, func(u store.User) bool { return u.ID == s.UserID }) && r.bug != "no user check" {
		return store.ErrNotFound
	}
	for i, o := range r.sessions {
		if o.Token == s.Token && r.bug == "duplicate token overwrites" {
			r.sessions[i] = s
			return nil
		}
		if o.Token == s.Token || (o.ID == s.ID && r.bug != "duplicate session id allowed") {
			return store.ErrDuplicate
		}
	}
	r.sessions = append(r.sessions, s)
	return nil
}

func (r *refStore) SessionByToken(_ context.Context, token string) (store.Session, store.User, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.sessions {
		if s.Token != token {
			continue
		}
		if r.bug == "expired hidden" && s.Expired(time.Now()) {
			break
		}
		for _, u := range r.users {
			if u.ID == s.UserID {
				return s, u, nil
			}
		}
		if r.bug == "no user check" {
			return s, store.User{}, nil
		}
	}
	return store.Session{}, store.User{}, store.ErrNotFound
}

func (r *refStore) SlideSession(_ context.Context, token string, expiresAt, updatedAt time.Time) (store.Session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, s := range r.sessions {
		if s.Token == token {
			s.ExpiresAt = r.norm(expiresAt)
			if r.bug != "slide keeps updatedAt" {
				s.UpdatedAt = r.norm(updatedAt)
			}
			old := r.sessions[i]
			if r.bug != "slide not saved" {
				r.sessions[i] = s
			}
			if r.bug == "slide returns the old session" {
				return old, nil
			}
			return s, nil
		}
	}
	if r.bug == "slide of a missing session succeeds" {
		return store.Session{}, nil
	}
	return store.Session{}, store.ErrNotFound
}

func (r *refStore) deleteWhere(match func(store.Session) bool, limit int) int {
	n := 0
	r.sessions = slices.DeleteFunc(r.sessions, func(s store.Session) bool {
		if n < limit && match(s) {
			n++
			return true
		}
		return false
	})
	return n
}

// swallowed reports whether the bug "delete failure swallowed" applies: a
// delete that cannot run (its context is done) answers nil.
func (r *refStore) swallowed(ctx context.Context) bool {
	return r.bug == "delete failure swallowed" && ctx.Err() != nil
}

func (r *refStore) DeleteSession(ctx context.Context, token string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bug == "delete session is a no-op" || r.swallowed(ctx) {
		return nil
	}
	if r.deleteWhere(func(s store.Session) bool { return s.Token == token }, 1) == 0 && r.bug == "deleting a missing session fails" {
		return store.ErrNotFound
	}
	return nil
}

func (r *refStore) ListSessions(_ context.Context, userID string, now time.Time) ([]store.Session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []store.Session
	for _, s := range r.sessions {
		mine := s.UserID == userID || r.bug == "list every user's sessions"
		live := !s.Expired(now) || (r.bug == "list expiring at now" && s.ExpiresAt.Equal(now)) || r.bug == "list expired"
		if mine && live {
			out = append(out, s)
		}
	}
	if r.bug != "list unsorted" {
		slices.SortFunc(out, func(a, b store.Session) int { return a.CreatedAt.Compare(b.CreatedAt) })
	}
	if r.bug == "list newest first" {
		slices.Reverse(out)
	}
	return out, nil
}

func (r *refStore) DeleteUserSessions(ctx context.Context, userID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.swallowed(ctx) {
		return nil
	}
	switch r.bug {
	case "delete user sessions is a no-op":
	case "delete user sessions deletes everyone's":
		r.sessions = nil
	default:
		r.deleteWhere(func(s store.Session) bool { return s.UserID == userID }, len(r.sessions))
	}
	return nil
}

func (r *refStore) DeleteOtherSessions(ctx context.Context, userID, keepToken string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.swallowed(ctx) {
		return nil
	}
	r.deleteWhere(func(s store.Session) bool {
		switch r.bug {
		case "delete others ignores keep":
			return s.UserID == userID
		case "delete others ignores user":
			return s.Token != keepToken
		}
		return s.UserID == userID && s.Token != keepToken
	}, len(r.sessions))
	return nil
}

func (r *refStore) DeleteExpired(_ context.Context, now time.Time, limit int) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch r.bug {
	case "sweep ignores limit":
		limit = len(r.sessions)
	case "sweep miscounts":
		n := r.deleteWhere(func(s store.Session) bool { return s.Expired(now) }, limit)
		return min(n, 1), nil
	}
	return r.deleteWhere(func(s store.Session) bool {
		if r.bug == "sweep spares expiring at now" {
			return s.ExpiresAt.Before(now)
		}
		return s.Expired(now)
	}, limit), nil
}

func (r *refStore) Close() error { return nil }

// recorder is a testing.TB that records failures instead of reporting them,
// so a case can be run and expected to fail.
type recorder struct {
	testing.TB // the real test, for what recorder does not override
	mu         sync.Mutex
	msgs       []string
}

func (r *recorder) Helper() {}
func (r *recorder) fail(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msg)
}
func (r *recorder) Errorf(format string, args ...any) { r.fail(fmt.Sprintf(format, args...)) }
func (r *recorder) Error(args ...any)                 { r.fail(fmt.Sprint(args...)) }
func (r *recorder) Fail()                             { r.fail("Fail") }
func (r *recorder) Fatalf(format string, args ...any) {
	r.fail(fmt.Sprintf(format, args...))
	runtime.Goexit()
}
func (r *recorder) Fatal(args ...any) { r.fail(fmt.Sprint(args...)); runtime.Goexit() }
func (r *recorder) FailNow()          { r.fail("FailNow"); runtime.Goexit() }
func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs) > 0
}

// runCase runs one case against s on its own goroutine (Fatal ends it) and
// returns what it reported.
func runCase(t *testing.T, fn func(testing.TB, store.Store), s store.Store) []string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(r, s)
	}()
	<-done
	return r.msgs
}

// TestRunPassesReference runs the suite the way backends do, on the
// correct reference store.
func TestRunPassesReference(t *testing.T) {
	Run(t, func(*testing.T) store.Store { return &refStore{} })
}

// TestSuiteCatchesBugs runs the cases against broken stores: each bug must
// make the listed cases fail, so the assertions behind them can fail.
func TestSuiteCatchesBugs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		bug   string
		cases []string // that must fail
	}{
		{"local times", []string{"CreateUser/RoundTrip", "CreateSession/RoundTrip", "SlideSession", "ListSessions"}},
		{"second precision", []string{"CreateUser/RoundTrip", "CreateSession/RoundTrip", "SlideSession", "SessionByToken/Expired"}},
		{"email kept as given", []string{"UserByEmail/CaseInsensitive", "CreateUser/Duplicate"}},
		{"image dropped", []string{"CreateUser/RoundTrip", "CreateSession/RoundTrip"}},
		{"emailVerified dropped", []string{"CreateUser/RoundTrip", "CreateSession/RoundTrip"}},
		{"empty user agent", []string{"CreateSession/RoundTrip", "DeleteExpired"}},
		{"no validation", []string{"CreateUser/Invalid"}},
		{"duplicate id overwrites", []string{"CreateUser/Duplicate"}},
		{"plain not-found error", []string{"UserByID/NotFound", "UserByEmail/CaseInsensitive", "CreateUser/Invalid"}},
		{"no user check", []string{"CreateSession/UnknownUser"}},
		{"duplicate token overwrites", []string{"CreateSession/Duplicate"}},
		{"duplicate session id allowed", []string{"CreateSession/Duplicate"}},
		{"expired hidden", []string{"SessionByToken/Expired"}},
		{"slide keeps updatedAt", []string{"SlideSession", "Concurrent"}},
		{"slide not saved", []string{"SlideSession", "Concurrent"}},
		{"slide returns the old session", []string{"SlideSession"}},
		{"slide of a missing session succeeds", []string{"SlideSession"}},
		{"deleting a missing session fails", []string{"DeleteSession"}},
		{"delete session is a no-op", []string{"DeleteSession", "SlideSession", "Concurrent"}},
		{"list every user's sessions", []string{"ListSessions", "Concurrent"}},
		{"list expiring at now", []string{"ListSessions", "Concurrent"}},
		{"list expired", []string{"ListSessions", "Concurrent"}},
		{"list unsorted", []string{"ListSessions"}},
		{"list newest first", []string{"ListSessions", "Concurrent"}},
		{"delete user sessions is a no-op", []string{"DeleteUserSessions", "Concurrent"}},
		{"delete user sessions deletes everyone's", []string{"DeleteUserSessions"}},
		{"delete others ignores keep", []string{"DeleteOtherSessions", "Concurrent"}},
		{"delete others ignores user", []string{"DeleteOtherSessions"}},
		{"sweep ignores limit", []string{"DeleteExpired", "Concurrent"}},
		{"sweep miscounts", []string{"DeleteExpired", "Concurrent"}},
		{"sweep spares expiring at now", []string{"DeleteExpired"}},
		{"password not replaced", []string{"CredentialStore"}},
		{"sign-up password dropped", []string{"CredentialStore/CreateUserWithPassword"}},
		{"refused sign-up keeps its password", []string{"CredentialStore/CreateUserWithPassword"}},
		{"delete failure swallowed", []string{"Delete/FailedIsReported"}},
	}
	for _, tc := range tests {
		t.Run(tc.bug, func(t *testing.T) {
			t.Parallel()
			for _, name := range tc.cases {
				i := slices.IndexFunc(cases, func(c suiteCase) bool { return c.name == name })
				if i < 0 {
					t.Fatalf("no case %q", name)
				}
				if msgs := runCase(t, cases[i].fn, &refStore{bug: tc.bug}); len(msgs) == 0 {
					t.Errorf("case %s passed a store with the bug %q", name, tc.bug)
				}
			}
		})
	}
	// And the reference passes every case through the recorder too, so the
	// failures above are the bugs' doing.
	for _, c := range cases {
		if msgs := runCase(t, c.fn, &refStore{}); len(msgs) > 0 {
			t.Errorf("case %s failed the reference store: %s", c.name, strings.Join(msgs, "; "))
		}
	}
}

// TestAtomicSignUp runs AtomicSignUp on the reference store, and checks
// that it fails one that keeps the user when the account insert fails.
func TestAtomicSignUp(t *testing.T) {
	t.Parallel()
	for _, bug := range []string{"", "sign-up not atomic"} {
		r := &refStore{bug: bug}
		msgs := runCase(t, func(tb testing.TB, s store.Store) {
			AtomicSignUp(tb, s,
				func(context.Context) error { r.noAccount = true; return nil },
				func(context.Context) error { r.noAccount = false; return nil })
		}, r)
		if failed := len(msgs) > 0; failed != (bug != "") {
			t.Errorf("bug %q: AtomicSignUp failed = %v (%s)", bug, failed, strings.Join(msgs, "; "))
		}
	}
}
