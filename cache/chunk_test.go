package cache

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value string
		size  int
		want  []string
		err   error
	}{
		{"empty", "", 10, []string{""}, nil},
		{"fits", "abc", 3, []string{"abc"}, nil},
		{"one over", "abcd", 3, []string{"abc", "d"}, nil},
		{"even", "abcdef", 2, []string{"ab", "cd", "ef"}, nil},
		{"exactly MaxChunks", strings.Repeat("x", MaxChunks), 1, slices.Repeat([]string{"x"}, MaxChunks), nil},
		{"one chunk too many", strings.Repeat("x", MaxChunks+1), 1, nil, ErrTooManyChunks},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Split(tt.value, tt.size)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Split = %q, want %q", got, tt.want)
			}
		})
	}
	for _, size := range []int{0, -1} {
		if _, err := Split("abc", size); err == nil {
			t.Errorf("Split with size %d succeeded", size)
		}
	}
}

func cookies(pairs ...string) []*http.Cookie {
	var out []*http.Cookie
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, &http.Cookie{Name: pairs[i], Value: pairs[i+1]})
	}
	return out
}

func TestJoin(t *testing.T) {
	t.Parallel()
	const b = "better-auth.session_data"
	tests := []struct {
		name    string
		cookies []*http.Cookie
		value   string
		present []string
		ok      bool
	}{
		{"none", cookies("other", "x"), "", nil, false},
		{"nil cookie", []*http.Cookie{nil}, "", nil, false},
		{"plain", cookies(b, "abc"), "abc", []string{b}, true},
		{"plain wins over chunks", cookies(b+".0", "x", b, "abc", b+".1", "y"), "abc", []string{b, b + ".0", b + ".1"}, true},
		{"first plain cookie counts", cookies(b, "first", b, "second"), "first", []string{b}, true},
		{"empty plain falls back to chunks", cookies(b, "", b+".0", "x"), "x", []string{b, b + ".0"}, true},
		{"empty plain alone", cookies(b, ""), "", []string{b}, false},
		{"chunks in order", cookies(b+".0", "ab", b+".1", "cd", b+".2", "e"), "abcde", []string{b + ".0", b + ".1", b + ".2"}, true},
		{"chunks out of order", cookies(b+".2", "e", b+".0", "ab", b+".1", "cd"), "abcde", []string{b + ".0", b + ".1", b + ".2"}, true},
		{"numeric not lexical order", cookies(b+".10", "K", b+".9", "J", b+".2", "C"), "CJK", []string{b + ".2", b + ".9", b + ".10"}, true},
		{"duplicate chunk: last wins", cookies(b+".0", "old", b+".1", "-tail", b+".0", "new"), "new-tail", []string{b + ".0", b + ".1"}, true},
		{"gap kept", cookies(b+".0", "a", b+".2", "c"), "ac", []string{b + ".0", b + ".2"}, true},
		{"non-canonical indexes ignored", cookies(b+".01", "x", b+".+1", "x", b+".-0", "x", b+".-1", "x", b+".1e3", "x", b+". 1", "x", b+".", "x", b+".1.0", "x", b+".0x1", "x", b+".0", "ok"), "ok", []string{b + ".0"}, true},
		{"other cookie with the prefix", cookies(b+"x.0", "x", b+"_0", "x", "better-auth.session_dat.0", "x"), "", nil, false},
		{"large canonical index", cookies(b+".123456789012345680", "z", b+".0", "a"), "az", []string{b + ".0", b + ".123456789012345680"}, true},
		{"index not exact in a double", cookies(b+".123456789012345678", "z", b+".0", "a"), "a", []string{b + ".0"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			value, present, ok := Join(tt.cookies, b)
			if value != tt.value || ok != tt.ok || !slices.Equal(present, tt.present) {
				t.Errorf("Join = %q, %q, %v; want %q, %q, %v", value, present, ok, tt.value, tt.present, tt.ok)
			}
		})
	}
}

func TestSplitJoinRoundTrip(t *testing.T) {
	t.Parallel()
	const b = "__Secure-better-auth.session_data"
	for _, n := range []int{0, 1, 3976, 3977, 3978, 8875, 3977 * MaxChunks} {
		value := strings.Repeat("0123456789abcdef", n/16+1)[:n]
		chunks, err := Split(value, 3977)
		if err != nil {
			t.Fatal(err)
		}
		var cs []*http.Cookie
		if len(chunks) == 1 {
			cs = cookies(b, chunks[0])
		} else {
			for i, ch := range chunks {
				cs = append(cs, &http.Cookie{Name: ChunkName(b, i), Value: ch})
			}
			slices.Reverse(cs)
		}
		got, _, ok := Join(cs, b)
		if got != value || ok != (n > 0) {
			t.Errorf("n=%d: round trip lost the value (ok=%v)", n, ok)
		}
	}
}

func TestChunkSize(t *testing.T) {
	t.Parallel()
	base := &http.Cookie{Name: "__Secure-better-auth.session_data", Path: "/", Domain: "example.com",
		MaxAge: 604800, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	// Better Auth: "<name>.99=; Max-Age=604800; Domain=example.com; Path=/; HttpOnly; Secure; SameSite=Lax"
	line := base.Name + ".99=; Max-Age=604800; Domain=example.com; Path=/; HttpOnly; Secure; SameSite=Lax"
	if got, want := ChunkSize(base), MaxCookieSize-len(line); got != want {
		t.Errorf("ChunkSize = %d, want %d", got, want)
	}
	if base.Name != "__Secure-better-auth.session_data" {
		t.Error("ChunkSize changed its argument")
	}
}
