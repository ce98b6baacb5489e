package cache

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// testNow is the pinned clock of the tests that mint their own values.
var testNow = time.Date(2026, 11, 27, 22, 10, 14, 72_000_000, time.UTC)

// samplePayload is a payload every codec round-trips exactly: times in
// ms, ExpiresAt on a whole second (jwt and jwe carry seconds).
func samplePayload() *Payload {
	return &Payload{
		Session: store.Session{
			ID:        "gbgFqAbGxOkJJidHZrtXBKMZgzEOhZhr",
			Token:     "NzcxkCk0XyiM2Dt9IbatUGtm6mdIkJCC",
			UserID:    "YeC3GaKDnzNnsf3RsTiACfQb0CXyyxRS",
			ExpiresAt: testNow.Add(7 * 24 * time.Hour),
			CreatedAt: testNow.Add(-3 * time.Millisecond),
			UpdatedAt: testNow.Add(-3 * time.Millisecond),
			IPAddress: "203.0.113.9",
			UserAgent: "Mozilla/5.0 (X11; Linux x86_64)",
		},
		User: store.User{
			ID:            "YeC3GaKDnzNnsf3RsTiACfQb0CXyyxRS",
			Name:          "Oracle User",
			Email:         "oracle@example.com",
			EmailVerified: true,
			Image:         "https://example.com/a.png",
			CreatedAt:     testNow.Add(-145 * time.Millisecond),
			UpdatedAt:     testNow.Add(-145 * time.Millisecond),
		},
		UpdatedAt: testNow,
		Version:   "1",
		ExpiresAt: testNow.Add(300 * time.Second).Truncate(time.Second),
	}
}

var (
	secretA = []byte("secret-A-0123456789abcdefghijklmnopqrstuv")
	secretB = []byte("secret-B-0123456789abcdefghijklmnopqrstuv")
)

// allCodecs builds one codec of each strategy with the given secrets.
func allCodecs(secrets ...[]byte) []Codec {
	return []Codec{
		NewCompact(secrets...),
		NewJWT(secrets...),
		NewJWE(secrets...),
		NewSecureCookie("better-auth.session_data", secrets...),
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	payloads := map[string]func(*Payload){
		"sample":           func(*Payload) {},
		"no version":       func(p *Payload) { p.Version = "" },
		"null image":       func(p *Payload) { p.User.Image = "" },
		"empty strings":    func(p *Payload) { p.Session.IPAddress, p.Session.UserAgent, p.User.Name = "", "", "" },
		"zero dates":       func(p *Payload) { p.Session.CreatedAt, p.User.UpdatedAt = time.Time{}, time.Time{} },
		"unicode":          func(p *Payload) { p.User.Name = "Zoë \u2028 <script>&amp;</script> 😀 \x00\x1f\x7f \"q\" \\ /" },
		"version 2026-ish": func(p *Payload) { p.Version = "2026-11-27" },
		"big image":        func(p *Payload) { p.User.Image = "data:image/png;base64," + strings.Repeat("iVBORw0KGgo+/", 1000) },
	}
	for name, mod := range payloads {
		for _, c := range allCodecs(secretA) {
			t.Run(c.Strategy()+"/"+name, func(t *testing.T) {
				t.Parallel()
				p := samplePayload()
				mod(p)
				v, err := c.Encode(p)
				if err != nil {
					t.Fatal(err)
				}
				if i := strings.IndexFunc(v, notCookieOctet); i >= 0 {
					t.Fatalf("value has %q at %d, not a cookie octet", v[i], i)
				}
				got, err := c.Decode(v, testNow)
				if err != nil {
					t.Fatal(err)
				}
				want := *p
				// Zero dates go out as year 1 and come back as year 1.
				samePayload(t, got, &want)
			})
		}
	}
}

// notCookieOctet reports characters RFC 6265 does not allow in a value.
func notCookieOctet(r rune) bool {
	return r < 0x21 || r > 0x7e || r == '"' || r == ',' || r == ';' || r == '\\'
}

func TestRotation(t *testing.T) {
	t.Parallel()
	p := samplePayload()
	for i, fromB := range allCodecs(secretB) {
		ab := allCodecs(secretA, secretB)[i]
		a := allCodecs(secretA)[i]
		t.Run(fromB.Strategy(), func(t *testing.T) {
			t.Parallel()
			v, err := fromB.Encode(p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ab.Decode(v, testNow)
			if err != nil {
				t.Fatalf("codec(A,B) can't read codec(B)'s value: %v", err)
			}
			samePayload(t, got, p)
			if _, err := a.Decode(v, testNow); !errors.Is(err, ErrInvalid) {
				t.Errorf("codec(A) read codec(B)'s value: %v", err)
			}
			nv, err := ab.Encode(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Decode(nv, testNow); err != nil {
				t.Errorf("codec(A,B) doesn't encode with A: %v", err)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	t.Parallel()
	for _, c := range allCodecs(secretA) {
		t.Run(c.Strategy(), func(t *testing.T) {
			t.Parallel()
			if _, err := c.Encode(nil); err == nil {
				t.Error("Encode(nil) succeeded")
			}
			p := samplePayload()
			p.Session.ExpiresAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
			if _, err := c.Encode(p); err == nil {
				t.Error("Encode accepted a year JavaScript writes as +010000")
			}
			p = samplePayload()
			p.User.CreatedAt = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)
			if _, err := c.Encode(p); err == nil {
				t.Error("Encode accepted a negative year")
			}
		})
	}
}

func TestConstructorsPanic(t *testing.T) {
	t.Parallel()
	ctors := map[string]func(...[]byte) Codec{
		"NewCompact": NewCompact,
		"NewJWT":     NewJWT,
		"NewJWE":     NewJWE,
		"NewSecureCookie": func(s ...[]byte) Codec {
			return NewSecureCookie("n", s...)
		},
	}
	for name, ctor := range ctors {
		for _, args := range [][][]byte{nil, {{}}, {secretA, nil}} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s(%d secrets, one empty or none) did not panic", name, len(args))
					}
				}()
				ctor(args...)
			}()
		}
	}
}

// TestSecretsCopied checks a codec keeps its own copy of the secrets.
func TestSecretsCopied(t *testing.T) {
	t.Parallel()
	for i := range allCodecs(secretA) {
		s := append([]byte(nil), secretA...)
		c := allCodecs(s)[i]
		v, err := c.Encode(samplePayload())
		if err != nil {
			t.Fatal(err)
		}
		for k := range s {
			s[k] = 'x'
		}
		if _, err := c.Decode(v, testNow); err != nil {
			t.Errorf("%s: changing the caller's secret broke the codec: %v", c.Strategy(), err)
		}
	}
}

// TestDecodeGarbage feeds every decoder inputs meant for another codec and
// plain junk; each must fail with ErrInvalid.
func TestDecodeGarbage(t *testing.T) {
	t.Parallel()
	p := samplePayload()
	codecs := allCodecs(secretA)
	var values []string
	for _, c := range codecs {
		v, err := c.Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		values = append(values, v)
	}
	junk := []string{
		"", "=", "a", "a.b.c", "a.b.c.d.e", "....", "%%%", "eyJ9", "e30", // {}
		"bnVsbA",              // null
		"W10",                 // []
		"eyJzZXNzaW9uIjp7fX0", // {"session":{}}
		strings.Repeat("A", MaxValueLen+1),
		strings.Repeat("[", 10000),
		"\x00\xff\xfe", "eyJhbGciOiJub25lIn0.e30.", // alg none
	}
	for i, c := range codecs {
		for j, v := range append(append([]string(nil), values...), junk...) {
			if j == i {
				continue
			}
			pl, err := c.Decode(v, testNow)
			if !errors.Is(err, ErrInvalid) || pl != nil {
				t.Errorf("%s.Decode(%q) = %v, want ErrInvalid", c.Strategy(), trunc(v), err)
			}
		}
	}
}

func itoa64(v int64) string { return strconv.FormatInt(v, 10) }
