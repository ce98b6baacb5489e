package ratelimit

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// DefaultMaxKeys is Memory's default bound on keys, Better Auth's.
const DefaultMaxKeys = 100_000

// Memory is an in-process Storage with at most a fixed number of keys, so
// an attacker rotating addresses cannot grow it without bound: expired
// windows are dropped as time passes, and when it is full the key least
// recently counted is forgotten (its count restarts).
type Memory struct {
	mu   sync.Mutex
	max  int
	keys map[string]*list.Element
	lru  list.List // of *memEntry, least recently counted first
}

type memEntry struct {
	key     string
	count   int
	last    time.Time
	expires time.Time
}

// NewMemory returns a Memory of at most maxKeys keys (DefaultMaxKeys when
// maxKeys <= 0).
func NewMemory(maxKeys int) *Memory {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	return &Memory{max: maxKeys, keys: map[string]*list.Element{}}
}

// Len returns the number of keys kept.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.keys)
}

// Consume implements Storage.
func (m *Memory) Consume(_ context.Context, key string, rule Rule, now time.Time) (Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prune(now)
	var count int
	var last time.Time
	el := m.keys[key]
	if el != nil {
		e := el.Value.(*memEntry)
		if now.Before(e.expires) {
			count, last = e.count, e.last
		}
	}
	count, last, res := decide(count, last, rule, now)
	if !res.Allowed {
		return res, nil
	}
	if el == nil {
		for len(m.keys) >= m.max {
			m.drop(m.lru.Front())
		}
		el = m.lru.PushBack(&memEntry{key: key})
		m.keys[key] = el
	} else {
		m.lru.MoveToBack(el)
	}
	e := el.Value.(*memEntry)
	e.count, e.last, e.expires = count, last, now.Add(rule.Window)
	return res, nil
}

// prune drops expired keys from the front: entries are ordered by their
// last count, so with one window the expired ones are all there; with
// several, a longer-window entry in front stops the scan until it expires.
func (m *Memory) prune(now time.Time) {
	for el := m.lru.Front(); el != nil && !now.Before(el.Value.(*memEntry).expires); el = m.lru.Front() {
		m.drop(el)
	}
}

func (m *Memory) drop(el *list.Element) {
	delete(m.keys, el.Value.(*memEntry).key)
	m.lru.Remove(el)
}
