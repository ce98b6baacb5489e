package nodetest

import "testing"

func TestApplyCookies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cookie string
		set    []string
		want   string
	}{
		{"", []string{"a=1; Path=/", "b=2; Max-Age=60"}, "a=1; b=2"},
		{"a=1; b=2", []string{"a=; Max-Age=0", "c=3"}, "b=2; c=3"},
		{"a=1", []string{"a=9", "not a cookie"}, "a=9"},
	}
	for _, tt := range tests {
		if got := ApplyCookies(tt.cookie, tt.set); got != tt.want {
			t.Errorf("ApplyCookies(%q, %q) = %q, want %q", tt.cookie, tt.set, got, tt.want)
		}
	}
}
