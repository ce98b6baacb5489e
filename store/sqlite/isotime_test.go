package sqlite

import (
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// FuzzParseTime checks the fast date parser against store.ParseTime
// (time.Parse): the same time, or an error from both.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2026-11-27T22:10:13.927Z", "2024-02-29T00:00:00.000Z", "2023-02-29T00:00:00.000Z",
		"2026-04-31T00:00:00.000Z", "2026-12-31T23:59:59.999Z", "2026-12-31T23:59:60.000Z",
		"2026-13-01T00:00:00.000Z", "0000-01-01T00:00:00.000Z", "2026-11-27T22:10:13.9Z",
		"2026-11-27T22:10:13+01:00", "2026-11-27T22:10:13.927+01:00", "2026-11-27 22:10:13.927Z",
		"+026-11-27T22:10:13.927Z", "2026-11-27T24:00:00.000Z", "1900-02-29T00:00:00.000Z", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseTime(s)
		want, werr := store.ParseTime(s)
		if (err != nil) != (werr != nil) || !got.Equal(want) || got.Location() != want.Location() {
			t.Fatalf("parseTime(%q) = %v, %v; store.ParseTime = %v, %v", s, got, err, want, werr)
		}
	})
}

func BenchmarkParseTime(b *testing.B) {
	const s = "2026-11-27T22:10:13.927Z"
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if _, err := parseTime(s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("time.Parse", func(b *testing.B) {
		for b.Loop() {
			if _, err := store.ParseTime(s); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestParseTimeUTC: the fast path returns UTC, as store.ParseTime does.
func TestParseTimeUTC(t *testing.T) {
	got, err := parseTime("2026-11-27T22:10:13.927Z")
	if err != nil || got.Location() != time.UTC || !got.Equal(time.Date(2026, 11, 27, 22, 10, 13, 927e6, time.UTC)) {
		t.Fatalf("parseTime = %v, %v", got, err)
	}
}
