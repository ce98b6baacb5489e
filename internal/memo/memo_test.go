package memo

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// plant files v under the hash of key but with another key: a lookup of
// key must miss.
func (t *Table[V]) plant(key, other string, v V) {
	h := t.hash(key)
	sh := &t.shards[h%shards]
	sh.mu.Lock()
	sh.m[h] = &entry[V]{key: other, v: v}
	sh.mu.Unlock()
}

func TestGetPut(t *testing.T) {
	tb := New[int](64, 1<<20)
	if _, ok := tb.Get("a"); ok {
		t.Fatal("an empty table answered")
	}
	key := strings.Repeat("k", 100)
	tb.Put(key[:50], 1, 0)
	if v, ok := tb.Get(strings.Repeat("k", 50)); !ok || *v != 1 {
		t.Fatalf("Get = %v, %v", v, ok)
	}
	tb.Put(key[:50], 2, 0)
	if v, ok := tb.Get(key[:50]); !ok || *v != 2 {
		t.Fatalf("a second Put: %v, %v", v, ok)
	}
	if n, b := tb.Len(); n != 1 || b != Overhead+50 {
		t.Fatalf("Len = %d, %d", n, b)
	}
}

// TestConfirmed: an entry found by the hash of a key but holding another
// key does not answer.
func TestConfirmed(t *testing.T) {
	tb := New[string](64, 1<<20)
	tb.plant("forged", "genuine", "secret payload")
	if v, ok := tb.Get("forged"); ok {
		t.Fatalf("a key answered with another key's entry: %q", *v)
	}
}

// TestSharedTail: keys that differ only before their last HashedTail
// bytes share a slot; each answers only for itself, and the later Put
// replaces the earlier one.
func TestSharedTail(t *testing.T) {
	tb := New[string](64, 1<<20)
	tail := strings.Repeat("t", HashedTail)
	a, b := "a"+tail, "b"+tail
	tb.Put(a, "A", 0)
	tb.Put(b, "B", 0)
	if v, ok := tb.Get(a); ok {
		t.Fatalf("a key answered with the entry of another key of its slot: %q", *v)
	}
	if v, ok := tb.Get(b); !ok || *v != "B" {
		t.Fatalf("Get(b) = %v, %v", v, ok)
	}
	if n, _ := tb.Len(); n != 1 {
		t.Fatalf("%d entries for one slot", n)
	}
	// A key of another length has a slot of its own.
	tb.Put(tail, "T", 0)
	if v, ok := tb.Get(b); !ok || *v != "B" {
		t.Fatalf("after a shorter key, Get(b) = %v, %v", v, ok)
	}
}

// TestBounds: entries and bytes stay within bounds, full shards evict,
// values too large are not kept.
func TestBounds(t *testing.T) {
	for _, tc := range []struct {
		name           string
		entries, bytes int
	}{{"entries", 64, 1 << 20}, {"bytes", 4096, 16 * 1024}} {
		t.Run(tc.name, func(t *testing.T) {
			tb := New[int](tc.entries, tc.bytes)
			for i := range 2000 {
				tb.Put(fmt.Sprintf("key-%06d", i), i, 300)
				if n, b := tb.Len(); n > tc.entries || b > tc.bytes {
					t.Fatalf("after %d: %d entries, %d bytes, over %d, %d", i+1, n, b, tc.entries, tc.bytes)
				}
			}
			n, _ := tb.Len()
			if n == 0 {
				t.Fatal("nothing kept")
			}
			kept := 0
			for i := range 2000 {
				if v, ok := tb.Get(fmt.Sprintf("key-%06d", i)); ok {
					if *v != i {
						t.Fatalf("key %d: %d", i, *v)
					}
					kept++
				}
			}
			if kept != n {
				t.Fatalf("%d keys answer, Len says %d", kept, n)
			}
		})
	}
	tb := New[int](64, 16*1024)
	tb.Put("big", 1, 1024)
	if _, ok := tb.Get("big"); ok {
		t.Fatal("a value larger than a shard's share was kept")
	}
}

// TestConcurrent: puts and gets from many goroutines (run with -race).
func TestConcurrent(t *testing.T) {
	tb := New[string](64, 1<<20)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				k := fmt.Sprint((i*7 + g) % 300)
				if v, ok := tb.Get(k); ok && *v != "v"+k {
					t.Errorf("key %s: %q", k, *v)
					return
				}
				tb.Put(k, "v"+k, 0)
			}
		})
	}
	wg.Wait()
	if n, _ := tb.Len(); n > 64 {
		t.Fatalf("%d entries", n)
	}
}

// TestEqual: every length and every position of a difference.
func TestEqual(t *testing.T) {
	for n := range 100 {
		a := strings.Repeat("x", n)
		if !Equal(a, strings.Clone(a)) {
			t.Fatalf("length %d: equal values differ", n)
		}
		if Equal(a, a+"x") {
			t.Fatalf("length %d: a longer value is equal", n)
		}
		for i := range n {
			for _, bit := range []byte{1, 0x80} {
				b := []byte(a)
				b[i] ^= bit
				if Equal(a, string(b)) {
					t.Fatalf("length %d: a difference at %d (bit %#x) is not seen", n, i, bit)
				}
			}
		}
	}
}
