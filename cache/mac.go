package cache

import (
	"crypto/hmac"
	"crypto/sha256"
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

// sha256Pools returns a pool of keyed HMAC-SHA256 states per secret, for
// the codecs whose key is the secret itself (compact, jwt). fn names the
// constructor in the panic for a missing or empty secret.
func sha256Pools(fn string, secrets [][]byte) []*macPool {
	secrets = copySecrets(fn, secrets)
	pools := make([]*macPool, len(secrets))
	for i, s := range secrets {
		pools[i] = newMacPool(sha256.New, s)
	}
	return pools
}
