// Package memo is a bounded map from strings to values, for remembering
// what a costly, pure check made of request input, so the same input is
// not checked twice: cache.Memo (cache cookies) and the Manager's signed
// cookies use it. Its callers put only inputs that passed the check, so a
// request that fails it can't fill the table.
//
// A key is found by a seeded hash (hash/maphash) of its length and its
// last HashedTail bytes, and confirmed by comparing the whole key in time
// that depends on the lengths only, so a lookup tells nothing about
// remembered keys through its timing. The
// table holds at most a given number of entries and of bytes (the sizes
// callers give), split over 16 shards with a mutex each; a full shard
// evicts an arbitrary entry (map iteration starts at a random place),
// which costs O(1) and needs no bookkeeping on a hit.
package memo

import (
	"hash/maphash"
	"strings"
	"sync"
)

const shards = 16

// Overhead is the memory an entry costs beyond its key and value: the
// entry, its map slot.
const Overhead = 96

// HashedTail is how many bytes at the end of a key its hash covers. The
// keys remembered here are signed or encrypted values, which end with
// their MAC or tag (cache cookies, signed cookies), so two keys that differ
// differ there; the hash only picks a slot, and the whole key is compared
// before an entry answers. Keys that share a tail and a length share a
// slot: the later Put replaces the earlier one (see Put).
const HashedTail = 64

// Table maps strings to values of type V. Values must not be changed once
// put: Get hands every caller a pointer to the same value. A Table is safe for
// concurrent use.
type Table[V any] struct {
	seed   maphash.Seed
	shards [shards]shard[V]
	// Per-shard bounds.
	entries, bytes int
}

type shard[V any] struct {
	mu    sync.Mutex
	m     map[uint64]*entry[V]
	bytes int
	_     [64]byte // keep shards' locks off each other's cache lines
}

// entry holds its value in place: a hit follows one pointer from the map,
// to the key's header and the value together.
type entry[V any] struct {
	key  string
	size int
	v    V
}

// New returns a Table of at most entries entries and about bytes bytes
// (both at least 16).
func New[V any](entries, bytes int) *Table[V] {
	t := &Table[V]{seed: maphash.MakeSeed(), entries: max(1, entries/shards), bytes: max(1, bytes/shards)}
	for i := range t.shards {
		t.shards[i].m = make(map[uint64]*entry[V])
	}
	return t
}

// Get returns the value put for key, if the table still holds it. The
// value is the table's, shared with every caller: read it, never write it.
func (t *Table[V]) Get(key string) (*V, bool) {
	h := t.hash(key)
	sh := &t.shards[h%shards]
	sh.mu.Lock()
	e := sh.m[h]
	sh.mu.Unlock()
	if e == nil || !Equal(e.key, key) {
		return nil, false
	}
	return &e.v, true
}

// Put remembers v for key; size is what v holds beyond Overhead and the
// key. A value larger than a shard's share of the bytes is not kept. The
// table keeps a copy of key, not the caller's string (often a piece of a
// request header).
func (t *Table[V]) Put(key string, v V, size int) {
	size += Overhead + len(key)
	if size > t.bytes {
		return
	}
	e := &entry[V]{key: strings.Clone(key), v: v, size: size}
	h := t.hash(key)
	sh := &t.shards[h%shards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if old := sh.m[h]; old != nil {
		// The same key from two requests at once, or (rarely) another key
		// of the same hash: the newer one stays.
		sh.bytes -= old.size
		delete(sh.m, h)
	}
	for len(sh.m) > 0 && (len(sh.m) >= t.entries || sh.bytes+size > t.bytes) {
		for k, victim := range sh.m {
			sh.bytes -= victim.size
			delete(sh.m, k)
			break
		}
	}
	sh.m[h] = e
	sh.bytes += size
}

// hash is the slot of key: a seeded hash of its last HashedTail bytes,
// mixed with its length. A full-length hash of a cache cookie (about a
// kilobyte) cost as much as the rest of Get on a hit.
func (t *Table[V]) hash(key string) uint64 {
	n := len(key)
	if n > HashedTail {
		key = key[n-HashedTail:]
	}
	return maphash.String(t.seed, key) ^ uint64(n)*0x9e3779b97f4a7c15
}

// Len returns the number of entries and the bytes they are counted for.
func (t *Table[V]) Len() (entries, bytes int) {
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		entries += len(sh.m)
		bytes += sh.bytes
		sh.mu.Unlock()
	}
	return entries, bytes
}

// Equal reports whether a and b are equal, in time that depends on their
// lengths only, 32 bytes at a time: four independent words a step, so
// that a remembered key out of the CPU's caches is read with several
// loads in flight.
func Equal(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var d, d1, d2, d3 uint64
	i := 0
	for ; i+32 <= len(a); i += 32 {
		a, b := a[i:i+32], b[i:i+32]
		d |= word(a[0:8]) ^ word(b[0:8])
		d1 |= word(a[8:16]) ^ word(b[8:16])
		d2 |= word(a[16:24]) ^ word(b[16:24])
		d3 |= word(a[24:32]) ^ word(b[24:32])
	}
	d |= d1 | d2 | d3
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
