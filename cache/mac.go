package cache

import (
	"crypto/hmac"
	"hash"
	"sync"
)

// macPool keeps keyed HMAC states for one key: hmac.New hashes the key and
// allocates, Reset only restores the precomputed inner state.
type macPool struct{ pool sync.Pool }

func newMacPool(h func() hash.Hash, key []byte) *macPool {
	key = append([]byte(nil), key...)
	m := &macPool{}
	m.pool.New = func() any { return hmac.New(h, key) }
	return m
}

func (m *macPool) get() hash.Hash { return m.pool.Get().(hash.Hash) }

func (m *macPool) put(h hash.Hash) {
	h.Reset()
	m.pool.Put(h)
}
