package sessionkit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit/internal/revoked"
	"github.com/sessionkit/sessionkit/store"
)

// Revocation feed tuning.
const (
	// feedMaxLag is how stale the revocation feed may be before cache hits
	// go to the store: the bound on how long a revoked session's cache
	// cookie keeps working on this instance.
	feedMaxLag = 500 * time.Millisecond
	// feedSkew is added to the cache MaxAge for how long a revocation is
	// remembered, for clocks of instances minting cookies that run ahead.
	feedSkew = time.Minute
	// feedStartWait is how long New waits for the feed's first catch-up;
	// past it the Manager starts anyway, reading the store until then.
	feedStartWait = 2 * time.Second
)

// revocationFeed is the Manager's view of the store's revocation feed.
type revocationFeed struct {
	set    *revoked.Set // nil: no feed (cache off, stateless, or a store without one)
	cancel context.CancelFunc
}

// startFeed subscribes to the store's revocation feed when the cookie cache
// is on and the store has one. The subscription reaches back one cache
// lifetime, so sessions revoked before this instance started are known.
func (m *Manager) startFeed() error {
	if !m.s.cookies.caching() || m.s.Stateless {
		return nil
	}
	noFeed := func() error {
		m.s.Logger.Warn("sessionkit: the store has no revocation feed: a revoked session keeps working wherever its cache cookie is, until the cookie expires",
			"cacheMaxAge", m.s.cookies.cacheMaxAge)
		return nil
	}
	f, ok := store.As[store.RevocationFeed](m.store)
	if !ok {
		return noFeed()
	}
	window := m.s.cookies.cacheMaxAge + feedSkew
	set := revoked.New(window, feedMaxLag)
	ctx, cancel := context.WithCancel(context.Background())
	if err := f.WatchRevocations(ctx, time.Now().Add(-window), set); err != nil {
		cancel()
		if errors.Is(err, store.ErrNoRevocationFeed) {
			return noFeed()
		}
		return fmt.Errorf("sessionkit: revocation feed: %w", err)
	}
	m.feed = revocationFeed{set: set, cancel: cancel}
	select {
	case <-set.Ready():
	case <-time.After(feedStartWait):
		m.s.Logger.Warn("sessionkit: the revocation feed has not caught up yet; cache hits go to the store until it does")
	}
	return nil
}

// trusted reports whether a cache hit for the session with that id and
// token may be used without the store. Without a feed it is (Better Auth's
// behaviour, and stateless mode's, where startFeed starts none); with one,
// only while the feed is current and has named neither the session nor its
// token.
func (f *revocationFeed) trusted(sessionID, token string) bool {
	return f.set == nil || f.set.Trusted(sessionID, token)
}

func (f *revocationFeed) stop() {
	if f.cancel != nil {
		f.cancel()
	}
}
