package cache

import (
	"encoding/json"
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// Memo bounds. A request's cache cookie is remembered when it verified,
// its payload within maxEntryBytes; a shard evicts when it holds more than
// its share of either total.
const (
	memoShards     = 16
	MemoEntries    = 4096    // values remembered, at most
	MemoBytes      = 8 << 20 // bytes they take, at most (estimated, see entrySize)
	maxEntryBytes  = 16 << 10
	memoEntryFixed = 512 // an entry's Go overhead: the entry, its map slot, time.Time locations
)

// Memo remembers the cache-cookie values its codec verified, so that a
// browser that sends the same value again (every request until the cache
// is re-minted) costs no base64, MAC, decryption or JSON: only the checks
// that depend on the time of the request run again on every hit: the
// value's own expiry (compact expiresAt; jwt/jwe exp and nbf, with no
// tolerance) and the dates a payload may leave out, which read as now.
// Everything else the caller checks (the session token against the
// session_token cookie, the version, the session's expiry, revocation)
// it still checks after DecodeInto, hit or miss.
//
// Only values that verified and were unexpired enter it, so a request
// without a value minted with the codec's keys can't insert anything: a
// forgery costs the full decode every time and evicts nothing. An entry
// is found by a seeded hash of the value and confirmed by comparing the
// whole value in constant time, so a lookup tells nothing about
// remembered values through its timing. It holds at most MemoEntries
// values and about MemoBytes; a full shard evicts an arbitrary entry (Go's
// map iteration starts at a random place), which costs O(1) and needs no
// bookkeeping on a hit. Memory per entry is the value plus the payload's
// strings: about 1 KB for a typical compact cookie.
//
// The compact, jwt and jwe strategies are remembered. securecookie is not:
// gorilla's decoder checks its own timestamp inside, which a remembered
// answer would skip; its Memo decodes every time, as does one for a codec
// of another package.
//
// A Memo is safe for concurrent use. Payloads it returns share nothing
// mutable with each other or with the Memo: strings are immutable, and the
// additional fields' slices (string[], number[], json) are copied on every
// answer.
type Memo struct {
	codec  Codec
	on     bool // compact, jwt or jwe: remembered
	seed   maphash.Seed
	shards [memoShards]memoShard
	// Per-shard bounds.
	entries, bytes int
}

type memoShard struct {
	mu    sync.Mutex
	m     map[uint64]*memoEntry
	bytes int
	_     [64]byte // keep shards' locks off each other's cache lines
}

// memoEntry is immutable once in a shard.
type memoEntry struct {
	value string
	p     Payload
	k     clock
	size  int
}

// NewMemo returns a Memo over c with the default bounds (MemoEntries,
// MemoBytes).
func NewMemo(c Codec) *Memo { return newMemo(c, MemoEntries, MemoBytes) }

func newMemo(c Codec, entries, bytes int) *Memo {
	m := &Memo{codec: c, seed: maphash.MakeSeed(), entries: max(1, entries/memoShards), bytes: max(1, bytes/memoShards)}
	switch c.(type) {
	case *compactCodec, *jwtCodec, *jweCodec:
		m.on = true
	}
	for i := range m.shards {
		m.shards[i].m = make(map[uint64]*memoEntry)
	}
	return m
}

// Codec returns the codec the Memo decodes with.
func (m *Memo) Codec() Codec { return m.codec }

// Len returns the number of values the Memo remembers.
func (m *Memo) Len() int {
	n := 0
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}

// DecodeInto is DecodeInto(m.Codec(), value, now, p), answered from the
// Memo when it remembers value: the same payload, the same errors for the
// same value and time. On an error *p is unchanged.
func (m *Memo) DecodeInto(value string, now time.Time, p *Payload) error {
	if !m.on || len(value) > MaxValueLen {
		return DecodeInto(m.codec, value, now, p)
	}
	h := maphash.String(m.seed, value)
	sh := &m.shards[h%memoShards]
	sh.mu.Lock()
	e := sh.m[h]
	sh.mu.Unlock()
	if e != nil && sameValue(e.value, value) {
		return e.answer(now, p)
	}
	var fresh memoEntry // on the stack until it verified: a forgery allocates nothing
	if err := m.verify(value, &fresh.p, &fresh.k); err != nil {
		return err
	}
	if err := fresh.k.valid(now); err != nil {
		return err
	}
	e = new(memoEntry)
	*e = fresh
	e.value = strings.Clone(value) // not a piece of the request's header
	if e.size = entrySize(e); e.size <= min(maxEntryBytes, m.bytes) {
		m.insert(sh, h, e)
	}
	return e.answer(now, p)
}

// verify calls the codec's verify directly, so that out and k can stay
// on the caller's stack.
func (m *Memo) verify(value string, out *Payload, k *clock) error {
	switch c := m.codec.(type) {
	case *compactCodec:
		return c.verify(value, out, k)
	case *jwtCodec:
		return c.verify(value, out, k)
	case *jweCodec:
		return c.verify(value, out, k)
	}
	return errNotRemembered
}

var errNotRemembered = invalid("memo: codec not remembered")

// sameValue compares a remembered value with a request's in time that
// depends on their lengths only, eight bytes at a time.
func sameValue(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var d uint64
	i := 0
	for ; i+8 <= len(a); i += 8 {
		d |= word(a[i:i+8]) ^ word(b[i:i+8])
	}
	for ; i < len(a); i++ {
		d |= uint64(a[i] ^ b[i])
	}
	return d == 0
}

// word reads 8 bytes of s as one load (the compiler merges the shifts).
func word(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// answer writes the entry's payload, for the request at now, into *p.
func (e *memoEntry) answer(now time.Time, p *Payload) error {
	if err := e.k.valid(now); err != nil {
		return err
	}
	*p = e.p
	e.k.fill(now, p)
	p.Session.Fields = ownFields(p.Session.Fields)
	p.User.Fields = ownFields(p.User.Fields)
	return nil
}

func (m *Memo) insert(sh *memoShard, h uint64, e *memoEntry) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if old := sh.m[h]; old != nil {
		// The same value from two requests at once, or (rarely) another
		// value of the same hash: the newer one stays.
		sh.bytes -= old.size
		delete(sh.m, h)
	}
	for len(sh.m) > 0 && (len(sh.m) >= m.entries || sh.bytes+e.size > m.bytes) {
		for k, victim := range sh.m {
			sh.bytes -= victim.size
			delete(sh.m, k)
			break
		}
	}
	sh.m[h] = e
	sh.bytes += e.size
}

// entrySize estimates the memory an entry holds: the value, the payload's
// strings (one allocation, see buildInto), the fields, and a fixed part.
func entrySize(e *memoEntry) int {
	s, u := &e.p.Session, &e.p.User
	n := memoEntryFixed + len(e.value) +
		len(s.ID) + len(s.Token) + len(s.UserID) + len(s.IPAddress) + len(s.UserAgent) +
		len(u.ID) + len(u.Name) + len(u.Email) + len(u.Image) + len(e.p.Version)
	return n + fieldsSize(s.Fields) + fieldsSize(u.Fields)
}

func fieldsSize(f store.Fields) int {
	n := 0
	for i := range f.Len() {
		n += 32 // the interface and its boxed value
		switch v := f.Value(i).(type) {
		case string:
			n += len(v)
		case []string:
			for _, s := range v {
				n += 16 + len(s)
			}
		case []float64:
			n += 8 * len(v)
		case json.RawMessage:
			n += len(v)
		}
	}
	return n
}

// ownFields returns f, or a copy of it when it holds slices: Fields is
// immutable, but its accessors hand out its slices, which an answer must
// not share with the Memo or with another request.
func ownFields(f store.Fields) store.Fields {
	var vals []any
	for i := range f.Len() {
		var c any
		switch v := f.Value(i).(type) {
		case []string:
			c = slices.Clone(v)
		case []float64:
			c = slices.Clone(v)
		case json.RawMessage:
			c = json.RawMessage(slices.Clone(v))
		default:
			continue
		}
		if vals == nil {
			vals = make([]any, f.Len())
			for j := range vals {
				vals[j] = f.Value(j)
			}
		}
		vals[i] = c
	}
	if vals == nil {
		return f
	}
	return store.FieldsFromValues(f.Declared(), vals)
}
