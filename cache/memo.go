package cache

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/sessionkit/sessionkit/internal/memo"
	"github.com/sessionkit/sessionkit/store"
)

// Memo bounds: values remembered, and the bytes they take (estimated, see
// entrySize). A value whose entry would take more than maxEntryBytes is
// decoded every time.
const (
	MemoEntries   = 4096
	MemoBytes     = 8 << 20
	maxEntryBytes = 16 << 10
)

// Memo remembers the cache-cookie values its codec verified, so that a
// browser that sends the same value again (every request until the cache
// is re-minted) costs no base64, MAC, decryption or JSON. Only the part of
// a decode that depends on the value alone (verify) is skipped; the checks
// that depend on the time run on every hit: the value's own expiry
// (compact expiresAt; jwt/jwe exp and nbf, with no tolerance) and the
// dates a payload may leave out, which read as now. Everything else the
// caller checks (the session token against the session_token cookie, the
// version, the session's expiry, revocation) it still checks after
// DecodeInto, hit or miss.
//
// Only values that verified and were unexpired enter it, so a request
// without a value minted with the codec's keys can't insert anything: a
// forgery costs the full decode every time and evicts nothing. The table
// (internal/memo) confirms a key by comparing the whole value in constant
// time, holds at most MemoEntries values and about MemoBytes, and evicts
// an arbitrary entry when a shard is full. Memory per entry is the value
// plus the payload's strings: about 1.5 KB for a typical compact cookie.
//
// The compact, jwt and jwe strategies are remembered. securecookie is not:
// gorilla's decoder checks its own timestamp inside, which a remembered
// answer would skip; its Memo decodes every time, as does one for a codec
// of another package.
//
// A Memo is safe for concurrent use. Payloads it returns share nothing
// mutable with each other or with the Memo: strings are immutable, and the
// additional fields' slices (string[], number[], json) are copied for
// every answer.
type Memo struct {
	codec Codec
	on    bool // compact, jwt or jwe: remembered
	t     *memo.Table[memoEntry]
}

// memoEntry is what verify made of a value; immutable once in the table.
type memoEntry struct {
	p Payload
	k clock
}

// NewMemo returns a Memo over c with the default bounds (MemoEntries,
// MemoBytes).
func NewMemo(c Codec) *Memo { return newMemo(c, MemoEntries, MemoBytes) }

func newMemo(c Codec, entries, bytes int) *Memo {
	m := &Memo{codec: c, t: memo.New[memoEntry](entries, bytes)}
	switch c.(type) {
	case *compactCodec, *jwtCodec, *jweCodec:
		m.on = true
	}
	return m
}

// Codec returns the codec the Memo decodes with.
func (m *Memo) Codec() Codec { return m.codec }

// Len returns the number of values the Memo remembers.
func (m *Memo) Len() int {
	n, _ := m.t.Len()
	return n
}

// DecodeInto is DecodeInto(m.Codec(), value, now, p), answered from the
// Memo when it remembers value: the same payload, the same errors for the
// same value and time. On an error *p is unchanged.
func (m *Memo) DecodeInto(value string, now time.Time, p *Payload) error {
	if !m.on || len(value) > MaxValueLen {
		return DecodeInto(m.codec, value, now, p)
	}
	if e, ok := m.t.Get(value); ok {
		return e.answer(now, p)
	}
	var fresh memoEntry // on the stack: a forgery allocates nothing
	if split, err := verifyWith(m.codec, value, &fresh.p, &fresh.k); !split {
		return errNotRemembered
	} else if err != nil {
		return err
	}
	if err := fresh.answer(now, p); err != nil {
		return err // expired: not remembered
	}
	if size := entrySize(&fresh); size+len(value) <= maxEntryBytes {
		m.t.Put(value, fresh, size) // a copy: the table's entry holds it in place
	}
	return nil
}

var errNotRemembered = invalid("memo: codec not remembered")

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

// entrySize estimates the memory an entry holds besides its key: the
// entry, the payload's strings (one allocation, see buildInto), the
// fields.
func entrySize(e *memoEntry) int {
	s, u := &e.p.Session, &e.p.User
	n := 400 + // memoEntry: the Payload and the clock
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
