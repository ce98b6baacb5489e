package store_test

import (
	"fmt"

	"github.com/sessionkit/sessionkit/store"
)

// Resolve names every table and column as Better Auth's modelName, fields
// and usePlural would.
func ExampleSchema_Resolve() {
	t, err := store.Schema{
		UsePlural: true,
		User:      store.Model{Name: "member"},
		Session:   store.Model{Fields: map[string]string{"userId": "member_id"}},
	}.Resolve()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(t.User.Name, t.Session.Name, t.Session.Col("userId"), t.Session.Col("token"))
	// Output: members sessions member_id token
}
