package cache

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// memoLen counts the values m remembers, and the bytes it charges for them.
func memoLen(m *Memo) (entries, bytes int) { return m.t.Len() }

// memoCodecs are the codecs a Memo remembers, with fields declared.
func memoCodecs(t *testing.T, secrets ...[]byte) []Codec {
	var out []Codec
	for _, c := range allCodecs(secrets...)[:3] {
		f, err := WithFields(c, testFields)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

// TestMemoAnswersLikeDecode: a miss and a hit both answer exactly what
// Decode answers, for every remembered strategy, and the hit is one.
func TestMemoAnswersLikeDecode(t *testing.T) {
	t.Parallel()
	for _, c := range memoCodecs(t, secretA) {
		t.Run(c.Strategy(), func(t *testing.T) {
			m := NewMemo(c)
			v, err := c.Encode(fieldsPayload(t))
			if err != nil {
				t.Fatal(err)
			}
			want, err := c.Decode(v, testNow)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				var p Payload
				if err := m.DecodeInto(v, testNow, &p); err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				if !payloadsEqual(&p, want) {
					t.Fatalf("call %d: Memo = %+v, Decode = %+v", i, p, *want)
				}
				if n, _ := memoLen(m); n != 1 {
					t.Fatalf("call %d: %d values remembered, want 1", i, n)
				}
			}
		})
	}
}

// payloadsEqual compares payloads, fields by value.
func payloadsEqual(a, b *Payload) bool {
	x, y := *a, *b
	if !x.Session.Fields.Equal(y.Session.Fields) || !x.User.Fields.Equal(y.User.Fields) {
		return false
	}
	x.Session.Fields, x.User.Fields, y.Session.Fields, y.User.Fields = store.Fields{}, store.Fields{}, store.Fields{}, store.Fields{}
	return reflect.DeepEqual(x, y)
}

// TestMemoExpiry: a remembered value is refused from the millisecond (jwt,
// jwe: the second) its own expiry passes, and *p is left alone.
func TestMemoExpiry(t *testing.T) {
	t.Parallel()
	for _, c := range memoCodecs(t, secretA) {
		t.Run(c.Strategy(), func(t *testing.T) {
			m := NewMemo(c)
			p := samplePayload()
			v, err := c.Encode(p)
			if err != nil {
				t.Fatal(err)
			}
			var got Payload
			if err := m.DecodeInto(v, testNow, &got); err != nil {
				t.Fatal(err)
			}
			last := p.ExpiresAt.Add(-time.Millisecond)
			if c.Strategy() != StrategyCompact {
				last = p.ExpiresAt.Add(-time.Second)
			}
			if err := m.DecodeInto(v, last, &got); err != nil {
				t.Fatalf("just before expiry: %v", err)
			}
			sentinel := Payload{Version: "untouched"}
			got = sentinel
			if err := m.DecodeInto(v, p.ExpiresAt, &got); !errors.Is(err, ErrExpired) || !reflect.DeepEqual(got, sentinel) {
				t.Fatalf("at expiry: %v, wrote %+v", err, got)
			}
			// A value first seen expired is not remembered.
			p.Session.Token = "another-token-0123456789abcdefgh"
			late, err := c.Encode(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.DecodeInto(late, p.ExpiresAt, &got); !errors.Is(err, ErrExpired) {
				t.Fatalf("expired value: %v", err)
			}
			if n, _ := memoLen(m); n != 1 {
				t.Fatalf("%d values remembered, want 1", n)
			}
		})
	}
}

// TestMemoNotBefore: a jwt's nbf is checked on every hit.
func TestMemoNotBefore(t *testing.T) {
	t.Parallel()
	c := NewJWT(secretA)
	m := NewMemo(c)
	nbf := testNow.Unix()
	claims := validP[:len(validP)-1] + fmt.Sprintf(`,"nbf":%d,"exp":%d}`, nbf, nbf+300)
	v := signJWTRaw(sha256.New, secretA, `{"alg":"HS256"}`, claims)
	var p Payload
	if err := m.DecodeInto(v, testNow, &p); err != nil {
		t.Fatal(err)
	}
	if err := m.DecodeInto(v, testNow.Add(-time.Second), &p); !errors.Is(err, ErrInvalid) {
		t.Fatalf("before nbf: %v, want ErrInvalid", err)
	}
	if n, _ := memoLen(m); n != 1 {
		t.Fatalf("%d values remembered, want 1", n)
	}
}

// TestMemoDefaultDates: dates a value leaves out read as the time of each
// request, hit or miss, as zod's defaults do.
func TestMemoDefaultDates(t *testing.T) {
	t.Parallel()
	m := NewMemo(NewCompact(secretA))
	pj := strings.Replace(validP, `"createdAt":"2026-11-27T22:10:13.927Z",`, "", 1)
	if pj == validP {
		t.Fatal("no user createdAt to leave out")
	}
	v := signCompactRaw(secretA, pj, testNow.Add(time.Hour).UnixMilli())
	for _, now := range []time.Time{testNow, testNow.Add(time.Minute + 7*time.Millisecond)} {
		var p Payload
		if err := m.DecodeInto(v, now, &p); err != nil {
			t.Fatal(err)
		}
		if !p.User.CreatedAt.Equal(now) || p.User.UpdatedAt.Equal(now) {
			t.Fatalf("at %v: user created %v, updated %v", now, p.User.CreatedAt, p.User.UpdatedAt)
		}
	}
}

// TestMemoRefusesForgeries: a tampered value and one under another secret
// are refused, and none of them enters the memo: only values that verified
// do. (internal/memo tests that a key is confirmed, not only hashed.)
func TestMemoRefusesForgeries(t *testing.T) {
	t.Parallel()
	for i, c := range memoCodecs(t, secretA) {
		forger := memoCodecs(t, secretB)[i]
		t.Run(c.Strategy(), func(t *testing.T) {
			m := NewMemo(c)
			v, err := c.Encode(fieldsPayload(t))
			if err != nil {
				t.Fatal(err)
			}
			var p Payload
			if err := m.DecodeInto(v, testNow, &p); err != nil {
				t.Fatal(err)
			}
			forged, err := forger.Encode(fieldsPayload(t))
			if err != nil {
				t.Fatal(err)
			}
			bad := []string{forged, v + "x"}
			// One character changed, here and there: not the dots, nor
			// the last of a segment (its unused bits may change nothing).
			for k := 0; k < len(v)-1; k += 7 {
				if v[k] != '.' && v[k+1] != '.' {
					bad = append(bad, v[:k]+string(v[k]^1)+v[k+1:])
				}
			}
			for _, b := range bad {
				if err := m.DecodeInto(b, testNow, &p); !errors.Is(err, ErrInvalid) {
					t.Errorf("forgery %.30q…: %v, want ErrInvalid", b, err)
				}
			}
			if n, _ := memoLen(m); n != 1 {
				t.Fatalf("%d values remembered after forgeries, want 1", n)
			}
		})
	}
}

// TestMemoUnremembered: securecookie (its decoder checks a timestamp of
// its own) decodes every time; nothing is remembered.
func TestMemoUnremembered(t *testing.T) {
	t.Parallel()
	c := NewSecureCookie("better-auth.session_data", secretA)
	m := NewMemo(c)
	v, err := c.Encode(samplePayload())
	if err != nil {
		t.Fatal(err)
	}
	var p Payload
	for range 2 {
		if err := m.DecodeInto(v, testNow, &p); err != nil || p.Session.Token != samplePayload().Session.Token {
			t.Fatalf("%v, %+v", err, p)
		}
	}
	if n, _ := memoLen(m); n != 0 {
		t.Fatalf("%d values remembered, want 0", n)
	}
}

// values mints n distinct values of c, with their tokens.
func values(t testing.TB, c Codec, n int) (vals, tokens []string) {
	for i := range n {
		p := samplePayload()
		p.Session.Token = fmt.Sprintf("token-%028d", i)
		v, err := c.Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		vals, tokens = append(vals, v), append(tokens, p.Session.Token)
	}
	return vals, tokens
}

// TestMemoBounds: entries and bytes stay within the bounds however many
// values verify, evicted values still decode, and a value too large for an
// entry is answered without being remembered.
func TestMemoBounds(t *testing.T) {
	t.Parallel()
	c := NewCompact(secretA)
	vals, tokens := values(t, c, 300)
	for _, tc := range []struct {
		name           string
		entries, bytes int
	}{{"entries", 64, 1 << 20}, {"bytes", 4096, 16 * 2048}} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMemo(c, tc.entries, tc.bytes)
			for round := range 2 {
				for i, v := range vals {
					var p Payload
					if err := m.DecodeInto(v, testNow, &p); err != nil || p.Session.Token != tokens[i] {
						t.Fatalf("round %d value %d: %v, token %q", round, i, err, p.Session.Token)
					}
					if n, b := memoLen(m); n > tc.entries || b > tc.bytes {
						t.Fatalf("%d entries, %d bytes: over %d, %d", n, b, tc.entries, tc.bytes)
					}
				}
			}
			if n, _ := memoLen(m); n == 0 || n == len(vals) {
				t.Fatalf("%d of %d values remembered: nothing remembered or nothing evicted", n, len(vals))
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		m := NewMemo(c)
		p := samplePayload()
		p.User.Name = strings.Repeat("n", maxEntryBytes)
		v, err := c.Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		var got Payload
		if err := m.DecodeInto(v, testNow, &got); err != nil || got.User.Name != p.User.Name {
			t.Fatal(err)
		}
		if n, _ := memoLen(m); n != 0 {
			t.Fatalf("a %d-byte value was remembered", len(v))
		}
	})
}

// TestMemoFieldsOwned: an answer's additional fields share nothing
// mutable with the Memo or with another answer.
func TestMemoFieldsOwned(t *testing.T) {
	t.Parallel()
	c := memoCodecs(t, secretA)[0]
	m := NewMemo(c)
	v, err := c.Encode(fieldsPayload(t))
	if err != nil {
		t.Fatal(err)
	}
	var first Payload
	for i := range 3 { // a miss, then hits
		var p Payload
		if err := m.DecodeInto(v, testNow, &p); err != nil {
			t.Fatal(err)
		}
		f := p.User.Fields
		if tags := f.Strings("tags"); len(tags) != 2 || tags[0] != "a\u2028" {
			t.Fatalf("answer %d: tags %q", i, tags)
		}
		if s := f.Numbers("scores"); len(s) != 3 || s[0] != 1 {
			t.Fatalf("answer %d: scores %v", i, s)
		}
		if j := f.JSON("prefs"); string(j) != `{"a":[1,{"b":null}]}` {
			t.Fatalf("answer %d: prefs %s", i, j)
		}
		if i == 0 {
			first = p
		}
		// A handler that breaks the rule and writes into them.
		f.Strings("tags")[0] = "changed"
		f.Numbers("scores")[0] = 99
		f.JSON("prefs")[0] = '['
	}
	if first.User.Fields.String("role") != "admin" {
		t.Fatalf("role %q", first.User.Fields.String("role"))
	}
}

// TestMemoConcurrent: many goroutines on few shards with constant
// eviction all get their own values' payloads (run with -race).
func TestMemoConcurrent(t *testing.T) {
	t.Parallel()
	for _, c := range memoCodecs(t, secretA) {
		t.Run(c.Strategy(), func(t *testing.T) {
			t.Parallel()
			vals, tokens := values(t, c, 200)
			m := newMemo(c, 64, 1<<20)
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					for i := range 1000 {
						k := (i*7 + g*13) % len(vals)
						var p Payload
						if err := m.DecodeInto(vals[k], testNow, &p); err != nil || p.Session.Token != tokens[k] {
							t.Errorf("value %d: %v, token %q", k, err, p.Session.Token)
							return
						}
					}
				})
			}
			wg.Wait()
			if n, _ := memoLen(m); n > 64 {
				t.Fatalf("%d entries over 64", n)
			}
		})
	}
}

// TestMemoHitAllocs: a hit allocates nothing without fields; a forgery
// (a compact value under another secret) allocates nothing either.
func TestMemoHitAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	for _, c := range allCodecs(secretA)[:3] {
		m := NewMemo(c)
		v, err := c.Encode(samplePayload())
		if err != nil {
			t.Fatal(err)
		}
		var p Payload
		if err := m.DecodeInto(v, testNow, &p); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { m.DecodeInto(v, testNow, &p) }); n != 0 {
			t.Errorf("%s: a hit allocates %v times", c.Strategy(), n)
		}
		forged, _ := allCodecs(secretB)[0].Encode(samplePayload())
		if n := testing.AllocsPerRun(100, func() { m.DecodeInto(forged, testNow, &p) }); n != 0 {
			t.Errorf("%s: a forgery allocates %v times", c.Strategy(), n)
		}
	}
}

func BenchmarkMemoHit(b *testing.B) {
	for _, c := range allCodecs(secretA)[:3] {
		b.Run(c.Strategy(), func(b *testing.B) {
			m := NewMemo(c)
			v, err := c.Encode(samplePayload())
			if err != nil {
				b.Fatal(err)
			}
			var p Payload
			b.ReportAllocs()
			for b.Loop() {
				if err := m.DecodeInto(v, testNow, &p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
