package account

import (
	"encoding/json"
	"testing"
)

// TestParseForm: form bodies decode as URLSearchParams decodes them.
func TestParseForm(t *testing.T) {
	tests := []struct {
		body string
		want map[string]string
	}{
		{"", map[string]string{}},
		{"a=1&b=2", map[string]string{"a": "1", "b": "2"}},
		{"a=1&a=2", map[string]string{"a": "2"}}, // the last wins
		{"a", map[string]string{"a": ""}},
		{"a=&&=b", map[string]string{"a": "", "": "b"}},
		{"a=x=y", map[string]string{"a": "x=y"}},
		{"n=Jo+Lo%2B%20x", map[string]string{"n": "Jo Lo+ x"}},
		{"e=a%40b.co;c=d", map[string]string{"e": "a@b.co;c=d"}},
		{"p=100%&q=%zz%4", map[string]string{"p": "100%", "q": "%zz%4"}},
		{"u=%C3%A9&v=%FF", map[string]string{"u": "é", "v": "\uFFFD"}},
		{"%41%42=c", map[string]string{"AB": "c"}},
	}
	for _, tt := range tests {
		got := map[string]string{}
		for k, raw := range parseForm([]byte(tt.body)) {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatalf("%q: field %q is not a JSON string: %s", tt.body, k, raw)
			}
			got[k] = s
		}
		if len(got) != len(tt.want) {
			t.Errorf("%q: got %q, want %q", tt.body, got, tt.want)
			continue
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("%q: got %q, want %q", tt.body, got, tt.want)
			}
		}
	}
}

// FuzzParseForm: any body parses, into valid JSON strings.
func FuzzParseForm(f *testing.F) {
	for _, s := range []string{"a=1&b=2", "%zz", "n=Jo+Lo%2B", "%C3%A9=%FF&&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for k, raw := range parseForm([]byte(body)) {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatalf("field %q: %s is not a JSON string", k, raw)
			}
		}
	})
}
