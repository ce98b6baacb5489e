package secondary

import (
	"context"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

var _ store.RevocationFeed = (*Store)(nil)

// WatchRevocations implements store.RevocationFeed by passing the call to
// Primary when every session also has a row there (StoreSessionInDatabase
// without PreserveSessionInDatabase): every revocation, sessionkit's or
// Better Auth's, then deletes a row, which Primary's feed reports. In the
// other modes sessions end in secondary storage alone (or their rows are
// only ended, not deleted) and it returns store.ErrNoRevocationFeed.
func (s *Store) WatchRevocations(ctx context.Context, since time.Time, sink store.RevocationSink) error {
	f, ok := s.primary.(store.RevocationFeed)
	if !s.inDB || s.preserve || !ok {
		return fmt.Errorf("secondary: %w: sessions are not all rows of a Primary with a feed", store.ErrNoRevocationFeed)
	}
	return f.WatchRevocations(ctx, since, sink)
}
