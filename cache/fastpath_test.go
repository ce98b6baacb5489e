package cache

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// refDecodeB64 is decodeB64 one character at a time: the definition the
// block decoder must agree with.
func refDecodeB64(s []byte) ([]byte, bool) {
	if len(s)%4 == 1 {
		return nil, false
	}
	var out []byte
	var acc uint32
	bits := 0
	for _, c := range s {
		v := b64Dec[c]
		if v&0xC0 != 0 {
			return nil, false
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
		}
	}
	return out, true
}

func checkDecodeB64(t *testing.T, s []byte) {
	t.Helper()
	want, wantOK := refDecodeB64(s)
	got, ok := decodeB64(make([]byte, 0, 3), s)
	if ok != wantOK || ok && !bytes.Equal(got, want) {
		t.Fatalf("decodeB64(%q) = %x, %v; want %x, %v", s, got, ok, want, wantOK)
	}
	gotS, okS := decodeB64(nil, string(s))
	if okS != ok || !bytes.Equal(gotS, got) {
		t.Fatalf("decodeB64(string %q) = %x, %v; []byte gave %x, %v", s, gotS, okS, got, ok)
	}
}

func TestDecodeB64Blocks(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 64 {
		raw := make([]byte, n)
		for i := range raw {
			raw[i] = byte(r.Uint32())
		}
		for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.RawStdEncoding} {
			s := []byte(enc.EncodeToString(raw))
			got, ok := decodeB64(nil, s)
			if !ok || !bytes.Equal(got, raw) {
				t.Fatalf("decodeB64(%q) = %x, %v; want %x", s, got, ok, raw)
			}
			checkDecodeB64(t, s)
			// A bad character anywhere fails the whole value.
			for i := range s {
				for _, bad := range []byte{'=', '.', ' ', 0, 0x80, 0xFF} {
					m := bytes.Clone(s)
					m[i] = bad
					if _, ok := decodeB64(nil, m); ok {
						t.Fatalf("decodeB64(%q) accepted %q at %d", m, bad, i)
					}
					checkDecodeB64(t, m)
				}
			}
		}
	}
}

func FuzzDecodeB64(f *testing.F) {
	f.Add([]byte("eyJzZXNzaW9uIjp7fX0"))
	f.Add([]byte("ab+/-_cd"))
	f.Fuzz(func(t *testing.T, s []byte) { checkDecodeB64(t, s) })
}

func refPlain8(w []byte) bool {
	for _, c := range w {
		if !strPlain[c] {
			return false
		}
	}
	return true
}

func TestPlain8(t *testing.T) {
	for c := range 256 {
		for pos := range 8 {
			w := []byte("abcdefgh")
			w[pos] = byte(c)
			if got, want := plain8(binary.LittleEndian.Uint64(w)), refPlain8(w); got != want {
				t.Fatalf("plain8(%q) = %v, want %v", w, got, want)
			}
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		x := r.Uint64()
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], x)
		if got, want := plain8(x), refPlain8(w[:]); got != want {
			t.Fatalf("plain8(%q) = %v, want %v", w, got, want)
		}
	}
}

func FuzzPlain8(f *testing.F) {
	f.Add(uint64(0x6867666564636261))
	f.Fuzz(func(t *testing.T, x uint64) {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], x)
		if got, want := plain8(x), refPlain8(w[:]); got != want {
			t.Fatalf("plain8(%q) = %v, want %v", w, got, want)
		}
	})
}

func TestDecodeInto(t *testing.T) {
	sentinel := Payload{Version: "untouched"}
	for _, c := range vectorCases(t) {
		t.Run(c.name, func(t *testing.T) {
			codec := codecFor(t, c.file.Config.Strategy, c.secret)
			want, err := codec.Decode(c.value, c.now)
			if err != nil {
				t.Fatal(err)
			}
			p := sentinel
			if err := DecodeInto(codec, c.value, c.now, &p); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(&p, want) {
				t.Errorf("DecodeInto = %+v, Decode = %+v", p, *want)
			}
			// A failure leaves *p as it was.
			for _, bad := range []string{c.value[:len(c.value)-2], "x" + c.value, ""} {
				p := sentinel
				if err := DecodeInto(codec, bad, c.now, &p); err == nil || !errors.Is(err, ErrInvalid) {
					t.Errorf("DecodeInto(%.20q…) = %v, want ErrInvalid", bad, err)
				}
				if !reflect.DeepEqual(p, sentinel) {
					t.Errorf("a failed DecodeInto wrote %+v", p)
				}
			}
			p = sentinel
			if err := DecodeInto(codec, c.value, want.ExpiresAt.Add(time.Hour), &p); !errors.Is(err, ErrExpired) || !reflect.DeepEqual(p, sentinel) {
				t.Errorf("expired: DecodeInto = %v, wrote %+v", err, p)
			}
		})
	}
}
