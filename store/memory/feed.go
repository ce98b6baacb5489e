package memory

import (
	"context"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// retention is how long the store remembers a revocation for watchers that
// subscribe later with an earlier since.
const retention = 24 * time.Hour

var _ store.RevocationFeed = (*Store)(nil)

// feed delivers revocations to the watchers synchronously, under the
// store's lock, so a deletion is known to every Manager of the process by
// the time it returns.
type feed struct {
	sinks map[*watcher]struct{}
	log   []logged // oldest first
}

type watcher struct{ sink store.RevocationSink }

type logged struct {
	id string
	at time.Time
}

func (f *feed) revokedLocked(id string) {
	now := time.Now()
	for len(f.log) > 0 && now.Sub(f.log[0].at) > retention {
		f.log = f.log[1:]
	}
	f.log = append(f.log, logged{id: id, at: now})
	for w := range f.sinks {
		w.sink.Revoked(store.Revocation{SessionID: id})
	}
}

// WatchRevocations implements store.RevocationFeed. Deliveries are
// synchronous; a goroutine reports CaughtUp every store.RevocationPoll
// until ctx is done.
func (m *Store) WatchRevocations(ctx context.Context, since time.Time, sink store.RevocationSink) error {
	w := &watcher{sink: sink}
	m.mu.Lock()
	var past []store.Revocation
	for _, l := range m.feed.log {
		if !l.at.Before(since) {
			past = append(past, store.Revocation{SessionID: l.id})
		}
	}
	sink.Revoked(past...)
	if m.feed.sinks == nil {
		m.feed.sinks = map[*watcher]struct{}{}
	}
	m.feed.sinks[w] = struct{}{}
	sink.CaughtUp(time.Now())
	m.mu.Unlock()
	go func() {
		t := time.NewTicker(store.RevocationPoll / 2)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				m.mu.Lock()
				delete(m.feed.sinks, w)
				m.mu.Unlock()
				return
			case <-t.C:
				sink.CaughtUp(time.Now())
			}
		}
	}()
	return nil
}
