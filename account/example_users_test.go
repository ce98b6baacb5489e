package account_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

// Change a password from Go: the current one must match, the new one
// passes the same policy as sign-up. Then end the sessions signed in with
// the old one.
func ExampleAccounts_ChangePassword() {
	auth, err := sessionkit.New(sessionkit.Config{
		Secret: "example-secret-0123456789abcdefghijklmnop",
		Store:  memory.New(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()
	accounts, err := account.New(auth, account.Config{})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	u, err := accounts.CreateUser(ctx, "Ada", "ada@example.com", "correct horse")
	if err != nil {
		log.Fatal(err)
	}

	err = accounts.ChangePassword(ctx, u.ID, "wrong horse", "battery staple")
	fmt.Println("wrong current password:", errors.Is(err, account.ErrInvalidPassword))
	err = accounts.ChangePassword(ctx, u.ID, "correct horse", "short")
	fmt.Println("too short:", errors.Is(err, store.ErrInvalid))
	if err := accounts.ChangePassword(ctx, u.ID, "correct horse", "battery staple"); err != nil {
		log.Fatal(err)
	}
	if err := auth.RevokeAllSessions(ctx, u.ID); err != nil {
		log.Fatal(err)
	}
	_, err = accounts.CheckPassword(ctx, "ada@example.com", "battery staple")
	fmt.Println("signs in with the new password:", err == nil)
	// Output:
	// wrong current password: true
	// too short: true
	// signs in with the new password: true
}

// Let users delete their account through the JSON API (Better Auth's
// POST /delete-user, off by default): with their password, or within
// FreshAge of signing in. The user, its sessions and its password go in
// one transaction, and only then are the cookies cleared.
func ExampleConfig_enableDeleteUser() {
	auth, err := sessionkit.New(sessionkit.Config{
		Secret: "example-secret-0123456789abcdefghijklmnop",
		Store:  memory.New(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()
	accounts, err := account.New(auth, account.Config{EnableDeleteUser: true})
	if err != nil {
		log.Fatal(err)
	}
	h := accounts.Handler()

	jar := map[string]string{}
	code, _ := exampleCall(h, jar, "POST", "/api/auth/sign-up/email",
		`{"name":"Ada","email":"ada@example.com","password":"correct horse"}`)
	fmt.Println("sign up:", code)
	code, body := exampleCall(h, jar, "POST", "/api/auth/delete-user", `{"password":"wrong horse"}`)
	fmt.Println("wrong password:", code, body)
	code, body = exampleCall(h, jar, "POST", "/api/auth/delete-user", `{"password":"correct horse"}`)
	fmt.Println("delete:", code, body)
	code, body = exampleCall(h, jar, "GET", "/api/auth/get-session", "")
	fmt.Println("session:", code, body)
	// Output:
	// sign up: 200
	// wrong password: 400 {"message":"Invalid password","code":"INVALID_PASSWORD"}
	// delete: 200 {"success":true,"message":"User deleted"}
	// session: 200 null
}
