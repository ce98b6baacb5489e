// Package secondary is a store.Store with Better Auth's "secondary storage"
// semantics over any session store of github.com/alexedwards/scs/v2:
// Redis through scs's goredisstore or redisstore, and every other scs
// backend (memstore, Memcached, Badger, DynamoDB, …).
//
// Sessions are kept under Better Auth's keys, so a Go service and a Better
// Auth app configured with the same secondaryStorage share them:
//
//	<token>                           {"session":{…},"user":{…}}, dates ISO-8601 with milliseconds;
//	                                  TTL: whole seconds until session.expiresAt;
//	                                  null once deleted in the fallback mode (a tombstone),
//	                                  TTL: max(ExpiresIn, 1 day)
//	active-sessions-<userId>          [{"token":"…","expiresAt":<ms>},…] sorted by expiresAt;
//	                                  TTL: seconds until the furthest expiresAt
//	revoked-sessions-before-<userId>  ms since the epoch; sessions created before it are revoked;
//	                                  TTL: max(ExpiresIn, 1 day)
//
// With a RedisNotifier (Options.Notifier), sessionkit adds two keys of its
// own, which Better Auth never reads:
//
//	sessionkit:revocations            sorted set of revoked sessions ("s:<id>", or "t:<sha256 of token>"),
//	                                  scored by ms; entries kept a day; TTL: a day
//	sessionkit:revoked                the pub/sub channel announcing them
//
// The keys are given to the scs store as its tokens, so the store's own key
// prefix, if any, comes in front of them: configure the scs store with no
// prefix (goredisstore.NewWithPrefix(client, "")) to share keys with Better
// Auth, whose secondaryStorage uses the bare names.
//
// Users are never kept in secondary storage: they live in Options.Primary,
// a database store such as store/postgres or store/sqlite, which also keeps
// the passwords (Store implements store.CredentialStore by delegating to it).
// Without a Primary, users and passwords are kept in an in-process
// store/memory store: that suits tests and single-process demos only, since
// other processes cannot see those users (they do see the sessions, whose
// values embed the user).
//
// With Options.StoreSessionInDatabase the Primary keeps every session as
// well, as Better Auth's session.storeSessionInDatabase does; see Options
// for the fallback and preserve rules.
//
// What the key layout cannot do, and Better Auth cannot either: updates of
// an active-sessions list are read-modify-write, so two processes changing
// one user's sessions at the same instant may lose an entry of the list
// (the sessions themselves are unaffected; only ListSessions and revoking
// all of a user's sessions read the list, and the revoked-sessions-before
// marker still ends sessions the list forgot). Within one process the Store
// serialises these updates per user.
package secondary

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

// Options configures New. The zero value keeps sessions in secondary
// storage only and users in process memory.
type Options struct {
	// Primary keeps users and passwords, and sessions too when
	// StoreSessionInDatabase is set. The Store owns it: Close closes it.
	// Nil means an in-process store/memory store, for tests and demos.
	Primary store.Store
	// StoreSessionInDatabase also writes every session to Primary, as
	// Better Auth's session.storeSessionInDatabase. Unless
	// PreserveSessionInDatabase is set, Primary is then the fallback: a
	// session missing from secondary storage is looked up there, and when
	// secondary storage fails (Redis down), reads and slides go to Primary
	// instead of failing. Revoking always needs secondary storage (else a
	// revoked session would come back with it) and fails while it is down.
	// In this mode the fallback honours the revoked-sessions-before marker,
	// and a deleted session's key becomes a tombstone, so that a revocation
	// whose database step failed revives nothing (see DeleteUserSessions).
	StoreSessionInDatabase bool
	// PreserveSessionInDatabase keeps a session's row in Primary when the
	// session is deleted, with its expiresAt set to the time of deletion,
	// for auditing (Better Auth's session.preserveSessionInDatabase). There
	// is then no fallback: a session missing from secondary storage is gone,
	// and a secondary storage failure is an error. Requires
	// StoreSessionInDatabase.
	PreserveSessionInDatabase bool
	// ExpiresIn is Better Auth's session.expiresIn, the least time a
	// revoked-sessions-before marker is kept. Zero means 7 days.
	ExpiresIn time.Duration
	// Logger receives failures that do not fail the call (a secondary
	// storage error answered from Primary). Nil means slog.Default(). It
	// never receives tokens.
	Logger *slog.Logger
	// Now is the clock that TTLs are counted from and markers written
	// with. Nil means time.Now. Give it the Manager's clock.
	Now func() time.Time
	// Notifier, when set, announces every session this Store deletes to
	// the other processes sharing secondary storage, and is the Store's
	// revocation feed (see WatchRevocations): without it, a session kept
	// in secondary storage alone has no feed, and a revoked session keeps
	// answering from cookie caches until they expire. NewRedisNotifier
	// gives one over Redis pub/sub. Unused in the fallback mode when
	// Primary has a feed of its own, which sees every deletion already.
	Notifier Notifier
}

// Store is a store.Store and store.CredentialStore with Better Auth's
// secondary-storage semantics over an scs store. It is safe for concurrent
// use, and by several processes sharing the secondary storage (within the
// limits in the package documentation).
type Store struct {
	kv             kv
	primary        store.Store
	notify         Notifier // nil unless the Notifier is the feed
	inDB, preserve bool
	markerTTL      int64 // seconds
	log            *slog.Logger
	now            func() time.Time
	locks          [64]sync.Mutex
	closeOnce      sync.Once
	closeErr       error
}

var (
	_ store.Store           = (*Store)(nil)
	_ store.CredentialStore = (*Store)(nil)
)

// ErrConfig is wrapped by the errors New returns for bad Options.
var ErrConfig = errors.New("secondary: bad options")

// New returns a Store keeping sessions in kv, which may also implement
// scs.CtxStore (then its context-taking methods are used) and
// scs.IterableStore or scs.IterableCtxStore (then DeleteExpired can sweep
// it; see there).
func New(kv scs.Store, o Options) (*Store, error) {
	if kv == nil {
		return nil, fmt.Errorf("%w: nil scs store", ErrConfig)
	}
	if o.StoreSessionInDatabase && o.Primary == nil {
		return nil, fmt.Errorf("%w: StoreSessionInDatabase needs a Primary store", ErrConfig)
	}
	if o.PreserveSessionInDatabase && !o.StoreSessionInDatabase {
		return nil, fmt.Errorf("%w: PreserveSessionInDatabase needs StoreSessionInDatabase", ErrConfig)
	}
	if o.Primary == nil {
		o.Primary = memory.New()
	}
	if o.ExpiresIn <= 0 {
		o.ExpiresIn = 7 * 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if _, ok := store.As[store.RevocationFeed](o.Primary); ok && o.StoreSessionInDatabase && !o.PreserveSessionInDatabase {
		o.Notifier = nil // every deletion deletes a row: Primary's feed tells
	}
	return &Store{
		notify:    o.Notifier,
		kv:        newKV(kv),
		primary:   o.Primary,
		inDB:      o.StoreSessionInDatabase,
		preserve:  o.PreserveSessionInDatabase,
		markerTTL: int64(max(o.ExpiresIn, 24*time.Hour) / time.Second),
		log:       o.Logger,
		now:       o.Now,
	}, nil
}

// Primary returns the store that keeps users (and, if so configured,
// sessions).
func (s *Store) Primary() store.Store { return s.primary }

// fallback reports whether Primary answers for sessions that secondary
// storage is missing or cannot read.
func (s *Store) fallback() bool { return s.inDB && !s.preserve }

// lock serialises, within this process, the read-modify-write updates of
// one user's active-sessions list.
func (s *Store) lock(userID string) func() {
	h := fnv.New32a()
	h.Write([]byte(userID))
	m := &s.locks[h.Sum32()%uint32(len(s.locks))]
	m.Lock()
	return m.Unlock
}

// Close closes Primary. The scs store is left to its owner (close your Redis
// client yourself). Calling Close again returns the first result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.primary.Close() })
	return s.closeErr
}

// CreateUser implements store.Store: users live in Primary.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	return s.primary.CreateUser(ctx, u)
}

// UserByID implements store.Store: users live in Primary.
func (s *Store) UserByID(ctx context.Context, id string) (store.User, error) {
	return s.primary.UserByID(ctx, id)
}

// UserByEmail implements store.Store: users live in Primary.
func (s *Store) UserByEmail(ctx context.Context, email string) (store.User, error) {
	return s.primary.UserByEmail(ctx, email)
}

// SetPassword implements store.CredentialStore through Primary.
func (s *Store) SetPassword(ctx context.Context, userID, hash string, now time.Time) error {
	cs, ok := store.As[store.CredentialStore](s.primary)
	if !ok {
		return fmt.Errorf("secondary: set password: the primary store %T keeps no passwords", s.primary)
	}
	return cs.SetPassword(ctx, userID, hash, now)
}

// CreateUserWithPassword implements store.CredentialStore through Primary,
// whose transaction makes it atomic.
func (s *Store) CreateUserWithPassword(ctx context.Context, u store.User, hash string) error {
	cs, ok := store.As[store.CredentialStore](s.primary)
	if !ok {
		return fmt.Errorf("secondary: create user: the primary store %T keeps no passwords", s.primary)
	}
	return cs.CreateUserWithPassword(ctx, u, hash)
}

// PasswordHash implements store.CredentialStore through Primary.
func (s *Store) PasswordHash(ctx context.Context, userID string) (string, error) {
	cs, ok := store.As[store.CredentialStore](s.primary)
	if !ok {
		return "", fmt.Errorf("secondary: password hash: the primary store %T keeps no passwords", s.primary)
	}
	return cs.PasswordHash(ctx, userID)
}

// CreateSession implements store.Store. It reads the user from Primary (its
// value embeds the user), writes the row to Primary when
// StoreSessionInDatabase, then the token key and the user's active list.
// Without a database row, a taken token or a session id taken among the
// user's sessions is ErrDuplicate (checking the id costs one read per live
// session of the user).
func (s *Store) CreateSession(ctx context.Context, ss store.Session) error {
	if err := ss.Required(); err != nil {
		return fmt.Errorf("secondary: create session: %w", err)
	}
	ss.ExpiresAt, ss.CreatedAt, ss.UpdatedAt = store.Truncate(ss.ExpiresAt), store.Truncate(ss.CreatedAt), store.Truncate(ss.UpdatedAt)
	decl := s.fields().Session
	vals, err := ss.Fields.Align(decl)
	if err != nil {
		return fmt.Errorf("secondary: create session: %w: %w", store.ErrInvalid, err)
	}
	ss.Fields = store.FieldsFromValues(decl, vals)
	u, err := s.primary.UserByID(ctx, ss.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("secondary: create session: user: %w", store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("secondary: create session: %w", err)
	}
	if s.inDB {
		if err := s.primary.CreateSession(ctx, ss); err != nil {
			return err
		}
	}
	unlock := s.lock(ss.UserID)
	defer unlock()
	if !s.inDB {
		if err := s.checkUnique(ctx, ss); err != nil {
			return err
		}
	}
	if err := s.write(ctx, ss, u); err != nil {
		if s.fallback() {
			// The row is in Primary, which answers while secondary
			// storage is missing the session.
			s.log.WarnContext(ctx, "secondary: create session: secondary storage failed; the database answers for the session", "err", err)
			return nil
		}
		if s.inDB {
			if derr := s.primary.DeleteSession(ctx, ss.Token); derr != nil {
				err = errors.Join(err, derr)
			}
		}
		return fmt.Errorf("secondary: create session: %w", err)
	}
	return nil
}

// checkUnique returns ErrDuplicate when ss's token is in use or its id is
// one of the user's live sessions.
func (s *Store) checkUnique(ctx context.Context, ss store.Session) error {
	if _, found, err := s.kv.get(ctx, ss.Token); err != nil {
		return fmt.Errorf("secondary: create session: %w", err)
	} else if found {
		return fmt.Errorf("secondary: create session: token: %w", store.ErrDuplicate)
	}
	list, err := s.list(ctx, ss.UserID)
	if err != nil {
		return fmt.Errorf("secondary: create session: %w", err)
	}
	for _, e := range list {
		b, found, err := s.kv.get(ctx, e.Token)
		if err != nil {
			return fmt.Errorf("secondary: create session: %w", err)
		}
		if !found {
			continue
		}
		var d refs
		if json.Unmarshal(b, &d) == nil && d.Session.ID == ss.ID {
			return fmt.Errorf("secondary: create session: id: %w", store.ErrDuplicate)
		}
	}
	return nil
}

// write stores ss (with its user u) under its token and puts it in the
// user's active list, with Better Auth's TTLs. A session already expired by
// the Store's clock is removed instead: Better Auth does not store it.
// The caller holds the user's lock.
func (s *Store) write(ctx context.Context, ss store.Session, u store.User) error {
	b, err := encodeRecord(ss, u)
	if err != nil {
		return err
	}
	return s.writeRaw(ctx, ss, b)
}

func (s *Store) writeRaw(ctx context.Context, ss store.Session, value []byte) error {
	now := s.now()
	list, err := s.list(ctx, ss.UserID)
	if err != nil {
		return err
	}
	list = slices.DeleteFunc(list, func(e entry) bool { return e.Token == ss.Token })
	ttl := ttlSeconds(ss.ExpiresAt, now)
	if ttl > 0 {
		list = append(list, entry{Token: ss.Token, ExpiresAt: ss.ExpiresAt.UnixMilli()})
	}
	if err := s.putList(ctx, ss.UserID, list, now); err != nil {
		return err
	}
	if ttl <= 0 {
		return s.kv.del(ctx, ss.Token)
	}
	return s.kv.set(ctx, ss.Token, value, ttl)
}

// list reads the user's active-sessions list; a missing or unreadable list
// is empty.
func (s *Store) list(ctx context.Context, userID string) ([]entry, error) {
	b, found, err := s.kv.get(ctx, activeKey(userID))
	if err != nil || !found {
		return nil, err
	}
	l, err := decodeList(b)
	if err != nil {
		s.log.WarnContext(ctx, "secondary: unreadable active-sessions list; starting a new one", "user", userID, "err", err)
		return nil, nil
	}
	return l, nil
}

// putList drops entries expired at now, sorts the rest by expiry and writes
// them with a TTL to the furthest one, or deletes the key when none is left.
func (s *Store) putList(ctx context.Context, userID string, l []entry, now time.Time) error {
	l = slices.DeleteFunc(l, func(e entry) bool { return e.ExpiresAt <= now.UnixMilli() })
	if len(l) == 0 {
		return s.kv.del(ctx, activeKey(userID))
	}
	sortList(l)
	ttl := ttlSeconds(time.UnixMilli(l[len(l)-1].ExpiresAt), now)
	if ttl <= 0 {
		return s.kv.del(ctx, activeKey(userID))
	}
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return s.kv.set(ctx, activeKey(userID), b, ttl)
}

// SessionByToken implements store.Store: one read of the token key and one
// of the user's revoked-sessions-before marker. A session created before
// the marker is ErrNotFound. A missing key, or a secondary storage failure,
// is answered by Primary in the fallback mode (see Options).
func (s *Store) SessionByToken(ctx context.Context, token string) (store.Session, store.User, error) {
	if token == "" {
		return store.Session{}, store.User{}, store.ErrNotFound
	}
	b, found, err := s.kv.get(ctx, token)
	if err != nil {
		return s.lookupFallback(ctx, token, err)
	}
	if !found {
		if s.fallback() {
			return s.fromPrimary(ctx, token)
		}
		return store.Session{}, store.User{}, store.ErrNotFound
	}
	if isTombstone(b) {
		return store.Session{}, store.User{}, store.ErrNotFound
	}
	ss, u, err := decodeRecord(b, s.fields())
	if err != nil || ss.Token != token {
		s.log.WarnContext(ctx, "secondary: unreadable session value; treating the session as missing", "err", err)
		return store.Session{}, store.User{}, store.ErrNotFound
	}
	revoked, err := s.revoked(ctx, ss)
	if err != nil {
		return s.lookupFallback(ctx, token, err)
	}
	if revoked {
		return store.Session{}, store.User{}, store.ErrNotFound
	}
	return ss, u, nil
}

// fromPrimary answers, in the fallback mode, a lookup whose key secondary
// storage is missing: the database row, unless the user's
// revoked-sessions-before marker ends it. Better Auth skips that check; here
// a revoke-all whose database step failed is still honoured.
func (s *Store) fromPrimary(ctx context.Context, token string) (store.Session, store.User, error) {
	ss, u, err := s.primary.SessionByToken(ctx, token)
	if err != nil {
		return ss, u, err
	}
	revoked, err := s.revoked(ctx, ss)
	if err != nil {
		if ctx.Err() != nil {
			return store.Session{}, store.User{}, fmt.Errorf("secondary: session by token: %w", err)
		}
		// As in lookupFallback: secondary storage failed, the database
		// alone answers.
		s.log.WarnContext(ctx, "secondary: session by token: secondary storage failed; the database answers", "err", err)
		return ss, u, nil
	}
	if revoked {
		return store.Session{}, store.User{}, store.ErrNotFound
	}
	return ss, u, nil
}

// lookupFallback answers a lookup that secondary storage failed with err:
// from Primary in the fallback mode, else with the error. Neither the
// marker nor a tombstone can be read then, so the rows decide: a revocation
// whose database step failed (the call returned an error) is not seen by
// such lookups until it is retried. Refusing them instead would turn every
// Redis outage into 503s, which the fallback mode exists to prevent.
func (s *Store) lookupFallback(ctx context.Context, token string, err error) (store.Session, store.User, error) {
	if !s.fallback() || ctx.Err() != nil {
		return store.Session{}, store.User{}, fmt.Errorf("secondary: session by token: %w", err)
	}
	ss, u, perr := s.primary.SessionByToken(ctx, token)
	if perr != nil && !errors.Is(perr, store.ErrNotFound) {
		return store.Session{}, store.User{}, fmt.Errorf("secondary: session by token: %w", errors.Join(err, perr))
	}
	return ss, u, perr
}

// revoked reports whether ss was created before its user's
// revoked-sessions-before marker.
func (s *Store) revoked(ctx context.Context, ss store.Session) (bool, error) {
	before, err := s.marker(ctx, ss.UserID)
	return ss.CreatedAt.UnixMilli() < before, err
}

// marker returns the user's revoked-sessions-before time in milliseconds,
// or the least int64 when there is none (or it is unreadable, which Better
// Auth also ignores).
func (s *Store) marker(ctx context.Context, userID string) (int64, error) {
	b, found, err := s.kv.get(ctx, revokedKey(userID))
	if err != nil {
		return math.MinInt64, err
	}
	if !found {
		return math.MinInt64, nil
	}
	before, err := parseMillis(b)
	if err != nil {
		return math.MinInt64, nil
	}
	return before, nil
}

// SlideSession implements store.Store: it merges the new expiresAt and
// updatedAt into the stored value (keeping fields it does not know),
// re-sets the key with the new TTL, updates the active list and, with
// StoreSessionInDatabase, the row.
func (s *Store) SlideSession(ctx context.Context, token string, expiresAt, updatedAt time.Time) (store.Session, error) {
	expiresAt, updatedAt = store.Truncate(expiresAt), store.Truncate(updatedAt)
	if token == "" {
		return store.Session{}, store.ErrNotFound
	}
	b, found, err := s.kv.get(ctx, token)
	if err != nil {
		if s.fallback() && ctx.Err() == nil {
			s.log.WarnContext(ctx, "secondary: slide session: secondary storage failed; sliding the database row only", "err", err)
			return s.primary.SlideSession(ctx, token, expiresAt, updatedAt)
		}
		return store.Session{}, fmt.Errorf("secondary: slide session: %w", err)
	}
	if !found {
		if s.fallback() {
			return s.primary.SlideSession(ctx, token, expiresAt, updatedAt)
		}
		return store.Session{}, store.ErrNotFound
	}
	var d refs
	if err := json.Unmarshal(b, &d); err != nil || d.Session.UserID == "" {
		return store.Session{}, store.ErrNotFound
	}
	unlock := s.lock(d.Session.UserID)
	defer unlock()
	// Read again under the lock: a delete may have won the race.
	b, found, err = s.kv.get(ctx, token)
	if err != nil {
		return store.Session{}, fmt.Errorf("secondary: slide session: %w", err)
	}
	if !found {
		return store.Session{}, store.ErrNotFound
	}
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil || rec.Session == nil {
		return store.Session{}, store.ErrNotFound
	}
	rec.Session["expiresAt"], _ = json.Marshal(store.FormatTime(expiresAt))
	rec.Session["updatedAt"], _ = json.Marshal(store.FormatTime(updatedAt))
	nb, err := json.Marshal(rec)
	if err != nil {
		return store.Session{}, fmt.Errorf("secondary: slide session: %w", err)
	}
	ss, _, err := decodeRecord(nb, s.fields())
	if err != nil {
		return store.Session{}, store.ErrNotFound
	}
	if err := s.writeRaw(ctx, ss, nb); err != nil {
		return store.Session{}, fmt.Errorf("secondary: slide session: %w", err)
	}
	if s.inDB {
		if _, err := s.primary.SlideSession(ctx, token, expiresAt, updatedAt); err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Session{}, fmt.Errorf("secondary: slide session: database: %w", err)
		}
	}
	return ss, nil
}

// DeleteSession implements store.Store: it ends the token key (deletes
// it, or in the fallback mode replaces it with a tombstone) and its list
// entry, then the row (or, with PreserveSessionInDatabase, ends it). It
// fails when secondary storage does, whatever the mode, so that a session
// reported deleted cannot come back from secondary storage.
//
// Order: secondary storage first. In the fallback mode the tombstone hides
// the row from every lookup that reaches secondary storage, so a failed
// database delete (an error, to retry) revives nothing; deleting the row
// first instead would leave the live key to answer when the second step
// fails.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	b, found, err := s.kv.get(ctx, token)
	if err != nil {
		return fmt.Errorf("secondary: delete session: %w", err)
	}
	var d refs
	decoded := found && json.Unmarshal(b, &d) == nil && d.Session.UserID != ""
	// Announced before the key goes: a failed announcement leaves the
	// session as it was, for the caller to retry. A key already gone (lost,
	// or deleted by Better Auth unseen) is announced by its token, so that
	// signing out still ends the cached copies.
	r := store.Revocation{SessionID: d.Session.ID}
	if r.SessionID == "" {
		r.TokenHash = sha256.Sum256([]byte(token))
	}
	if err := s.announce(ctx, r); err != nil {
		return fmt.Errorf("secondary: delete session: %w", err)
	}
	switch {
	case decoded:
		unlock := s.lock(d.Session.UserID)
		err = s.deleteListed(ctx, d.Session.UserID, token)
		unlock()
	case found || s.fallback():
		err = s.endKey(ctx, token)
	}
	if err != nil {
		return fmt.Errorf("secondary: delete session: %w", err)
	}
	if !s.inDB {
		return nil
	}
	if s.preserve {
		now := store.Truncate(s.now())
		if _, err := s.primary.SlideSession(ctx, token, now, now); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("secondary: delete session: end the database row: %w", err)
		}
		return nil
	}
	return s.primary.DeleteSession(ctx, token)
}

// endKey deletes a session's key, or in the fallback mode replaces it with
// a tombstone kept as long as a revocation marker, so that the database row
// cannot answer for it while it may still exist.
func (s *Store) endKey(ctx context.Context, token string) error {
	if s.fallback() {
		return s.kv.set(ctx, token, tombstone, s.markerTTL)
	}
	return s.kv.del(ctx, token)
}

// deleteListed ends token's key and deletes its entry in the user's list.
// The caller holds the user's lock.
func (s *Store) deleteListed(ctx context.Context, userID, token string) error {
	if err := s.endKey(ctx, token); err != nil {
		return err
	}
	l, err := s.list(ctx, userID)
	if err != nil {
		return err
	}
	n := len(l)
	l = slices.DeleteFunc(l, func(e entry) bool { return e.Token == token })
	if len(l) == n {
		return nil
	}
	return s.putList(ctx, userID, l, s.now())
}

// ListSessions implements store.Store: it reads the user's active list and
// then each session's key (the database instead, in the fallback mode), and
// returns the sessions live at now, oldest first.
func (s *Store) ListSessions(ctx context.Context, userID string, now time.Time) ([]store.Session, error) {
	if s.fallback() {
		return s.listPrimary(ctx, userID, now)
	}
	l, err := s.list(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("secondary: list sessions: %w", err)
	}
	var out []store.Session
	for _, e := range l {
		b, found, err := s.kv.get(ctx, e.Token)
		if err != nil {
			return nil, fmt.Errorf("secondary: list sessions: %w", err)
		}
		if !found {
			continue
		}
		ss, _, err := decodeRecord(b, s.fields())
		if err != nil || ss.UserID != userID || ss.Token != e.Token || !ss.ExpiresAt.After(now) {
			continue
		}
		out = append(out, ss)
	}
	if len(out) > 0 {
		before, err := s.marker(ctx, userID)
		if err != nil {
			return nil, fmt.Errorf("secondary: list sessions: %w", err)
		}
		out = slices.DeleteFunc(out, func(ss store.Session) bool { return ss.CreatedAt.UnixMilli() < before })
	}
	slices.SortFunc(out, func(a, b store.Session) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// listPrimary is ListSessions in the fallback mode: the database rows,
// without those a revocation already ended in secondary storage (created
// before the user's marker, or tombstoned) while its database step failed.
// Secondary storage failing is no error here: the database answers, as for
// lookups.
func (s *Store) listPrimary(ctx context.Context, userID string, now time.Time) ([]store.Session, error) {
	rows, err := s.primary.ListSessions(ctx, userID, now)
	if err != nil || len(rows) == 0 {
		return rows, err
	}
	before, err := s.marker(ctx, userID)
	if err != nil {
		s.log.WarnContext(ctx, "secondary: list sessions: secondary storage failed; the database answers", "err", err)
		return rows, nil
	}
	return slices.DeleteFunc(rows, func(ss store.Session) bool {
		if ss.CreatedAt.UnixMilli() < before {
			return true
		}
		b, found, err := s.kv.get(ctx, ss.Token)
		return err == nil && found && isTombstone(b)
	}), nil
}

// DeleteUserSessions implements store.Store as Better Auth revokes every
// session of a user: it sets revoked-sessions-before-<userId> to now, then
// deletes the rows (in the fallback mode), then every key in the user's
// list and the list, then (with PreserveSessionInDatabase) ends the rows.
// It stops at the first failure and returns it.
//
// Order: the marker first, because every lookup that can read secondary
// storage honours it, whether the session's key is there or the database
// answers for a missing key (fromPrimary). So a failure at any later step
// leaves every session of the user revoked to all such lookups, and the
// caller retries. The rows go before the keys so that a lookup that cannot
// read secondary storage (answered by the database alone) finds none once
// the database step succeeded; and after a failed database step the keys
// stay, so that Better Auth, which does not check the marker when it falls
// back to the database, still finds each key and its marker. If setting
// the marker fails, nothing has changed. What no order can give: while
// secondary storage is unreadable, a lookup sees only the database, so a
// revocation whose database step failed is invisible to it until retried.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	now := s.now()
	unlock := s.lock(userID)
	defer unlock()
	// Never lower a marker another process (whose clock may run ahead)
	// set: that would revive the sessions between the two times. Better
	// Auth keeps the later one too.
	prev, err := s.marker(ctx, userID)
	if err != nil {
		return fmt.Errorf("secondary: delete user sessions: %w", err)
	}
	// Announced before the marker, which revokes them in the store: a
	// failed announcement changes nothing.
	if err := s.announceListed(ctx, userID, ""); err != nil {
		return fmt.Errorf("secondary: delete user sessions: %w", err)
	}
	if err := s.kv.set(ctx, revokedKey(userID), formatMillis(time.UnixMilli(max(now.UnixMilli(), prev))), s.markerTTL); err != nil {
		return fmt.Errorf("secondary: delete user sessions: %w", err)
	}
	if s.fallback() {
		if err := s.primary.DeleteUserSessions(ctx, userID); err != nil {
			return fmt.Errorf("secondary: delete user sessions: database: %w", err)
		}
	}
	if err := s.deleteAllBut(ctx, userID, "", nil); err != nil {
		return fmt.Errorf("secondary: delete user sessions: %w", err)
	}
	if s.preserve {
		return s.endRows(ctx, userID, "", now)
	}
	return nil
}

// DeleteOtherSessions implements store.Store: it ends the keys of every
// session of the user but keepToken's (in the fallback mode, those of the
// database rows too, with tombstones) and rewrites the list, then deletes
// the rows (or, with PreserveSessionInDatabase, ends them).
//
// Order: secondary storage first, for the reason given at DeleteSession:
// there is no marker for "all but one", so the tombstones are what keeps a
// failed database step from reviving a session.
func (s *Store) DeleteOtherSessions(ctx context.Context, userID, keepToken string) error {
	var rows []store.Session
	if s.fallback() {
		var err error
		if rows, err = s.primary.ListSessions(ctx, userID, s.now()); err != nil {
			return fmt.Errorf("secondary: delete other sessions: database: %w", err)
		}
	}
	unlock := s.lock(userID)
	err := s.announceListed(ctx, userID, keepToken)
	if err == nil {
		err = s.deleteAllBut(ctx, userID, keepToken, rows)
	}
	unlock()
	if err != nil {
		return fmt.Errorf("secondary: delete other sessions: %w", err)
	}
	if !s.inDB {
		return nil
	}
	if s.preserve {
		return s.endRows(ctx, userID, keepToken, s.now())
	}
	return s.primary.DeleteOtherSessions(ctx, userID, keepToken)
}

// deleteAllBut ends the keys of the user's listed sessions and of rows
// except keep ("" keeps none) and leaves only keep in the list. The caller
// holds the user's lock.
func (s *Store) deleteAllBut(ctx context.Context, userID, keep string, rows []store.Session) error {
	l, err := s.list(ctx, userID)
	if err != nil {
		return err
	}
	var kept []entry
	ended := map[string]bool{}
	for _, e := range l {
		if keep != "" && e.Token == keep {
			kept = append(kept, e)
			continue
		}
		if err := s.endKey(ctx, e.Token); err != nil {
			return err
		}
		ended[e.Token] = true
	}
	for _, r := range rows {
		if (keep != "" && r.Token == keep) || ended[r.Token] {
			continue
		}
		if err := s.endKey(ctx, r.Token); err != nil {
			return err
		}
	}
	return s.putList(ctx, userID, kept, s.now())
}

// endRows sets expiresAt to now on the user's live rows in Primary but
// keep's: Better Auth's preserveSessionInDatabase.
func (s *Store) endRows(ctx context.Context, userID, keep string, now time.Time) error {
	now = store.Truncate(now)
	rows, err := s.primary.ListSessions(ctx, userID, now)
	if err != nil {
		return fmt.Errorf("secondary: end database rows: %w", err)
	}
	for _, r := range rows {
		if r.Token == keep {
			continue
		}
		if _, err := s.primary.SlideSession(ctx, r.Token, now, now); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("secondary: end database rows: %w", err)
		}
	}
	return nil
}

// candidate is an expired entry found by DeleteExpired.
type candidate struct {
	userID, token string
	expiresAt     int64
}

// DeleteExpired implements store.Store. Secondary storage expires keys by
// itself (their TTLs end at expiresAt by the Store's clock), so it has
// nothing to do while now is the Store's clock, and Store runs no sweeper.
// For a now later than that clock, it deletes sessions that expired by now
// when the scs store can list its entries (scs.IterableStore or
// IterableCtxStore; a full scan, as costly as the store makes it), then,
// with StoreSessionInDatabase and without PreserveSessionInDatabase, rows
// of Primary, up to limit in all.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	all, ok, err := s.kv.all(ctx)
	if err != nil {
		return 0, fmt.Errorf("secondary: delete expired sessions: %w", err)
	}
	nowMs := now.UnixMilli()
	var cands []candidate
	if ok {
		for k, v := range all {
			userID, isList := strings.CutPrefix(k, activePrefix)
			if !isList {
				continue
			}
			l, err := decodeList(v)
			if err != nil {
				continue
			}
			for _, e := range l {
				if e.ExpiresAt <= nowMs {
					cands = append(cands, candidate{userID, e.Token, e.ExpiresAt})
				}
			}
		}
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(a.expiresAt, b.expiresAt), strings.Compare(a.token, b.token))
	})
	n := 0
	for _, c := range cands {
		if n == limit {
			break
		}
		deleted, err := s.deleteIfExpired(ctx, c, now)
		if err != nil {
			return n, fmt.Errorf("secondary: delete expired sessions: %w", err)
		}
		if deleted {
			n++
		}
	}
	if s.fallback() && n < limit {
		m, err := s.primary.DeleteExpired(ctx, now, limit-n)
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// deleteIfExpired deletes c's session if it still exists and is expired at
// now, prunes c from its user's list either way, and reports whether it
// deleted the session.
func (s *Store) deleteIfExpired(ctx context.Context, c candidate, now time.Time) (bool, error) {
	unlock := s.lock(c.userID)
	defer unlock()
	b, found, err := s.kv.get(ctx, c.token)
	if err != nil {
		return false, err
	}
	deleted := false
	if found {
		ss, _, derr := decodeRecord(b, s.fields())
		if derr == nil && ss.ExpiresAt.After(now) {
			return false, nil // slid since the list was read
		}
		if err := s.kv.del(ctx, c.token); err != nil {
			return false, err
		}
		deleted = true
		if s.fallback() {
			if err := s.primary.DeleteSession(ctx, c.token); err != nil {
				return true, err
			}
		}
	}
	l, err := s.list(ctx, c.userID)
	if err != nil {
		return deleted, err
	}
	m := len(l)
	l = slices.DeleteFunc(l, func(e entry) bool { return e.Token == c.token })
	if len(l) != m {
		err = s.putList(ctx, c.userID, l, s.now())
	}
	return deleted, err
}
