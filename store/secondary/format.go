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

// Better Auth's key names. A session's key is its raw token.
const (
	activePrefix  = "active-sessions-"
	revokedPrefix = "revoked-sessions-before-"
)

// tombstone replaces a deleted session's key in the fallback mode, where a
// missing key sends a lookup to the database: a tombstone says "deleted,
// do not ask the database". Better Auth reads it as no session too (its
// findSession parses it to null, with no database fallback).
var tombstone = []byte("null")

func isTombstone(b []byte) bool { return string(b) == "null" }

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

// pair is a token key's value: Better Auth's session and user objects
// (store.Session and store.User marshal and unmarshal in its shapes).
type pair struct {
	Session store.Session `json:"session"`
	User    store.User    `json:"user"`
}

// encodeRecord writes a token key's value. Hidden fields (Better Auth's
// returned: false), which the records' JSON leaves out, are kept too, as
// Better Auth keeps the whole objects.
func encodeRecord(s store.Session, u store.User) ([]byte, error) {
	b, err := json.Marshal(pair{s, u})
	if err != nil || (!hasHidden(s.Fields) && !hasHidden(u.Fields)) {
		return b, err
	}
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, err
	}
	for _, x := range []struct {
		f   store.Fields
		obj map[string]json.RawMessage
	}{{s.Fields, rec.Session}, {u.Fields, rec.User}} {
		for i := 0; i < x.f.Len(); i++ {
			if d := x.f.Decl(i); d.Hidden {
				if x.obj[d.Name], err = fieldJSON(x.f.Value(i)); err != nil {
					return nil, err
				}
			}
		}
	}
	return json.Marshal(rec)
}

func hasHidden(f store.Fields) bool {
	for i := 0; i < f.Len(); i++ {
		if f.Decl(i).Hidden {
			return true
		}
	}
	return false
}

// fieldJSON is one field value as Better Auth's JSON holds it.
func fieldJSON(v any) (json.RawMessage, error) {
	if t, ok := v.(time.Time); ok {
		v = store.FormatTime(t)
	}
	return json.Marshal(v)
}

// decodeRecord reads a token key's value, with the additional fields f
// declares.
func decodeRecord(b []byte, f store.AdditionalFields) (store.Session, store.User, error) {
	var d pair
	if err := json.Unmarshal(b, &d); err != nil {
		return store.Session{}, store.User{}, err
	}
	if d.Session.Token == "" || d.Session.UserID == "" {
		return store.Session{}, store.User{}, fmt.Errorf("session without token or userId")
	}
	if !f.Empty() {
		var raw struct{ Session, User json.RawMessage }
		if err := json.Unmarshal(b, &raw); err != nil {
			return store.Session{}, store.User{}, err
		}
		var err error
		if d.Session.Fields, err = store.UnmarshalFields(f.Session, raw.Session); err != nil {
			return store.Session{}, store.User{}, err
		}
		if d.User.Fields, err = store.UnmarshalFields(f.User, raw.User); err != nil {
			return store.Session{}, store.User{}, err
		}
	}
	return d.Session, d.User, nil
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

// refs reads only a token key's session and user ids, for bookkeeping that
// must work even on a value whose other fields are damaged.
type refs struct {
	Session struct {
		ID     string `json:"id"`
		UserID string `json:"userId"`
	} `json:"session"`
}
