package freshness_test

import (
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/freshness"
	"github.com/sessionkit/sessionkit/store"
)

func TestIsFresh(t *testing.T) {
	t.Parallel()
	signIn := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	s := store.Session{CreatedAt: signIn, UpdatedAt: signIn.Add(20 * time.Hour)}
	day := 24 * time.Hour
	for _, tt := range []struct {
		now      time.Time
		freshAge time.Duration
		want     bool
	}{
		{signIn, day, true},
		{signIn.Add(day - time.Millisecond), day, true},
		{signIn.Add(day), day, false}, // now − createdAt >= freshAge: stale
		{signIn.Add(48 * time.Hour), day, false},
		{signIn.Add(48 * time.Hour), 0, true}, // 0 disables the check
		{signIn.Add(48 * time.Hour), -1, true},
	} {
		if got := freshness.IsFresh(s, tt.now, tt.freshAge); got != tt.want {
			t.Errorf("IsFresh(created %v, now %v, freshAge %v) = %v, want %v", s.CreatedAt, tt.now, tt.freshAge, got, tt.want)
		}
	}
}
