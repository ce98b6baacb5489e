package main

import (
	"testing"
	"time"
)

// TestHumanize: durations in words, rounded to the nearest unit.
func TestHumanize(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "less than a minute"},
		{59 * time.Second, "less than a minute"},
		{time.Minute, "1 minute"},
		{90*time.Second - time.Millisecond, "1 minute"},
		{90 * time.Second, "2 minutes"},
		{59*time.Minute + 29*time.Second, "59 minutes"},
		{59*time.Minute + 30*time.Second, "1 hour"},
		{time.Hour, "1 hour"},
		{90 * time.Minute, "2 hours"},
		{23*time.Hour + 59*time.Minute, "24 hours"},
		{47*time.Hour + 29*time.Minute, "47 hours"},
		{47*time.Hour + 30*time.Minute, "2 days"},
		{2 * day, "2 days"},
		{7*day - time.Minute, "7 days"}, // a 7-day session just signed in
		{7 * day, "7 days"},
		{6*day + 11*time.Hour, "6 days"},
		{6*day + 12*time.Hour, "7 days"},
		{30 * day, "30 days"},
	}
	for _, tt := range tests {
		if got := humanize(tt.d); got != tt.want {
			t.Errorf("humanize(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// TestFreshWindow reads after "within the last".
func TestFreshWindow(t *testing.T) {
	tests := []struct {
		age  time.Duration
		want string
	}{
		{time.Second, "1 second"},
		{30 * time.Second, "30 seconds"},
		{time.Minute, "1 minute"},
		{5 * time.Minute, "5 minutes"},
		{24 * time.Hour, "24 hours"},
	}
	for _, tt := range tests {
		if got := (view{FreshAge: tt.age}).FreshWindow(); got != tt.want {
			t.Errorf("FreshWindow(%v) = %q, want %q", tt.age, got, tt.want)
		}
	}
}

// TestUntilAndAgo: a 7-day session signed in a moment ago expires "in 7
// days".
func TestUntilAndAgo(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	v := view{Now: now}
	for _, tt := range []struct{ got, want string }{
		{v.Until(now.Add(7*24*time.Hour - 30*time.Second)), "in 7 days"},
		{v.Until(now.Add(-3 * time.Minute)), "3 minutes ago"},
		{v.Ago(now.Add(-10 * time.Second)), "less than a minute ago"},
		{v.Ago(now.Add(-2 * time.Hour)), "2 hours ago"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
