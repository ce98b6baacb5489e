package cache

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestJWEObjectOpensSessionData opens Better Auth's jwe session_data vectors
// with a JWEObject under the session salt: the same format, any object.
func TestJWEObjectOpensSessionData(t *testing.T) {
	t.Parallel()
	n := 0
	for _, c := range vectorCases(t) {
		if c.file.Config.Strategy != "jwe" {
			continue
		}
		n++
		plain, exp, err := NewJWEObject("better-auth-session", c.secret).Open(c.value, c.now)
		if err != nil {
			t.Fatalf("%s: Open: %v", c.name, err)
		}
		if exp.Unix() != c.exp {
			t.Errorf("%s: exp = %d, want %d", c.name, exp.Unix(), c.exp)
		}
		var got struct {
			Session struct{ Token string }
			Jti     string
		}
		if err := json.Unmarshal(plain, &got); err != nil || got.Session.Token != c.want.Session.Token || got.Jti == "" {
			t.Errorf("%s: plaintext %s (err %v)", c.name, trunc(string(plain)), err)
		}
		if _, _, err := NewJWEObject("better-auth-account", c.secret).Open(c.value, c.now); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: opened under another salt: %v", c.name, err)
		}
	}
	if n == 0 {
		t.Fatal("no jwe vector")
	}
}

// TestJWEObjectSeal seals objects and reads them back, with NewJWE's decoder
// too (same salt), checking jose's claim order and the expiry rules.
func TestJWEObjectSeal(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 4, 5, 6, 7, 800e6, time.UTC)
	j := NewJWEObject("salt-a", secretA, secretB)
	tests := []struct {
		name, obj, wantPrefix string
	}{
		{"members", `{"a":1,"b":"x"}`, `{"a":1,"b":"x","iat":1772600767,"exp":1772601067,"jti":"`},
		{"empty", `{}`, `{"iat":1772600767,"exp":1772601067,"jti":"`},
		{"spaces", " { } ", `{ "iat":1772600767,"exp":1772601067,"jti":"`},
	}
	for _, tt := range tests {
		v, err := j.Seal([]byte(tt.obj), now, 5*time.Minute)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		plain, exp, err := j.Open(v, now)
		if err != nil {
			t.Fatalf("%s: Open: %v", tt.name, err)
		}
		if !bytes.HasPrefix(plain, []byte(tt.wantPrefix)) || len(plain) != len(tt.wantPrefix)+38 {
			t.Errorf("%s: plaintext %s, want %s<uuid>\"}", tt.name, plain, tt.wantPrefix)
		}
		if !exp.Equal(time.Unix(1772601067, 0)) {
			t.Errorf("%s: exp %v", tt.name, exp)
		}
		if _, _, err := j.Open(v, exp); !errors.Is(err, ErrExpired) {
			t.Errorf("%s: at exp: %v, want ErrExpired", tt.name, err)
		}
		if _, _, err := j.Open(v, exp.Add(-time.Second)); err != nil {
			t.Errorf("%s: a second before exp: %v", tt.name, err)
		}
		// An old secret still opens it; another salt or secret does not.
		if _, _, err := NewJWEObject("salt-a", secretB, secretA).Open(v, now); err != nil {
			t.Errorf("%s: with the secret second: %v", tt.name, err)
		}
		for _, other := range []*JWEObject{NewJWEObject("salt-b", secretA), NewJWEObject("salt-a", secretB)} {
			if _, _, err := other.Open(v, now); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: foreign key opened it: %v", tt.name, err)
			}
		}
		// Tampering with any segment fails. (The last character of a
		// segment may differ in unused bits only, which the base64 reader,
		// like jose's, ignores.)
		for i := range v {
			if v[i] == '.' || i+1 == len(v) || v[i+1] == '.' {
				continue
			}
			b := []byte(v)
			b[i] ^= 1
			if _, _, err := j.Open(string(b), now); err == nil {
				t.Fatalf("%s: flipped byte %d accepted", tt.name, i)
			}
		}
	}
	for _, bad := range []string{``, `[]`, `{`, `"x"`, `{"a":}`} {
		if _, err := j.Seal([]byte(bad), now, time.Minute); err == nil {
			t.Errorf("Seal(%q) succeeded", bad)
		}
	}
}

// TestJWEObjectClaims refuses plaintexts jose refuses: no exp, a non-numeric
// claim, an nbf in the future, something other than an object.
func TestJWEObjectClaims(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	j := NewJWEObject("salt", secretA)
	key := j.keys[0]
	var iv [16]byte
	seal := func(body string) string { return jweSeal(key, []byte(body), iv, []byte("jti")) }
	tests := []struct {
		name, body string
		want       error
	}{
		{"fine", `{"exp":1800000001`, nil},
		{"no exp", `{"a":1`, ErrInvalid},
		{"string exp", `{"exp":"1800000001"`, ErrInvalid},
		{"string iat", `{"exp":1800000001,"iat":"x"`, ErrInvalid},
		{"nbf ahead", `{"exp":1800000009,"nbf":1800000001`, ErrInvalid},
		{"expired", `{"exp":1800000000`, ErrExpired},
		{"null exp", `{"exp":null`, ErrInvalid},
	}
	for _, tt := range tests {
		_, _, err := j.Open(seal(tt.body), now)
		if (tt.want == nil) != (err == nil) || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, _, err := j.Open(strings.Repeat("a", MaxValueLen+1), now); !errors.Is(err, ErrInvalid) {
		t.Errorf("oversized value: %v", err)
	}
}

// withoutJti drops the random jti Seal ends a plaintext with, which differs
// between the fuzzing processes that each seal the seeds.
func withoutJti(plain []byte) string {
	const n = len(`,"jti":"`) + 36 + len(`"}`)
	if len(plain) < n {
		return string(plain)
	}
	return string(plain[:len(plain)-n])
}

// FuzzJWEObjectOpen feeds Open anything: whatever it accepts must be one of
// the plaintexts sealed here (but for the jti), since a mutation can't carry a valid tag.
func FuzzJWEObjectOpen(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	j := NewJWEObject("better-auth-account", secretA, secretB)
	known := map[string]bool{}
	for _, obj := range []string{`{}`, `{"id":"a","accessToken":"t"}`} {
		v, err := j.Seal([]byte(obj), now, time.Hour)
		if err != nil {
			f.Fatal(err)
		}
		plain, _, err := j.Open(v, now)
		if err != nil {
			f.Fatal(err)
		}
		known[withoutJti(plain)] = true
		f.Add(v)
	}
	f.Add("a..b.c.d")
	f.Fuzz(func(t *testing.T, v string) {
		plain, _, err := j.Open(v, now)
		if err == nil && !known[withoutJti(plain)] {
			t.Fatalf("Open accepted a plaintext no one sealed: %q", plain)
		}
	})
}
