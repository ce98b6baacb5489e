package secondary

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/sessionkit/sessionkit/store"
)

// Better Auth's key names (spec §8.4). A session's key is its raw token.
const (
	activePrefix  = "active-sessions-"
	revokedPrefix = "revoked-sessions-before-"
)

func activeKey(userID string) string  { return activePrefix + userID }
func revokedKey(userID string) string { return revokedPrefix + userID }

// kv adapts an scs.Store, using the context-taking methods when the store
// has them (scs.CtxStore; some stores, such as goredisstore, panic in the
// others).
type kv struct {
	plain scs.Store
	ctx   scs.CtxStore // nil when the store does not take contexts
}

func newKV(s scs.Store) kv {
	c, _ := s.(scs.CtxStore)
	return kv{plain: s, ctx: c}
}

func (k kv) get(ctx context.Context, key string) ([]byte, bool, error) {
	if k.ctx != nil {
		return k.ctx.FindCtx(ctx, key)
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	return k.plain.Find(key)
}

// set stores value under key for ttl (whole seconds, as Better Auth counts
// them). scs stores take an absolute expiry and compare it with the wall
// clock, so the expiry is the wall clock plus ttl, whatever the Store's own
// (possibly pinned) clock says.
func (k kv) set(ctx context.Context, key string, value []byte, ttl int64) error {
	expiry := time.Now().Add(time.Duration(ttl) * time.Second)
	if k.ctx != nil {
		return k.ctx.CommitCtx(ctx, key, value, expiry)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return k.plain.Commit(key, value, expiry)
}

func (k kv) del(ctx context.Context, key string) error {
	if k.ctx != nil {
		return k.ctx.DeleteCtx(ctx, key)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return k.plain.Delete(key)
}

// all returns every live entry, when the store can list them.
func (k kv) all(ctx context.Context) (map[string][]byte, bool, error) {
	if it, ok := k.plain.(scs.IterableCtxStore); ok {
		m, err := it.AllCtx(ctx)
		return m, true, err
	}
	if it, ok := k.plain.(scs.IterableStore); ok {
		if err := ctx.Err(); err != nil {
			return nil, true, err
		}
		m, err := it.All()
		return m, true, err
	}
	return nil, false, nil
}

// ttlSeconds is Better Auth's TTL: whole seconds from now until t, floored.
func ttlSeconds(t, now time.Time) int64 {
	return int64(t.Sub(now) / time.Second)
}

// record is the value under a session's token: Better Auth's
// {"session":{…},"user":{…}}. The objects are kept as raw fields so that
// rewriting one (a slide) keeps fields this package does not know, such as
// those plugins add.
type record struct {
	Session map[string]json.RawMessage `json:"session"`
	User    map[string]json.RawMessage `json:"user"`
}

// sessionJSON and userJSON are the fields of Better Auth's session and user
// objects that sessionkit reads and writes. Dates are ISO-8601 strings with
// milliseconds (JavaScript's Date#toJSON); a missing image is null.
type sessionJSON struct {
	ID        string  `json:"id"`
	ExpiresAt string  `json:"expiresAt"`
	Token     string  `json:"token"`
	CreatedAt string  `json:"createdAt"`
	UpdatedAt string  `json:"updatedAt"`
	IPAddress *string `json:"ipAddress"`
	UserAgent *string `json:"userAgent"`
	UserID    string  `json:"userId"`
}

type userJSON struct {
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	Email         string  `json:"email"`
	EmailVerified bool    `json:"emailVerified"`
	Image         *string `json:"image"`
	CreatedAt     string  `json:"createdAt"`
	UpdatedAt     string  `json:"updatedAt"`
}

// decoded is a token's value read for lookups: typed, unknown fields
// ignored.
type decoded struct {
	Session sessionJSON `json:"session"`
	User    userJSON    `json:"user"`
}

func encodeRecord(s store.Session, u store.User) ([]byte, error) {
	var image *string
	if u.Image != "" {
		image = &u.Image
	}
	return json.Marshal(struct {
		Session sessionJSON `json:"session"`
		User    userJSON    `json:"user"`
	}{
		Session: sessionJSON{
			ID: s.ID, ExpiresAt: store.FormatTime(s.ExpiresAt), Token: s.Token,
			CreatedAt: store.FormatTime(s.CreatedAt), UpdatedAt: store.FormatTime(s.UpdatedAt),
			IPAddress: &s.IPAddress, UserAgent: &s.UserAgent, UserID: s.UserID,
		},
		User: userJSON{
			ID: u.ID, Name: u.Name, Email: u.Email, EmailVerified: u.EmailVerified, Image: image,
			CreatedAt: store.FormatTime(u.CreatedAt), UpdatedAt: store.FormatTime(u.UpdatedAt),
		},
	})
}

func decodeRecord(b []byte) (store.Session, store.User, error) {
	var d decoded
	if err := json.Unmarshal(b, &d); err != nil {
		return store.Session{}, store.User{}, err
	}
	return d.session()
}

func (d *decoded) session() (store.Session, store.User, error) {
	var err error
	times := func(dst *time.Time, v string) {
		if err != nil {
			return
		}
		*dst, err = store.ParseTime(v)
	}
	s := store.Session{ID: d.Session.ID, Token: d.Session.Token, UserID: d.Session.UserID}
	if d.Session.IPAddress != nil {
		s.IPAddress = *d.Session.IPAddress
	}
	if d.Session.UserAgent != nil {
		s.UserAgent = *d.Session.UserAgent
	}
	times(&s.ExpiresAt, d.Session.ExpiresAt)
	times(&s.CreatedAt, d.Session.CreatedAt)
	times(&s.UpdatedAt, d.Session.UpdatedAt)
	u := store.User{ID: d.User.ID, Name: d.User.Name, Email: d.User.Email, EmailVerified: d.User.EmailVerified}
	if d.User.Image != nil {
		u.Image = *d.User.Image
	}
	times(&u.CreatedAt, d.User.CreatedAt)
	times(&u.UpdatedAt, d.User.UpdatedAt)
	if err != nil {
		return store.Session{}, store.User{}, fmt.Errorf("bad date: %w", err)
	}
	if s.Token == "" || s.UserID == "" {
		return store.Session{}, store.User{}, fmt.Errorf("session without token or userId")
	}
	return s, u, nil
}

// entry is one element of an active-sessions list: the token and its
// expiry in milliseconds since the epoch.
type entry struct {
	Token     string `json:"token"`
	ExpiresAt int64  `json:"expiresAt"`
}

func decodeList(b []byte) ([]entry, error) {
	var l []entry
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, err
	}
	return l, nil
}

// sortList orders l by expiry, as Better Auth keeps it.
func sortList(l []entry) {
	slices.SortStableFunc(l, func(a, b entry) int {
		switch {
		case a.ExpiresAt < b.ExpiresAt:
			return -1
		case a.ExpiresAt > b.ExpiresAt:
			return 1
		}
		return 0
	})
}

// formatMillis and parseMillis encode revoked-sessions-before values.
func formatMillis(t time.Time) []byte { return strconv.AppendInt(nil, t.UnixMilli(), 10) }

func parseMillis(b []byte) (int64, error) { return strconv.ParseInt(string(b), 10, 64) }
