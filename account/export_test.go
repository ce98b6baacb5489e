package account

import (
	"context"

	"github.com/sessionkit/sessionkit/store"
)

// UserDeleted exposes the user-deleted event and hook to the tests until
// a deletion path calls it.
func (a *Accounts) UserDeleted(ctx context.Context, u store.User) { a.userDeleted(ctx, &u) }
