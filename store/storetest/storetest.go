// Package storetest is the conformance suite every store.Store backend runs.
//
// A backend's tests call Run with a function that opens a fresh, empty store;
// the suite then checks each method of store.Store against the contract
// written on the interface (errors, ordering, millisecond UTC round trips,
// expiry rules, concurrent use). It is for tests only: nothing here belongs
// in production code.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// Run runs the conformance suite against the stores that open returns.
//
// Every subtest calls open once and expects a fresh, empty store, so open must
// be safe to call from parallel subtests and must not hand out shared state.
// Run closes each store when its subtest ends and reports an error from Close;
// open should therefore not close the store itself (cleaning up files, e.g.
// with t.TempDir, is fine).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			if s == nil {
				t.Fatal("open returned a nil store")
			}
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

// suiteCase is one subtest of the suite.
type suiteCase struct {
	name string
	fn   func(t testing.TB, s store.Store)
}

// cases are the suite's subtests. They take a testing.TB so that the
// suite's own tests can run them against broken stores and check that they
// fail.
var cases = []suiteCase{
	{"CreateUser/RoundTrip", testUserRoundTrip},
	{"CreateUser/Invalid", testUserInvalid},
	{"CreateUser/Duplicate", testUserDuplicate},
	{"UserByEmail/CaseInsensitive", testUserByEmail},
	{"UserByID/NotFound", testUserNotFound},
	{"CreateSession/RoundTrip", testSessionRoundTrip},
	{"CreateSession/UnknownUser", testSessionUnknownUser},
	{"CreateSession/Duplicate", testSessionDuplicate},
	{"SessionByToken/NotFound", testSessionNotFound},
	{"SessionByToken/Expired", testSessionExpired},
	{"SlideSession", testSlideSession},
	{"DeleteSession", testDeleteSession},
	{"ListSessions", testListSessions},
	{"DeleteUserSessions", testDeleteUserSessions},
	{"DeleteOtherSessions", testDeleteOtherSessions},
	{"Delete/FailedIsReported", testDeleteFailedIsReported},
	{"DeleteExpired", testDeleteExpired},
	{"Concurrent", testConcurrent},
	{"CredentialStore", testCredentials},
	{"CredentialStore/CreateUserWithPassword", testCreateUserWithPassword},
	{"UserEditor/UpdateUser", testUpdateUser},
	{"UserEditor/DeleteUser", testDeleteUser},
}

// testUpdateUser checks the optional store.UserEditor's UpdateUser.
func testUpdateUser(t testing.TB, s store.Store) {
	ue, ok := s.(store.UserEditor)
	if !ok {
		t.Skip("the store does not implement store.UserEditor")
	}
	ctx := context.Background()
	u := newUser("Pat")
	u.Image = "https://example.com/pat.png"
	mustCreateUser(t, s, u)
	str := func(v string) *string { return &v }
	at := base.Add(time.Hour).In(paris)
	if _, err := ue.UpdateUser(ctx, "no-such-user", str("X"), nil, at); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UpdateUser(unknown): err = %v, want ErrNotFound", err)
	}
	// An empty name is a name, as in Better Auth's update-user.
	if got, err := ue.UpdateUser(ctx, u.ID, str(""), nil, at); err != nil || got.Name != "" {
		t.Fatalf("UpdateUser(empty name) = %+v, %v; want the name emptied", got, err)
	}
	// nil keeps the field.
	got, err := ue.UpdateUser(ctx, u.ID, str("Pat B."), nil, at)
	want := u
	want.Name, want.UpdatedAt = "Pat B.", base.Add(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	checkUser(t, "UpdateUser(name)", got, want)
	got, err = ue.UpdateUser(ctx, u.ID, nil, str(""), at.Add(ms(1)))
	want.Image, want.UpdatedAt = "", base.Add(time.Hour+ms(1))
	if err != nil {
		t.Fatal(err)
	}
	checkUser(t, "UpdateUser(image cleared)", got, want)
	read, err := s.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkUser(t, "UserByID after UpdateUser", read, want)
}

// testDeleteUser checks that DeleteUser takes the user's sessions and
// password with it, and no one else's.
func testDeleteUser(t testing.TB, s store.Store) {
	ue, ok := s.(store.UserEditor)
	if !ok {
		t.Skip("the store does not implement store.UserEditor")
	}
	ctx := context.Background()
	u, other := newUser("Pat"), newUser("Sam")
	mustCreateUser(t, s, u)
	mustCreateUser(t, s, other)
	now := base.Add(time.Minute)
	mine := newSession(u.ID, base, base.Add(time.Hour))
	theirs := newSession(other.ID, base, base.Add(time.Hour))
	mustCreateSession(t, s, mine)
	mustCreateSession(t, s, theirs)
	cs, creds := s.(store.CredentialStore)
	if creds {
		for _, id := range []string{u.ID, other.ID} {
			if err := cs.SetPassword(ctx, id, "salt:h", base); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := ue.DeleteUser(ctx, "no-such-user"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteUser(unknown): err = %v, want ErrNotFound", err)
	}
	if err := ue.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByID(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UserByID after DeleteUser: err = %v, want ErrNotFound", err)
	}
	if _, err := s.UserByEmail(ctx, u.Email); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UserByEmail after DeleteUser: err = %v, want ErrNotFound", err)
	}
	if _, _, err := s.SessionByToken(ctx, mine.Token); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SessionByToken after DeleteUser: err = %v, want ErrNotFound", err)
	}
	if l, err := s.ListSessions(ctx, u.ID, now); err != nil || len(l) != 0 {
		t.Fatalf("ListSessions after DeleteUser = %v, %v; want none", l, err)
	}
	if _, _, err := s.SessionByToken(ctx, theirs.Token); err != nil {
		t.Fatalf("another user's session after DeleteUser: %v", err)
	}
	if creds {
		if _, err := cs.PasswordHash(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("PasswordHash after DeleteUser: err = %v, want ErrNotFound", err)
		}
		if _, err := cs.PasswordHash(ctx, other.ID); err != nil {
			t.Fatalf("another user's password after DeleteUser: %v", err)
		}
	}
	// The email is free again.
	again := newUser("Pat")
	again.Email = u.Email
	mustCreateUser(t, s, again)
	if err := ue.DeleteUser(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteUser twice: err = %v, want ErrNotFound", err)
	}
}

// testCredentials checks the optional store.CredentialStore ability.
func testCredentials(t testing.TB, s store.Store) {
	cs, ok := s.(store.CredentialStore)
	if !ok {
		t.Skip("the store does not implement store.CredentialStore")
	}
	ctx := context.Background()
	now := base
	u := store.User{ID: store.NewID(), Name: "Pat", Email: "pat@example.com", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.PasswordHash(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("PasswordHash before SetPassword: err = %v, want ErrNotFound", err)
	}
	if err := cs.SetPassword(ctx, "no-such-user", "h", now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SetPassword(unknown user): err = %v, want ErrNotFound", err)
	}
	for _, h := range []string{"first:hash", "second:hash"} {
		if err := cs.SetPassword(ctx, u.ID, h, now); err != nil {
			t.Fatal(err)
		}
		got, err := cs.PasswordHash(ctx, u.ID)
		if err != nil || got != h {
			t.Fatalf("PasswordHash = %q, %v; want %q", got, err, h)
		}
	}
}

// testCreateUserWithPassword checks that sign-up stores the user and its
// password together, and that a refused one stores neither.
func testCreateUserWithPassword(t testing.TB, s store.Store) {
	cs, ok := s.(store.CredentialStore)
	if !ok {
		t.Skip("the store does not implement store.CredentialStore")
	}
	ctx := context.Background()
	if err := cs.CreateUserWithPassword(ctx, store.User{ID: store.NewID(), Name: "Pat"}, "salt:h"); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("CreateUserWithPassword(no email): err = %v, want ErrInvalid", err)
	}
	u := newUser("Pat")
	u.Image = "https://example.com/pat.png"
	if err := cs.CreateUserWithPassword(ctx, u, "salt:first"); err != nil {
		t.Fatal(err)
	}
	got, err := s.UserByEmail(ctx, u.Email)
	if err != nil {
		t.Fatalf("UserByEmail after CreateUserWithPassword: %v", err)
	}
	checkUser(t, "UserByEmail after CreateUserWithPassword", got, u)
	if h, err := cs.PasswordHash(ctx, u.ID); err != nil || h != "salt:first" {
		t.Fatalf("PasswordHash = %q, %v; want %q", h, err, "salt:first")
	}
	// A taken email or id is ErrDuplicate, and leaves no password behind.
	for _, dup := range []store.User{
		{ID: store.NewID(), Name: "Other", Email: strings.ToUpper(u.Email), CreatedAt: base, UpdatedAt: base},
		{ID: u.ID, Name: "Other", Email: "other-" + u.Email, CreatedAt: base, UpdatedAt: base},
	} {
		if err := cs.CreateUserWithPassword(ctx, dup, "salt:second"); !errors.Is(err, store.ErrDuplicate) {
			t.Fatalf("CreateUserWithPassword(%s, %s): err = %v, want ErrDuplicate", dup.ID, dup.Email, err)
		}
		if dup.ID != u.ID {
			if _, err := cs.PasswordHash(ctx, dup.ID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("PasswordHash of a refused sign-up: err = %v, want ErrNotFound", err)
			}
		}
		if _, err := s.UserByEmail(ctx, "other-"+u.Email); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("UserByEmail of a refused sign-up: err = %v, want ErrNotFound", err)
		}
	}
	if h, err := cs.PasswordHash(ctx, u.ID); err != nil || h != "salt:first" {
		t.Fatalf("PasswordHash after refused sign-ups = %q, %v; want %q", h, err, "salt:first")
	}
}

// AtomicSignUp checks that a sign-up whose credential account cannot be
// written leaves nothing behind and can be retried. breakAccounts makes the
// backend's next account inserts fail (a trigger, say) and repair undoes
// it; both reach into the backend's own tables, so this is not part of Run:
// backends that implement store.CredentialStore call it from their tests.
func AtomicSignUp(t testing.TB, s store.Store, breakAccounts, repair func(ctx context.Context) error) {
	t.Helper()
	cs, ok := s.(store.CredentialStore)
	if !ok {
		t.Fatalf("%T does not implement store.CredentialStore", s)
	}
	ctx := context.Background()
	u := newUser("Atomic")
	if err := breakAccounts(ctx); err != nil {
		t.Fatal(err)
	}
	if err := cs.CreateUserWithPassword(ctx, u, "salt:hash"); err == nil {
		t.Fatal("CreateUserWithPassword succeeded while account inserts fail")
	}
	if _, err := s.UserByEmail(ctx, u.Email); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UserByEmail after a failed sign-up: err = %v, want ErrNotFound (the user must not be left without a password)", err)
	}
	if _, err := s.UserByID(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UserByID after a failed sign-up: err = %v, want ErrNotFound", err)
	}
	if _, err := cs.PasswordHash(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("PasswordHash after a failed sign-up: err = %v, want ErrNotFound", err)
	}
	if err := repair(ctx); err != nil {
		t.Fatal(err)
	}
	if err := cs.CreateUserWithPassword(ctx, u, "salt:hash"); err != nil {
		t.Fatalf("retrying the failed sign-up: %v", err)
	}
	if h, err := cs.PasswordHash(ctx, u.ID); err != nil || h != "salt:hash" {
		t.Fatalf("PasswordHash after the retry = %q, %v; want %q", h, err, "salt:hash")
	}
}

// base is the suite's pinned clock: the instant the Better Auth vectors were
// minted, with milliseconds, in UTC.
var base = time.Date(2026, 11, 27, 22, 10, 13, 927_000_000, time.UTC)

// paris is a non-UTC zone: stores must hand back UTC whatever zone they got.
var paris = time.FixedZone("CET", 3600)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func newUser(name string) store.User {
	id := store.NewID()
	return store.User{
		ID:        id,
		Name:      name,
		Email:     strings.ToLower(name) + "-" + id + "@example.com",
		CreatedAt: base,
		UpdatedAt: base.Add(ms(1)),
	}
}

func newSession(userID string, created, expires time.Time) store.Session {
	return store.Session{
		ID:        store.NewID(),
		Token:     store.NewID(),
		UserID:    userID,
		ExpiresAt: expires,
		CreatedAt: created,
		UpdatedAt: created,
		IPAddress: "203.0.113.7",
		UserAgent: "storetest/1",
	}
}

func mustCreateUser(t testing.TB, s store.Store, u store.User) {
	t.Helper()
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser(%q): %v", u.ID, err)
	}
}

func mustCreateSession(t testing.TB, s store.Store, ss store.Session) {
	t.Helper()
	if err := s.CreateSession(context.Background(), ss); err != nil {
		t.Fatalf("CreateSession(%q): %v", ss.Token, err)
	}
}

// sameTime reports whether got is want at millisecond precision and in UTC.
func sameTime(got, want time.Time) bool {
	return got.Location() == time.UTC && got.Equal(store.Truncate(want))
}

// diffUser lists how got differs from want; want.Email is compared
// lower-cased, as stores keep it.
func diffUser(got, want store.User) []string {
	var d []string
	if got.ID != want.ID {
		d = append(d, fmt.Sprintf("ID %q, want %q", got.ID, want.ID))
	}
	if got.Name != want.Name {
		d = append(d, fmt.Sprintf("Name %q, want %q", got.Name, want.Name))
	}
	if w := strings.ToLower(want.Email); got.Email != w {
		d = append(d, fmt.Sprintf("Email %q, want %q", got.Email, w))
	}
	if got.EmailVerified != want.EmailVerified {
		d = append(d, fmt.Sprintf("EmailVerified %v, want %v", got.EmailVerified, want.EmailVerified))
	}
	if got.Image != want.Image {
		d = append(d, fmt.Sprintf("Image %q, want %q", got.Image, want.Image))
	}
	if !sameTime(got.CreatedAt, want.CreatedAt) {
		d = append(d, fmt.Sprintf("CreatedAt %v, want %v in UTC", got.CreatedAt, want.CreatedAt))
	}
	if !sameTime(got.UpdatedAt, want.UpdatedAt) {
		d = append(d, fmt.Sprintf("UpdatedAt %v, want %v in UTC", got.UpdatedAt, want.UpdatedAt))
	}
	return d
}

func diffSession(got, want store.Session) []string {
	var d []string
	if got.ID != want.ID {
		d = append(d, fmt.Sprintf("ID %q, want %q", got.ID, want.ID))
	}
	if got.Token != want.Token {
		d = append(d, fmt.Sprintf("Token %q, want %q", got.Token, want.Token))
	}
	if got.UserID != want.UserID {
		d = append(d, fmt.Sprintf("UserID %q, want %q", got.UserID, want.UserID))
	}
	if !sameTime(got.ExpiresAt, want.ExpiresAt) {
		d = append(d, fmt.Sprintf("ExpiresAt %v, want %v in UTC", got.ExpiresAt, want.ExpiresAt))
	}
	if !sameTime(got.CreatedAt, want.CreatedAt) {
		d = append(d, fmt.Sprintf("CreatedAt %v, want %v in UTC", got.CreatedAt, want.CreatedAt))
	}
	if !sameTime(got.UpdatedAt, want.UpdatedAt) {
		d = append(d, fmt.Sprintf("UpdatedAt %v, want %v in UTC", got.UpdatedAt, want.UpdatedAt))
	}
	if got.IPAddress != want.IPAddress {
		d = append(d, fmt.Sprintf("IPAddress %q, want %q", got.IPAddress, want.IPAddress))
	}
	if got.UserAgent != want.UserAgent {
		d = append(d, fmt.Sprintf("UserAgent %q, want %q", got.UserAgent, want.UserAgent))
	}
	return d
}

func checkUser(t testing.TB, what string, got, want store.User) {
	t.Helper()
	for _, d := range diffUser(got, want) {
		t.Errorf("%s: %s", what, d)
	}
}

func checkSession(t testing.TB, what string, got, want store.Session) {
	t.Helper()
	for _, d := range diffSession(got, want) {
		t.Errorf("%s: %s", what, d)
	}
}

// tokens returns the tokens of ss, in order.
func tokens(ss []store.Session) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Token
	}
	return out
}

func testUserRoundTrip(t testing.TB, s store.Store) {
	ctx := context.Background()
	tests := []struct {
		name string
		user store.User
	}{
		{"plain", newUser("Plain")},
		{"verified with image", func() store.User {
			u := newUser("Image")
			u.EmailVerified = true
			u.Image = "data:image/png;base64," + strings.Repeat("A", 6000)
			return u
		}()},
		{"non-UTC times", func() store.User {
			u := newUser("Zoned")
			u.CreatedAt = base.In(paris)
			u.UpdatedAt = base.Add(ms(999)).In(paris)
			return u
		}()},
		{"unicode name", func() store.User {
			u := newUser("Zoë")
			u.Name = "Zoë 🦊 O'Brien \"quoted\""
			return u
		}()},
	}
	for _, tc := range tests {
		if err := s.CreateUser(ctx, tc.user); err != nil {
			t.Fatalf("%s: CreateUser: %v", tc.name, err)
		}
	}
	for _, tc := range tests {
		got, err := s.UserByID(ctx, tc.user.ID)
		if err != nil {
			t.Errorf("%s: UserByID: %v", tc.name, err)
			continue
		}
		checkUser(t, tc.name+": UserByID", got, tc.user)
		got, err = s.UserByEmail(ctx, tc.user.Email)
		if err != nil {
			t.Errorf("%s: UserByEmail: %v", tc.name, err)
			continue
		}
		checkUser(t, tc.name+": UserByEmail", got, tc.user)
	}
}

func testUserInvalid(t testing.TB, s store.Store) {
	ctx := context.Background()
	tests := []struct {
		name   string
		change func(*store.User)
	}{
		{"empty id", func(u *store.User) { u.ID = "" }},
		{"empty email", func(u *store.User) { u.Email = "" }},
	}
	// Better Auth's schema allows an empty name.
	nameless := newUser("Nameless")
	nameless.Name = ""
	if err := s.CreateUser(ctx, nameless); err != nil {
		t.Errorf("CreateUser(empty name) = %v, want nil", err)
	} else if got, err := s.UserByID(ctx, nameless.ID); err != nil || got.Name != "" {
		t.Errorf("UserByID(empty name) = %+v, %v", got, err)
	}
	for _, tc := range tests {
		u := newUser("Invalid")
		tc.change(&u)
		if err := s.CreateUser(ctx, u); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: CreateUser = %v, want ErrInvalid", tc.name, err)
		}
		if u.ID != "" {
			if _, err := s.UserByID(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: UserByID after a rejected CreateUser = %v, want ErrNotFound", tc.name, err)
			}
		}
	}
}

func testUserDuplicate(t testing.TB, s store.Store) {
	ctx := context.Background()
	first := newUser("First")
	first.Email = "taken@example.com"
	mustCreateUser(t, s, first)

	tests := []struct {
		name string
		user store.User
	}{
		{"same id", func() store.User { u := newUser("Other"); u.ID = first.ID; return u }()},
		{"same email", func() store.User { u := newUser("Other"); u.Email = first.Email; return u }()},
		{"same email in other case", func() store.User { u := newUser("Other"); u.Email = "TAKEN@Example.COM"; return u }()},
	}
	for _, tc := range tests {
		if err := s.CreateUser(ctx, tc.user); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("%s: CreateUser = %v, want ErrDuplicate", tc.name, err)
		}
	}
	got, err := s.UserByID(ctx, first.ID)
	if err != nil {
		t.Fatalf("UserByID: %v", err)
	}
	checkUser(t, "first user after duplicates", got, first)
}

func testUserByEmail(t testing.TB, s store.Store) {
	ctx := context.Background()
	u := newUser("Mixed")
	u.Email = "Mixed.Case+Tag@Example.COM"
	mustCreateUser(t, s, u)
	for _, email := range []string{"mixed.case+tag@example.com", "MIXED.CASE+TAG@EXAMPLE.COM", "Mixed.Case+Tag@Example.COM"} {
		got, err := s.UserByEmail(ctx, email)
		if err != nil {
			t.Errorf("UserByEmail(%q): %v", email, err)
			continue
		}
		// checkUser expects the email lower-cased, as Better Auth stores it.
		checkUser(t, "UserByEmail("+email+")", got, u)
	}
	for _, email := range []string{"mixed.case@example.com", "", "mixed.case+tag@example.co"} {
		if _, err := s.UserByEmail(ctx, email); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByEmail(%q) = %v, want ErrNotFound", email, err)
		}
	}
}

func testUserNotFound(t testing.TB, s store.Store) {
	ctx := context.Background()
	u := newUser("Known")
	mustCreateUser(t, s, u)
	for _, id := range []string{"", store.NewID(), strings.ToLower(u.ID) + "x", u.Email} {
		if _, err := s.UserByID(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByID(%q) = %v, want ErrNotFound", id, err)
		}
	}
}

func testSessionRoundTrip(t testing.TB, s store.Store) {
	ctx := context.Background()
	u := newUser("Owner")
	u.EmailVerified = true
	u.Image = "https://example.com/a.png"
	mustCreateUser(t, s, u)

	tests := []struct {
		name string
		sess store.Session
	}{
		{"plain", newSession(u.ID, base, base.Add(7*24*time.Hour))},
		{"empty ip and user agent", func() store.Session {
			ss := newSession(u.ID, base.Add(ms(1)), base.Add(24*time.Hour))
			ss.IPAddress, ss.UserAgent = "", ""
			return ss
		}()},
		{"non-UTC times", func() store.Session {
			ss := newSession(u.ID, base.Add(ms(2)).In(paris), base.Add(time.Hour+ms(3)).In(paris))
			ss.UpdatedAt = base.Add(ms(5)).In(paris)
			return ss
		}()},
		{"ipv6 and long user agent", func() store.Session {
			ss := newSession(u.ID, base.Add(ms(3)), base.Add(time.Hour))
			ss.IPAddress = "2001:db8::1"
			ss.UserAgent = strings.Repeat("Mozilla/5.0 ", 100)
			return ss
		}()},
	}
	for _, tc := range tests {
		if err := s.CreateSession(ctx, tc.sess); err != nil {
			t.Fatalf("%s: CreateSession: %v", tc.name, err)
		}
	}
	for _, tc := range tests {
		gs, gu, err := s.SessionByToken(ctx, tc.sess.Token)
		if err != nil {
			t.Errorf("%s: SessionByToken: %v", tc.name, err)
			continue
		}
		checkSession(t, tc.name+": session", gs, tc.sess)
		checkUser(t, tc.name+": user", gu, u)
	}
}

func testSessionUnknownUser(t testing.TB, s store.Store) {
	ctx := context.Background()
	mustCreateUser(t, s, newUser("Someone"))
	ss := newSession(store.NewID(), base, base.Add(time.Hour))
	if err := s.CreateSession(ctx, ss); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateSession for an unknown user = %v, want ErrNotFound", err)
	}
	if _, _, err := s.SessionByToken(ctx, ss.Token); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SessionByToken after a rejected CreateSession = %v, want ErrNotFound", err)
	}
}

func testSessionDuplicate(t testing.TB, s store.Store) {
	ctx := context.Background()
	u := newUser("Dup")
	mustCreateUser(t, s, u)
	first := newSession(u.ID, base, base.Add(time.Hour))
	mustCreateSession(t, s, first)

	tests := []struct {
		name string
		sess store.Session
	}{
		{"same token", func() store.Session {
			ss := newSession(u.ID, base.Add(ms(1)), base.Add(2*time.Hour))
			ss.Token = first.Token
			return ss
		}()},
		{"same id", func() store.Session {
			ss := newSession(u.ID, base.Add(ms(2)), base.Add(3*time.Hour))
			ss.ID = first.ID
			return ss
		}()},
	}
	for _, tc := range tests {
		if err := s.CreateSession(ctx, tc.sess); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("%s: CreateSession = %v, want ErrDuplicate", tc.name, err)
		}
	}
	got, _, err := s.SessionByToken(ctx, first.Token)
	if err != nil {
		t.Fatalf("SessionByToken: %v", err)
	}
	checkSession(t, "first session after duplicates", got, first)
	if _, _, err := s.SessionByToken(ctx, tests[1].sess.Token); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SessionByToken of the rejected same-id session = %v, want ErrNotFound", err)
	}
}

func testSessionNotFound(t testing.TB, s store.Store) {
	ctx := context.Background()
	u := newUser("Owner")
	mustCreateUser(t, s, u)
	ss := newSession(u.ID, base, base.Add(time.Hour))
	mustCreateSession(t, s, ss)
	for _, tok := range []string{"", store.NewID(), strings.ToLower(ss.Token), ss.Token + " ", ss.ID, u.ID} {
		if tok == ss.Token {
			continue // a token with no upper-case letter: lower-casing changed nothing
		}
		if _, _, err := s.SessionByToken(ctx, tok); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SessionByToken(%q) = %v, want ErrNotFound", tok, err)
		}
	}
}

func testSessionExpired(t testing.TB, s store.Store) {
	ctx := context.Background()
	u := newUser("Expired")
	mustCreateUser(t, s, u)
	// Expired long ago relative to any clock: the store must still return it.
	ss := newSession(u.ID, time.Date(2001, 2, 3, 4, 5, 6, 7_000_000, time.UTC), time.Date(2001, 2, 3, 5, 5, 6, 7_000_000, time.UTC))
	mustCreateSession(t, s, ss)
	got, gu, err := s.SessionByToken(ctx, ss.Token)
	if err != nil {
		t.Fatalf("SessionByToken(expired) = %v, want the session", err)
	}
	checkSession(t, "expired session", got, ss)
	checkUser(t, "expired session's user", gu, u)
	if !got.Expired(base) {
		t.Errorf("returned session is not expired at %v: ExpiresAt %v", base, got.ExpiresAt)
	}
}

func testSlideSession(t testing.TB, s store.Store) {
	ctx := context.Background()
	u := newUser("Slider")
	mustCreateUser(t, s, u)
	ss := newSession(u.ID, base, base.Add(24*time.Hour))
	other := newSession(u.ID, base.Add(ms(1)), base.Add(24*time.Hour))
	mustCreateSession(t, s, ss)
	mustCreateSession(t, s, other)

	steps := []struct {
		name               string
		expiresAt, updated time.Time
	}{
		{"extend", base.Add(7*24*time.Hour + ms(123)), base.Add(time.Hour + ms(7))},
		{"non-UTC", base.Add(8 * 24 * time.Hour).In(paris), base.Add(2 * time.Hour).In(paris)},
		{"shorten into the past", base.Add(-time.Minute), base.Add(3 * time.Hour)},
	}
	want := ss
	for _, st := range steps {
		want.ExpiresAt, want.UpdatedAt = st.expiresAt, st.updated
		got, err := s.SlideSession(ctx, ss.Token, st.expiresAt, st.updated)
		if err != nil {
			t.Fatalf("%s: SlideSession: %v", st.name, err)
		}
		checkSession(t, st.name+": SlideSession result", got, want)
		got, _, err = s.SessionByToken(ctx, ss.Token)
		if err != nil {
			t.Fatalf("%s: SessionByToken: %v", st.name, err)
		}
		checkSession(t, st.name+": SessionByToken after slide", got, want)
	}
	got, _, err := s.SessionByToken(ctx, other.Token)
	if err != nil {
		t.Fatalf("SessionByToken(other): %v", err)
	}
	checkSession(t, "other session after slides", got, other)

	for _, tok := range []string{store.NewID(), ""} {
		if _, err := s.SlideSession(ctx, tok, base.Add(time.Hour), base); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SlideSession(%q) = %v, want ErrNotFound", tok, err)
		}
	}
	if err := s.DeleteSession(ctx, other.Token); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	if _, err := s.SlideSession(ctx, other.Token, base.Add(time.Hour), base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SlideSession(deleted) = %v, want ErrNotFound", err)
	}
	if _, _, err := s.SessionByToken(ctx, other.Token); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SlideSession resurrected a deleted session: SessionByToken = %v, want ErrNotFound", err)
	}
}

func testDeleteSession(t testing.TB, s store.Store) {
	ctx := context.Background()
	u := newUser("Deleter")
	mustCreateUser(t, s, u)
	gone := newSession(u.ID, base, base.Add(time.Hour))
	kept := newSession(u.ID, base.Add(ms(1)), base.Add(time.Hour))
	mustCreateSession(t, s, gone)
	mustCreateSession(t, s, kept)

	if err := s.DeleteSession(ctx, gone.Token); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	if _, _, err := s.SessionByToken(ctx, gone.Token); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SessionByToken(deleted) = %v, want ErrNotFound", err)
	}
	got, _, err := s.SessionByToken(ctx, kept.Token)
	if err != nil {
		t.Fatalf("SessionByToken(kept): %v", err)
	}
	checkSession(t, "kept session", got, kept)
	for _, tok := range []string{gone.Token, store.NewID(), ""} {
		if err := s.DeleteSession(ctx, tok); err != nil {
			t.Errorf("DeleteSession(%q) of a missing session = %v, want nil", tok, err)
		}
	}
	// The id of a deleted session is free again.
	again := newSession(u.ID, base.Add(ms(2)), base.Add(time.Hour))
	again.ID = gone.ID
	if err := s.CreateSession(ctx, again); err != nil {
		t.Errorf("CreateSession reusing a deleted session's id: %v", err)
	}
}

func testListSessions(t testing.TB, s store.Store) {
	ctx := context.Background()
	now := base.Add(time.Hour)
	u, v := newUser("Lister"), newUser("Other")
	mustCreateUser(t, s, u)
	mustCreateUser(t, s, v)

	var live []store.Session // u's live sessions at now, oldest first
	for i := range 8 {
		created := base.Add(time.Duration(i) * time.Minute).Add(ms(i))
		live = append(live, newSession(u.ID, created, now.Add(time.Duration(i+1)*time.Hour)))
	}
	expired := []store.Session{
		newSession(u.ID, base.Add(-time.Hour), now.Add(-ms(1))),
		newSession(u.ID, base.Add(-2*time.Hour), now), // expiresAt == now is not live
		newSession(u.ID, base.Add(30*time.Second), base),
	}
	others := newSession(v.ID, base.Add(-3*time.Hour), now.Add(time.Hour))

	all := append(append([]store.Session{others}, live...), expired...)
	// Insert in a shuffled order so that insertion order cannot pass for
	// createdAt order.
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	for _, ss := range all {
		mustCreateSession(t, s, ss)
	}

	cat := func(parts ...[]store.Session) []store.Session {
		var out []store.Session
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name   string
		userID string
		now    time.Time
		want   []store.Session
	}{
		{"live only, oldest first", u.ID, now, live},
		{"non-UTC now", u.ID, now.In(paris), live},
		{"expiresAt equal to now is not live", u.ID, now.Add(4 * time.Hour), live[4:]},
		{"earlier now", u.ID, base.Add(-ms(1)), cat(expired[1:2], expired[0:1], live[:1], expired[2:3], live[1:])},
		{"after every expiry", u.ID, now.Add(9 * time.Hour), nil},
		{"only the user's sessions", v.ID, now, []store.Session{others}},
		{"unknown user", store.NewID(), now, nil},
	}
	for _, tc := range tests {
		got, err := s.ListSessions(ctx, tc.userID, tc.now)
		if err != nil {
			t.Errorf("%s: ListSessions: %v", tc.name, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: ListSessions returned %d sessions %q, want %d %q", tc.name, len(got), tokens(got), len(tc.want), tokens(tc.want))
			continue
		}
		for i := range got {
			checkSession(t, fmt.Sprintf("%s: session %d", tc.name, i), got[i], tc.want[i])
		}
	}
}

func testDeleteUserSessions(t testing.TB, s store.Store) {
	ctx := context.Background()
	u, v := newUser("Leaver"), newUser("Stayer")
	mustCreateUser(t, s, u)
	mustCreateUser(t, s, v)
	var mine []store.Session
	for i := range 4 {
		ss := newSession(u.ID, base.Add(ms(i)), base.Add(time.Duration(i-1)*time.Hour)) // one expired
		mine = append(mine, ss)
		mustCreateSession(t, s, ss)
	}
	theirs := newSession(v.ID, base, base.Add(time.Hour))
	mustCreateSession(t, s, theirs)

	if err := s.DeleteUserSessions(ctx, u.ID); err != nil {
		t.Fatalf("DeleteUserSessions: %v", err)
	}
	for i, ss := range mine {
		if _, _, err := s.SessionByToken(ctx, ss.Token); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session %d of the user: SessionByToken = %v, want ErrNotFound", i, err)
		}
	}
	got, _, err := s.SessionByToken(ctx, theirs.Token)
	if err != nil {
		t.Fatalf("SessionByToken(other user's): %v", err)
	}
	checkSession(t, "other user's session", got, theirs)
	if _, err := s.UserByID(ctx, u.ID); err != nil {
		t.Errorf("DeleteUserSessions deleted the user: UserByID = %v", err)
	}
	for _, id := range []string{u.ID, store.NewID()} {
		if err := s.DeleteUserSessions(ctx, id); err != nil {
			t.Errorf("DeleteUserSessions(%q) with no sessions = %v, want nil", id, err)
		}
	}
}

func testDeleteOtherSessions(t testing.TB, s store.Store) {
	ctx := context.Background()
	u, v := newUser("Keeper"), newUser("Bystander")
	mustCreateUser(t, s, u)
	mustCreateUser(t, s, v)
	var mine []store.Session
	for i := range 5 {
		ss := newSession(u.ID, base.Add(ms(i)), base.Add(time.Duration(i-1)*time.Hour))
		mine = append(mine, ss)
		mustCreateSession(t, s, ss)
	}
	theirs := newSession(v.ID, base, base.Add(time.Hour))
	mustCreateSession(t, s, theirs)
	keep := mine[2]

	if err := s.DeleteOtherSessions(ctx, u.ID, keep.Token); err != nil {
		t.Fatalf("DeleteOtherSessions: %v", err)
	}
	for i, ss := range mine {
		_, _, err := s.SessionByToken(ctx, ss.Token)
		if ss.Token == keep.Token {
			if err != nil {
				t.Errorf("kept session: SessionByToken = %v", err)
			}
			continue
		}
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session %d: SessionByToken = %v, want ErrNotFound", i, err)
		}
	}
	got, _, err := s.SessionByToken(ctx, keep.Token)
	if err != nil {
		t.Fatalf("SessionByToken(kept): %v", err)
	}
	checkSession(t, "kept session", got, keep)
	got, _, err = s.SessionByToken(ctx, theirs.Token)
	if err != nil {
		t.Fatalf("SessionByToken(other user's): %v", err)
	}
	checkSession(t, "other user's session", got, theirs)

	// A keepToken of another user's session keeps nothing of this user's
	// and does not touch the other user.
	again := newSession(u.ID, base.Add(ms(9)), base.Add(time.Hour))
	mustCreateSession(t, s, again)
	if err := s.DeleteOtherSessions(ctx, u.ID, theirs.Token); err != nil {
		t.Fatalf("DeleteOtherSessions(other user's token): %v", err)
	}
	for _, tok := range []string{keep.Token, again.Token} {
		if _, _, err := s.SessionByToken(ctx, tok); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteOtherSessions with a foreign keepToken left %q: SessionByToken = %v, want ErrNotFound", tok, err)
		}
	}
	if _, _, err := s.SessionByToken(ctx, theirs.Token); err != nil {
		t.Errorf("DeleteOtherSessions deleted another user's session: %v", err)
	}
	if err := s.DeleteOtherSessions(ctx, store.NewID(), store.NewID()); err != nil {
		t.Errorf("DeleteOtherSessions for an unknown user = %v, want nil", err)
	}
}

// testDeleteFailedIsReported: a delete cut short (here by a cancelled
// context, the one fault every store can be handed) either returns an
// error or has done its work. A nil that leaves a session live would let a
// sign-out clear the browser's cookie while the session stays valid.
func testDeleteFailedIsReported(t testing.TB, s store.Store) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	ops := []struct {
		name string
		del  func(u store.User, mine []store.Session) error
		gone func(i int) bool // which of mine a nil result must have ended
	}{
		{"DeleteSession", func(_ store.User, mine []store.Session) error { return s.DeleteSession(cancelled, mine[0].Token) },
			func(i int) bool { return i == 0 }},
		{"DeleteUserSessions", func(u store.User, _ []store.Session) error { return s.DeleteUserSessions(cancelled, u.ID) },
			func(int) bool { return true }},
		{"DeleteOtherSessions", func(u store.User, mine []store.Session) error {
			return s.DeleteOtherSessions(cancelled, u.ID, mine[0].Token)
		}, func(i int) bool { return i > 0 }},
	}
	for _, op := range ops {
		u := newUser("Cut short " + op.name)
		mustCreateUser(t, s, u)
		var mine []store.Session
		for i := range 3 {
			ss := newSession(u.ID, base.Add(ms(i)), time.Now().Add(time.Hour))
			mustCreateSession(t, s, ss)
			mine = append(mine, ss)
		}
		if err := op.del(u, mine); err != nil {
			continue // reported: the caller keeps the cookie and retries
		}
		for i, ss := range mine {
			_, _, err := s.SessionByToken(context.Background(), ss.Token)
			if op.gone(i) && !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s with a cancelled context returned nil but session %d is still there (SessionByToken = %v)", op.name, i, err)
			}
		}
	}
}

func testDeleteExpired(t testing.TB, s store.Store) {
	ctx := context.Background()
	now := base.Add(time.Hour)
	u, v := newUser("Sweep"), newUser("Sweep2")
	mustCreateUser(t, s, u)
	mustCreateUser(t, s, v)

	var expired, live []store.Session
	for i := range 7 {
		owner := u.ID
		if i%2 == 1 {
			owner = v.ID
		}
		expired = append(expired, newSession(owner, base, now.Add(-time.Duration(i+1)*time.Minute)))
		live = append(live, newSession(owner, base, now.Add(time.Duration(i+1)*time.Minute)))
	}
	// Expired at exactly now counts as expired; a millisecond later is live.
	expired = append(expired, newSession(u.ID, base, now))
	live = append(live, newSession(u.ID, base, now.Add(ms(1))))
	for i := range expired {
		mustCreateSession(t, s, expired[i])
		mustCreateSession(t, s, live[i])
	}

	if n, err := s.DeleteExpired(ctx, base.Add(-time.Hour), 100); err != nil || n != 0 {
		t.Errorf("DeleteExpired before any expiry = %d, %v; want 0, nil", n, err)
	}
	const limit = 3
	total, calls := 0, 0
	var counts []int
	for {
		n, err := s.DeleteExpired(ctx, now.In(paris), limit)
		if err != nil {
			t.Fatalf("DeleteExpired: %v", err)
		}
		counts = append(counts, n)
		if n < 0 || n > limit {
			t.Fatalf("DeleteExpired(limit %d) = %d", limit, n)
		}
		total += n
		if calls++; n == 0 || calls > 20 {
			break
		}
	}
	if want := []int{3, 3, 2, 0}; fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("DeleteExpired counts per call = %v, want %v", counts, want)
	}
	if total != len(expired) {
		t.Errorf("DeleteExpired deleted %d sessions in all, want %d", total, len(expired))
	}
	for i, ss := range expired {
		if _, _, err := s.SessionByToken(ctx, ss.Token); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired session %d still there: SessionByToken = %v", i, err)
		}
	}
	for i, ss := range live {
		got, _, err := s.SessionByToken(ctx, ss.Token)
		if err != nil {
			t.Errorf("live session %d: SessionByToken = %v", i, err)
			continue
		}
		checkSession(t, fmt.Sprintf("live session %d", i), got, ss)
	}
	if n, err := s.DeleteExpired(ctx, now, 1); err != nil || n != 0 {
		t.Errorf("DeleteExpired after the sweep = %d, %v; want 0, nil", n, err)
	}
}

// testConcurrent hammers one store from many goroutines; run it with -race.
// Each worker owns a user and checks its own reads; all workers slide one
// shared session, which must end with one of the values they wrote, and sweep
// a stock of long-expired sessions, which must all be gone at the end.
func testConcurrent(t testing.TB, s store.Store) {
	ctx := context.Background()
	const workers, rounds, sweepLimit = 16, 12, 2
	now := base.Add(time.Hour)
	sweepAt := base.Add(-12 * time.Hour) // before every worker session expires

	shared := newUser("Shared")
	mustCreateUser(t, s, shared)
	sharedSess := newSession(shared.ID, base, now.Add(time.Hour))
	mustCreateSession(t, s, sharedSess)
	const junk = 40 // fewer than the sweeps below can delete
	for i := range junk {
		mustCreateSession(t, s, newSession(shared.ID, base.Add(-48*time.Hour), sweepAt.Add(-time.Duration(i+1)*time.Minute)))
	}

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		deleted int
	)
	for w := range workers {
		wg.Go(func() {
			u := newUser(fmt.Sprintf("Worker%d", w))
			if err := s.CreateUser(ctx, u); err != nil {
				t.Errorf("worker %d: CreateUser: %v", w, err)
				return
			}
			var liveTokens []string
			for i := range rounds {
				// Expired, expired at now, live, in turn.
				ss := newSession(u.ID, base.Add(ms(i)), now.Add(time.Duration(i%3-1)*time.Minute))
				if err := s.CreateSession(ctx, ss); err != nil {
					t.Errorf("worker %d: CreateSession: %v", w, err)
					return
				}
				if ss.ExpiresAt.After(now) {
					liveTokens = append(liveTokens, ss.Token)
				}
				gs, gu, err := s.SessionByToken(ctx, ss.Token)
				if err != nil {
					t.Errorf("worker %d: SessionByToken: %v", w, err)
					return
				}
				for _, d := range append(diffSession(gs, ss), diffUser(gu, u)...) {
					t.Errorf("worker %d: SessionByToken: %s", w, d)
				}
				exp := now.Add(time.Duration(w*rounds+i+1) * time.Second)
				if _, err := s.SlideSession(ctx, sharedSess.Token, exp, now); err != nil {
					t.Errorf("worker %d: SlideSession(shared): %v", w, err)
				}
				if _, _, err := s.SessionByToken(ctx, sharedSess.Token); err != nil {
					t.Errorf("worker %d: SessionByToken(shared): %v", w, err)
				}
				if _, err := s.UserByEmail(ctx, strings.ToUpper(u.Email)); err != nil {
					t.Errorf("worker %d: UserByEmail: %v", w, err)
				}
				if i%4 == 3 {
					n, err := s.DeleteExpired(ctx, sweepAt, sweepLimit)
					if err != nil || n < 0 || n > sweepLimit {
						t.Errorf("worker %d: DeleteExpired = %d, %v", w, n, err)
					}
					mu.Lock()
					deleted += n
					mu.Unlock()
				}
			}
			list, err := s.ListSessions(ctx, u.ID, now)
			if err != nil {
				t.Errorf("worker %d: ListSessions: %v", w, err)
				return
			}
			if got := tokens(list); !slices.Equal(got, liveTokens) || len(got) != rounds/3 {
				t.Errorf("worker %d: ListSessions = %q, want %q", w, got, liveTokens)
				return
			}
			if err := s.DeleteSession(ctx, liveTokens[1]); err != nil {
				t.Errorf("worker %d: DeleteSession: %v", w, err)
			}
			want := slices.Delete(slices.Clone(liveTokens), 1, 2)
			if list, err := s.ListSessions(ctx, u.ID, now); err != nil || !slices.Equal(tokens(list), want) {
				t.Errorf("worker %d: ListSessions after DeleteSession = %q, %v; want %q", w, tokens(list), err, want)
			}
			if err := s.DeleteOtherSessions(ctx, u.ID, liveTokens[0]); err != nil {
				t.Errorf("worker %d: DeleteOtherSessions: %v", w, err)
			}
			if list, err := s.ListSessions(ctx, u.ID, base.Add(-time.Hour)); err != nil || len(list) != 1 || list[0].Token != liveTokens[0] {
				t.Errorf("worker %d: ListSessions after DeleteOtherSessions = %q, %v; want only %q", w, tokens(list), err, liveTokens[0])
			}
			if err := s.DeleteUserSessions(ctx, u.ID); err != nil {
				t.Errorf("worker %d: DeleteUserSessions: %v", w, err)
			}
			if list, err := s.ListSessions(ctx, u.ID, base.Add(-time.Hour)); err != nil || len(list) != 0 {
				t.Errorf("worker %d: ListSessions after deleting all = %d sessions, %v; want none", w, len(list), err)
			}
		})
	}
	wg.Wait()

	if deleted != junk {
		t.Errorf("concurrent DeleteExpired calls deleted %d sessions in all, want %d", deleted, junk)
	}
	got, _, err := s.SessionByToken(ctx, sharedSess.Token)
	if err != nil {
		t.Fatalf("SessionByToken(shared): %v", err)
	}
	d := got.ExpiresAt.Sub(now)
	if d < time.Second || d > workers*rounds*time.Second || d%time.Second != 0 {
		t.Errorf("shared session ExpiresAt = %v, not one of the values the workers wrote", got.ExpiresAt)
	}
	if !sameTime(got.UpdatedAt, now) {
		t.Errorf("shared session UpdatedAt = %v, want %v", got.UpdatedAt, now)
	}
}

// CredentialRace races 8 SetPassword calls on each of 20 users without a
// password, then asks the backend, through maxRows, for the largest number
// of credential accounts any user has: it must be 1. The check needs the
// backend's own tables, so it is not part of Run; backends that implement
// store.CredentialStore call it from their tests.
func CredentialRace(t *testing.T, s store.Store, maxRows func(ctx context.Context) (int, error)) {
	t.Helper()
	cs, ok := s.(store.CredentialStore)
	if !ok {
		t.Fatalf("%T does not implement store.CredentialStore", s)
	}
	ctx := context.Background()
	now := store.Truncate(time.Now())
	start := make(chan struct{})
	var wg sync.WaitGroup
	for u := range 20 {
		user := store.User{ID: store.NewID(), Name: "Pat", Email: fmt.Sprintf("race%d@example.com", u), CreatedAt: now, UpdatedAt: now}
		if err := s.CreateUser(ctx, user); err != nil {
			t.Fatal(err)
		}
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if err := cs.SetPassword(ctx, user.ID, fmt.Sprintf("salt:%d", i), now); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	n, err := maxRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("a user has %d credential accounts after racing SetPassword calls, want 1", n)
	}
}
