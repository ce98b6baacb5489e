package oauthcookie

import (
	"testing"
	"time"
)

func BenchmarkStateCodec(b *testing.B) {
	c := NewStateCodec(secretA)
	now := time.Now()
	st := sampleState(now)
	v, err := c.Encode(st)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Encode(st); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Open", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Open(v, st.OAuthState, now); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAccountCodec(b *testing.B) {
	c := NewAccountCodec(secretA)
	now := time.Now()
	a := sampleAccount(now)
	v, err := c.Encode(a, now, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Encode(a, now, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := c.Decode(v, now); err != nil {
				b.Fatal(err)
			}
		}
	})
}
