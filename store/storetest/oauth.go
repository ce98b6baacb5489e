package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

func init() {
	cases = append(cases,
		suiteCase{"AccountStore/RoundTrip", testAccountRoundTrip},
		suiteCase{"AccountStore/Duplicate", testAccountDuplicate},
		suiteCase{"AccountStore/CreateUserWithAccount", testCreateUserWithAccount},
		suiteCase{"AccountStore/UpdateAccountTokens", testUpdateAccountTokens},
		suiteCase{"VerificationStore/TakeOnce", testTakeVerification},
		suiteCase{"VerificationStore/DeleteExpired", testDeleteExpiredVerifications},
	)
}

func accountStore(t testing.TB, s store.Store) store.AccountStore {
	a, ok := store.As[store.AccountStore](s)
	if !ok {
		t.Skip("the store does not implement store.AccountStore")
	}
	return a
}

func newAccount(userID, provider, accountID string) store.Account {
	return store.Account{
		ID: store.NewID(), AccountID: accountID, ProviderID: provider, UserID: userID,
		AccessToken: "at-" + accountID, RefreshToken: "rt-" + accountID, IDToken: "idt-" + accountID,
		AccessTokenExpiresAt: base.Add(time.Hour + ms(7)), RefreshTokenExpiresAt: base.Add(24 * time.Hour),
		Scope: "openid,email", CreatedAt: base, UpdatedAt: base.Add(ms(3)),
	}
}

func diffAccount(got, want store.Account) []string {
	var d []string
	eq := func(name string, g, w any) {
		if g != w {
			d = append(d, fmt.Sprintf("%s = %v, want %v", name, g, w))
		}
	}
	eq("ID", got.ID, want.ID)
	eq("AccountID", got.AccountID, want.AccountID)
	eq("ProviderID", got.ProviderID, want.ProviderID)
	eq("UserID", got.UserID, want.UserID)
	eq("AccessToken", got.AccessToken, want.AccessToken)
	eq("RefreshToken", got.RefreshToken, want.RefreshToken)
	eq("IDToken", got.IDToken, want.IDToken)
	eq("Scope", got.Scope, want.Scope)
	for _, p := range []struct {
		name string
		g, w time.Time
	}{{"AccessTokenExpiresAt", got.AccessTokenExpiresAt, want.AccessTokenExpiresAt},
		{"RefreshTokenExpiresAt", got.RefreshTokenExpiresAt, want.RefreshTokenExpiresAt},
		{"CreatedAt", got.CreatedAt, want.CreatedAt}, {"UpdatedAt", got.UpdatedAt, want.UpdatedAt}} {
		if !sameTime(p.g, p.w) {
			d = append(d, fmt.Sprintf("%s = %v, want %v", p.name, p.g, p.w))
		}
	}
	return d
}

func checkAccount(t testing.TB, what string, got, want store.Account) {
	t.Helper()
	for _, d := range diffAccount(got, want) {
		t.Errorf("%s: %s", what, d)
	}
}

// testAccountRoundTrip stores a provider account and reads it back by
// provider key and by user, and checks that deleting the user deletes it.
func testAccountRoundTrip(t testing.TB, s store.Store) {
	as := accountStore(t, s)
	ctx := context.Background()
	u := newUser("Ada")
	mustCreateUser(t, s, u)
	a := newAccount(u.ID, "github", "12345")
	if err := as.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := as.AccountByProvider(ctx, "github", "12345")
	if err != nil {
		t.Fatal(err)
	}
	checkAccount(t, "AccountByProvider", got, a)
	if got, err = as.UserAccount(ctx, u.ID, "github"); err != nil {
		t.Fatal(err)
	}
	checkAccount(t, "UserAccount", got, a)
	// NULL columns read as zero values.
	bare := store.Account{ID: store.NewID(), AccountID: "sub-1", ProviderID: "oidc", UserID: u.ID, CreatedAt: base, UpdatedAt: base}
	if err := as.CreateAccount(ctx, bare); err != nil {
		t.Fatal(err)
	}
	if got, err = as.AccountByProvider(ctx, "oidc", "sub-1"); err != nil {
		t.Fatal(err)
	}
	checkAccount(t, "bare account", got, bare)
	for _, k := range [][2]string{{"github", "1234"}, {"google", "12345"}} {
		if _, err := as.AccountByProvider(ctx, k[0], k[1]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("AccountByProvider(%q, %q): err = %v, want ErrNotFound", k[0], k[1], err)
		}
	}
	if _, err := as.UserAccount(ctx, u.ID, "google"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserAccount(no such provider): err = %v, want ErrNotFound", err)
	}
	if err := as.CreateAccount(ctx, newAccount("no-such-user", "github", "999")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateAccount(unknown user): err = %v, want ErrNotFound", err)
	}
	if err := as.CreateAccount(ctx, store.Account{ID: store.NewID(), ProviderID: "github", UserID: u.ID}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("CreateAccount(no accountId): err = %v, want ErrInvalid", err)
	}
	if ed, ok := store.As[store.UserEditor](s); ok {
		if err := ed.DeleteUser(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := as.AccountByProvider(ctx, "github", "12345"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("AccountByProvider after DeleteUser: err = %v, want ErrNotFound", err)
		}
	}
}

// testAccountDuplicate checks that one provider account belongs to one
// user, even when two first sign-ins race.
func testAccountDuplicate(t testing.TB, s store.Store) {
	as := accountStore(t, s)
	ctx := context.Background()
	u1, u2 := newUser("One"), newUser("Two")
	mustCreateUser(t, s, u1)
	mustCreateUser(t, s, u2)
	a := newAccount(u1.ID, "github", "42")
	if err := as.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := as.CreateAccount(ctx, a); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("CreateAccount(same id): err = %v, want ErrDuplicate", err)
	}
	if err := as.CreateAccount(ctx, newAccount(u2.ID, "github", "42")); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("CreateAccount(same provider account, other user): err = %v, want ErrDuplicate", err)
	}
	var ok atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			uid := u1.ID
			if i%2 == 1 {
				uid = u2.ID
			}
			if err := as.CreateAccount(ctx, newAccount(uid, "google", "race")); err == nil {
				ok.Add(1)
			} else if !errors.Is(err, store.ErrDuplicate) {
				t.Errorf("racing CreateAccount: %v", err)
			}
		}()
	}
	wg.Wait()
	if n := ok.Load(); n != 1 {
		t.Errorf("%d racing CreateAccount calls succeeded, want 1", n)
	}
}

// testCreateUserWithAccount checks that a social sign-up stores the user
// and its account together, and that a refused one stores neither.
func testCreateUserWithAccount(t testing.TB, s store.Store) {
	as := accountStore(t, s)
	ctx := context.Background()
	u := newUser("Grace")
	a := newAccount(u.ID, "github", "7")
	if err := as.CreateUserWithAccount(ctx, u, a); err != nil {
		t.Fatal(err)
	}
	got, err := as.AccountByProvider(ctx, "github", "7")
	if err != nil {
		t.Fatal(err)
	}
	checkAccount(t, "account", got, a)
	gu, err := s.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkUser(t, "user", gu, u)
	// The account is refused (the provider account is taken): no user.
	u2 := newUser("Ghost")
	if err := as.CreateUserWithAccount(ctx, u2, newAccount(u2.ID, "github", "7")); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("CreateUserWithAccount(taken account): err = %v, want ErrDuplicate", err)
	}
	if _, err := s.UserByEmail(ctx, u2.Email); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("user of a refused sign-up: err = %v, want ErrNotFound", err)
	}
	// The user is refused (the e-mail is taken): no account.
	u3 := newUser("Dup")
	u3.Email = u.Email
	if err := as.CreateUserWithAccount(ctx, u3, newAccount(u3.ID, "github", "8")); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("CreateUserWithAccount(taken email): err = %v, want ErrDuplicate", err)
	}
	if _, err := as.AccountByProvider(ctx, "github", "8"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("account of a refused sign-up: err = %v, want ErrNotFound", err)
	}
}

// testUpdateAccountTokens checks a fresh sign-in's or a refresh's write.
func testUpdateAccountTokens(t testing.TB, s store.Store) {
	as := accountStore(t, s)
	ctx := context.Background()
	u := newUser("Lin")
	mustCreateUser(t, s, u)
	a := newAccount(u.ID, "oidc", "sub")
	if err := as.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	up := store.Account{ID: a.ID, AccessToken: "at-2", AccessTokenExpiresAt: base.Add(2 * time.Hour), UpdatedAt: base.Add(time.Minute), Scope: "ignored"}
	want := a
	want.AccessToken, want.AccessTokenExpiresAt, want.UpdatedAt = up.AccessToken, up.AccessTokenExpiresAt, up.UpdatedAt
	got, err := as.UpdateAccountTokens(ctx, up)
	if err != nil {
		t.Fatal(err)
	}
	checkAccount(t, "UpdateAccountTokens", got, want)
	if got, err = as.AccountByProvider(ctx, "oidc", "sub"); err != nil {
		t.Fatal(err)
	}
	checkAccount(t, "after UpdateAccountTokens", got, want)
	if _, err := as.UpdateAccountTokens(ctx, store.Account{ID: "no-such-account", AccessToken: "x", UpdatedAt: base}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateAccountTokens(unknown): err = %v, want ErrNotFound", err)
	}
}

func verificationStore(t testing.TB, s store.Store) store.VerificationStore {
	v, ok := store.As[store.VerificationStore](s)
	if !ok {
		t.Skip("the store does not implement store.VerificationStore")
	}
	return v
}

// testTakeVerification checks that a value is taken once, even by racing
// callers.
func testTakeVerification(t testing.TB, s store.Store) {
	vs := verificationStore(t, s)
	ctx := context.Background()
	v := store.Verification{ID: store.NewID(), Identifier: "auth-state:abc", Value: `{"a":1}`,
		ExpiresAt: base.Add(10 * time.Minute), CreatedAt: base, UpdatedAt: base}
	if err := vs.CreateVerification(ctx, v); err != nil {
		t.Fatal(err)
	}
	got, err := vs.TakeVerification(ctx, v.Identifier)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != v.ID || got.Identifier != v.Identifier || got.Value != v.Value || !sameTime(got.ExpiresAt, v.ExpiresAt) {
		t.Errorf("TakeVerification = %+v, want %+v", got, v)
	}
	if _, err := vs.TakeVerification(ctx, v.Identifier); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second TakeVerification: err = %v, want ErrNotFound", err)
	}
	if err := vs.CreateVerification(ctx, store.Verification{ID: store.NewID(), Value: "x", ExpiresAt: base}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("CreateVerification(no identifier): err = %v, want ErrInvalid", err)
	}
	race := store.Verification{ID: store.NewID(), Identifier: "auth-state:race", Value: "v",
		ExpiresAt: base.Add(time.Minute), CreatedAt: base, UpdatedAt: base}
	if err := vs.CreateVerification(ctx, race); err != nil {
		t.Fatal(err)
	}
	var won atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := vs.TakeVerification(ctx, race.Identifier); err == nil {
				won.Add(1)
			} else if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("racing TakeVerification: %v", err)
			}
		}()
	}
	wg.Wait()
	if n := won.Load(); n != 1 {
		t.Errorf("%d racing TakeVerification calls got the value, want 1", n)
	}
}

// testDeleteExpiredVerifications checks the cleanup of expired values.
func testDeleteExpiredVerifications(t testing.TB, s store.Store) {
	vs := verificationStore(t, s)
	ctx := context.Background()
	for i := range 5 {
		exp := base.Add(-time.Duration(i+1) * time.Minute)
		if i == 4 {
			exp = base.Add(time.Hour) // live
		}
		if err := vs.CreateVerification(ctx, store.Verification{ID: store.NewID(), Identifier: fmt.Sprintf("id-%d", i),
			Value: "v", ExpiresAt: exp, CreatedAt: base.Add(-time.Hour), UpdatedAt: base.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := vs.DeleteExpiredVerifications(ctx, base, 3)
	if err != nil || n != 3 {
		t.Fatalf("DeleteExpiredVerifications(limit 3) = %d, %v; want 3", n, err)
	}
	n, err = vs.DeleteExpiredVerifications(ctx, base, 10)
	if err != nil || n != 1 {
		t.Fatalf("second DeleteExpiredVerifications = %d, %v; want 1", n, err)
	}
	if _, err := vs.TakeVerification(ctx, "id-4"); err != nil {
		t.Errorf("the live value was deleted: %v", err)
	}
}
