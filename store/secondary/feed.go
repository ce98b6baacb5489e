package secondary

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

var _ store.RevocationFeed = (*Store)(nil)

// Notifier carries revocations between the processes sharing secondary
// storage, which an scs store cannot do: the Store announces each session
// it is about to delete, and every watcher hears of it.
// NewRedisNotifier returns one over Redis pub/sub.
type Notifier interface {
	// Announce tells every watcher, present and starting within the
	// revocation window, that these sessions are revoked. The Store calls
	// it before it deletes them and fails the deletion when it fails, so
	// an unannounced revocation is never reported done.
	Announce(ctx context.Context, rs ...store.Revocation) error
	// WatchRevocations is the revocation feed (store.RevocationFeed) of
	// what Announce sends, and of whatever else the Notifier can see.
	store.RevocationFeed
}

// WatchRevocations implements store.RevocationFeed. When every session
// also has a row in a Primary with a feed (StoreSessionInDatabase without
// PreserveSessionInDatabase), every revocation, sessionkit's or Better
// Auth's, deletes a row, and the call goes to Primary. Otherwise the
// Options.Notifier is the feed; without one it returns
// store.ErrNoRevocationFeed.
func (s *Store) WatchRevocations(ctx context.Context, since time.Time, sink store.RevocationSink) error {
	if f, ok := store.As[store.RevocationFeed](s.primary); ok && s.fallback() {
		return f.WatchRevocations(ctx, since, sink)
	}
	if s.notify != nil {
		return s.notify.WatchRevocations(ctx, since, sink)
	}
	return fmt.Errorf("secondary: %w: sessions are not all rows of a Primary with a feed, and there is no Notifier", store.ErrNoRevocationFeed)
}

// announce passes rs to the Notifier, if the Store has one.
func (s *Store) announce(ctx context.Context, rs ...store.Revocation) error {
	if s.notify == nil || len(rs) == 0 {
		return nil
	}
	if err := s.notify.Announce(ctx, rs...); err != nil {
		return fmt.Errorf("announce the revocation: %w", err)
	}
	return nil
}

// announceListed announces the sessions in the user's active list but
// keep's, by token hash: the list names tokens, and reading every session
// for its id would cost a round trip each.
func (s *Store) announceListed(ctx context.Context, userID, keep string) error {
	if s.notify == nil {
		return nil
	}
	l, err := s.list(ctx, userID)
	if err != nil {
		return err
	}
	var rs []store.Revocation
	for _, e := range l {
		if e.Token != keep || keep == "" {
			rs = append(rs, store.Revocation{TokenHash: sha256.Sum256([]byte(e.Token))})
		}
	}
	return s.announce(ctx, rs...)
}

func sha256Sum(token string) [32]byte { return sha256.Sum256([]byte(token)) }
