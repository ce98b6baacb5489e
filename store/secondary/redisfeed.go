package secondary

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit/store"
)

// Redis feed tuning.
const (
	// redisPing is how often a watcher pings through its subscription:
	// the pong proves every message published before the ping was read.
	redisPing = 50 * time.Millisecond
	// redisPongWait is how long a watcher waits for a pong before it
	// drops the connection (caches are refused after 0.5 s anyway).
	redisPongWait = time.Second
	// redisLogKeep is how long the revocation log keeps an entry: a
	// watcher starting or reconnecting reads back one cache lifetime.
	redisLogKeep = 24 * time.Hour
)

// RedisNotifierOptions configures NewRedisNotifier.
type RedisNotifierOptions struct {
	// KeyPrefix is the prefix the scs store puts before its keys (the one
	// given to goredisstore.NewWithPrefix; "" to share Better Auth's bare
	// keys). The channel and the log key are named under it too:
	// <KeyPrefix>sessionkit:revoked and <KeyPrefix>sessionkit:revocations.
	KeyPrefix string
	// ConfigureKeyspaceEvents lets a watcher turn on the keyspace
	// notifications it needs to see Better Auth's deletions (adding "Eg"
	// to notify-keyspace-events with CONFIG SET) when the server has them
	// off. Default false: server configuration is the operator's call,
	// and managed Redis often forbids CONFIG. Without them, sessions
	// deleted by Better Auth (not by sessionkit) keep answering from
	// sessionkit's cookie caches until those expire, and a warning is
	// logged.
	ConfigureKeyspaceEvents bool
	// Logger receives the feed's warnings (never a token). Nil means
	// slog.Default().
	Logger *slog.Logger
}

// RedisNotifier is a Notifier over Redis: Announce adds the revocations to
// a log (a sorted set by time, kept a day) and publishes them on a channel
// in one transaction; a watcher subscribes to the channel and, where the
// server sends them, to the deletions of keys (Better Auth's revocations
// delete the session's key), then reads the log back one cache lifetime,
// so nothing announced while it was starting or reconnecting is missed.
// A single *redis.Client (not a cluster): keyspace notifications are per
// node and per database.
type RedisNotifier struct {
	c               *redis.Client
	prefix          string
	channel, logKey string
	configure       bool
	log             *slog.Logger
}

// NewRedisNotifier returns a Notifier over c. Each watcher holds one
// connection of its own for its subscription, outside c's pool.
func NewRedisNotifier(c *redis.Client, o RedisNotifierOptions) *RedisNotifier {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &RedisNotifier{c: c, prefix: o.KeyPrefix,
		channel: o.KeyPrefix + "sessionkit:revoked", logKey: o.KeyPrefix + "sessionkit:revocations",
		configure: o.ConfigureKeyspaceEvents, log: o.Logger}
}

// members encodes revocations as the log's members and the channel's
// lines: "s:<id>" or "t:<hex SHA-256 of the token>". Never a token.
func members(rs []store.Revocation) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		switch {
		case r.TokenHash != ([32]byte{}):
			out = append(out, "t:"+hex.EncodeToString(r.TokenHash[:]))
		case r.SessionID != "":
			out = append(out, "s:"+r.SessionID)
		}
	}
	return out
}

// parseMember is the inverse of members, for one member.
func parseMember(m string) (store.Revocation, bool) {
	if id, ok := strings.CutPrefix(m, "s:"); ok && id != "" {
		return store.Revocation{SessionID: id}, true
	}
	var r store.Revocation
	if h, ok := strings.CutPrefix(m, "t:"); ok && hex.DecodedLen(len(h)) == len(r.TokenHash) {
		if _, err := hex.Decode(r.TokenHash[:], []byte(h)); err == nil {
			return r, true
		}
	}
	return r, false
}

// Announce implements Notifier: one MULTI adds rs to the log, prunes the
// log and publishes rs.
func (n *RedisNotifier) Announce(ctx context.Context, rs ...store.Revocation) error {
	ms := members(rs)
	if len(ms) == 0 {
		return nil
	}
	return n.logAndPublish(ctx, ms, true)
}

func (n *RedisNotifier) logAndPublish(ctx context.Context, ms []string, publish bool) error {
	now := time.Now()
	zs := make([]redis.Z, len(ms))
	for i, m := range ms {
		zs[i] = redis.Z{Score: float64(now.UnixMilli()), Member: m}
	}
	_, err := n.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, n.logKey, zs...)
		p.ZRemRangeByScore(ctx, n.logKey, "-inf", "("+strconv.FormatInt(now.Add(-redisLogKeep).UnixMilli(), 10))
		p.Expire(ctx, n.logKey, redisLogKeep)
		if publish {
			p.Publish(ctx, n.channel, strings.Join(ms, "\n"))
		}
		return nil
	})
	return err
}

// WatchRevocations implements store.RevocationFeed. It returns at once;
// the watcher runs until ctx is done. Fail closed: any error (the
// connection dropped or killed, a pong late, the log unreadable) is
// Behind, and the watcher reconnects (50 ms doubling to 2 s),
// re-subscribes, reads the log back to since's distance from now again,
// and only then reports CaughtUp: pub/sub keeps nothing for a subscriber
// that is away, the log does.
func (n *RedisNotifier) WatchRevocations(ctx context.Context, since time.Time, sink store.RevocationSink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := &redisWatcher{n: n, sink: sink, window: max(time.Since(since), 0)}
	go w.run(ctx)
	return nil
}

type redisWatcher struct {
	n      *RedisNotifier
	sink   store.RevocationSink
	window time.Duration
	warned bool // the keyspace warning is logged once per watcher
}

func (w *redisWatcher) run(ctx context.Context) {
	backoff := 50 * time.Millisecond
	for {
		healthy, err := w.session(ctx)
		if ctx.Err() != nil {
			return
		}
		w.sink.Behind(err)
		w.n.log.Warn("secondary: revocation feed: Redis subscription lost; cache hits go to the store until it is back", "err", err)
		if healthy {
			backoff = 50 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// keyEvents returns the channel of key deletions, or "" when the server
// does not send them and cannot, or may not, be told to. A failure to
// reach the server is an error (the watcher retries); the server refusing
// CONFIG (managed Redis) is not.
func (w *redisWatcher) keyEvents(ctx context.Context) (string, error) {
	ch := fmt.Sprintf("__keyevent@%d__:del", w.n.c.Options().DB)
	flags, err := w.n.c.ConfigGet(ctx, "notify-keyspace-events").Result()
	f := flags["notify-keyspace-events"]
	ok := err == nil && strings.Contains(f, "E") && strings.ContainsAny(f, "gA")
	if !ok && err == nil && w.n.configure {
		err = w.n.c.ConfigSet(ctx, "notify-keyspace-events", f+"Eg").Err()
		ok = err == nil
	}
	var refused redis.Error
	if err != nil && !errors.As(err, &refused) {
		return "", fmt.Errorf("read notify-keyspace-events: %w", err)
	}
	if ok {
		return ch, nil
	}
	if !w.warned {
		w.warned = true
		w.n.log.Warn("secondary: revocation feed: Redis sends no key deletion events (notify-keyspace-events lacks E and g): sessions Better Auth deletes keep answering from sessionkit's cookie caches until they expire; sessionkit's own revocations are announced",
			"notify-keyspace-events", f, "err", err)
	}
	return "", nil
}

// session subscribes, catches up from the log and relays news until an
// error. healthy reports whether it got as far as catching up.
func (w *redisWatcher) session(ctx context.Context) (healthy bool, err error) {
	chans := []string{w.n.channel}
	ke, err := w.keyEvents(ctx)
	if err != nil {
		return false, err
	}
	if ke != "" {
		chans = append(chans, ke)
	}
	ps := w.n.c.Subscribe(ctx, chans...)
	defer ps.Close()
	for confirmed := 0; confirmed < len(chans); {
		m, err := ps.ReceiveTimeout(ctx, 5*time.Second)
		if err != nil {
			return false, fmt.Errorf("subscribe: %w", err)
		}
		switch m := m.(type) {
		case *redis.Subscription:
			confirmed++
		case *redis.Message:
			w.relay(ctx, m)
		}
	}
	// Subscribed: whatever is announced from now on arrives on the
	// channel; what was announced before is in the log.
	at := time.Now()
	ms, err := w.n.c.ZRangeArgs(ctx, redis.ZRangeArgs{Key: w.n.logKey, ByScore: true,
		Start: strconv.FormatInt(at.Add(-w.window).UnixMilli(), 10), Stop: "+inf"}).Result()
	if err != nil {
		return false, fmt.Errorf("read the revocation log: %w", err)
	}
	w.deliver(ms)
	w.sink.CaughtUp(at)

	var pingAt time.Time
	pending := false
	for {
		if !pending && time.Since(pingAt) >= redisPing {
			pingAt, pending = time.Now(), true
			if err := ps.Ping(ctx); err != nil {
				return true, fmt.Errorf("ping: %w", err)
			}
		}
		wait := redisPing
		if !pending {
			wait = max(redisPing-time.Since(pingAt), time.Millisecond)
		}
		m, err := ps.ReceiveTimeout(ctx, wait)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
			if pending && time.Since(pingAt) > redisPongWait {
				return true, errors.New("no pong from Redis")
			}
			continue
		}
		if err != nil {
			return true, err
		}
		switch m := m.(type) {
		case *redis.Pong:
			pending = false
			w.sink.CaughtUp(pingAt)
		case *redis.Message:
			w.relay(ctx, m)
		case *redis.Subscription:
			if m.Kind != "subscribe" {
				return true, fmt.Errorf("%s %s", m.Kind, m.Channel)
			}
		}
	}
}

// relay passes a message on: announced revocations, or a deleted key.
func (w *redisWatcher) relay(ctx context.Context, m *redis.Message) {
	if m.Channel == w.n.channel {
		w.deliver(strings.Split(m.Payload, "\n"))
		return
	}
	// A key deletion: the key is the token of a session (Better Auth's
	// sign-out and revocations delete it), unless it is one of the other
	// keys. A deleted key of any other kind costs one entry, nothing more.
	k, ok := strings.CutPrefix(m.Payload, w.n.prefix)
	if !ok || k == "" || strings.HasPrefix(k, activePrefix) || strings.HasPrefix(k, revokedPrefix) || strings.HasPrefix(k, "sessionkit:") {
		return
	}
	ms := members([]store.Revocation{{TokenHash: sha256Sum(k)}})
	w.deliver(ms)
	// Logged for the watchers that are starting or reconnecting now, who
	// would not hear of it otherwise. Best effort: this watcher has it.
	if err := w.n.logAndPublish(ctx, ms, false); err != nil && ctx.Err() == nil {
		w.n.log.Warn("secondary: revocation feed: could not log a key deletion", "err", err)
	}
}

func (w *redisWatcher) deliver(ms []string) {
	rs := make([]store.Revocation, 0, len(ms))
	for _, m := range ms {
		if r, ok := parseMember(m); ok {
			rs = append(rs, r)
		}
	}
	w.sink.Revoked(rs...)
}
