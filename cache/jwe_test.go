package cache

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestJWEKeyVector checks K and kid (Better Auth's HKDF derivation) against the public
// vectors' protected header.
func TestJWEKeyVector(t *testing.T) {
	t.Parallel()
	tests := []struct {
		secret, k, kid string
	}{
		{
			secret: "test-secret-0123456789abcdefghijklmnopqrstuvwxyz",
			k:      "71f2c107057435b2c184fbd66cba453210d530afa61ba0ebb4433bfb091de047739337c69cdaeba074c6629e8817f6c88b458a308cefde18aec75ba99cc7c053",
			kid:    "fOXpuye_7ULcffyHMRBQf7NJyaomSHDvL-5GtikiYyU",
		},
		{
			secret: "public-test-secret-0123456789abcdefghijklmnop",
			kid:    "dkIS6BUDSY2lkbXmjZQHpbNc1eaoXXbpQ15UgN1Nfvw",
		},
	}
	for _, tt := range tests {
		t.Run(tt.kid, func(t *testing.T) {
			t.Parallel()
			k := deriveJWEKey([]byte(tt.secret))
			if tt.k != "" && hex.EncodeToString(k) != tt.k {
				t.Errorf("K = %x, want %s", k, tt.k)
			}
			if got := jwkThumbprint(k); got != tt.kid {
				t.Errorf("kid = %s, want %s", got, tt.kid)
			}
			c := NewJWE([]byte(tt.secret)).(*jweCodec)
			if c.keys[0].kid != tt.kid {
				t.Errorf("codec kid = %s, want %s", c.keys[0].kid, tt.kid)
			}
		})
	}
}

// TestJWEMintVector re-seals each JWE vector's payload with the vector's IV
// and jti and expects Better Auth's token byte for byte.
func TestJWEMintVector(t *testing.T) {
	t.Parallel()
	for _, c := range vectorCases(t) {
		if c.file.Config.Strategy != "jwe" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var seg [5]string
			if !splitDots(c.value, seg[:]) {
				t.Fatal("not a JWE")
			}
			ivb, ok := decodeB64(nil, seg[2])
			if !ok || len(ivb) != 16 {
				t.Fatal("bad IV")
			}
			var d struct{ Payload struct{ Jti string } }
			if err := json.Unmarshal(c.file.SignIn[c.variant].SessionData.Decoded, &d); err != nil {
				t.Fatal(err)
			}
			if c.iat != c.want.UpdatedAt.Unix() {
				t.Skip("iat was read in the next second after updatedAt")
			}
			got, err := NewJWE(c.secret).(*jweCodec).seal(c.want, [16]byte(ivb), []byte(d.Payload.Jti))
			if err != nil {
				t.Fatal(err)
			}
			if got != c.value {
				t.Errorf("seal differs from Better Auth's token\n got: %s\nwant: %s", trunc(got), trunc(c.value))
			}
		})
	}
}

func TestJWEKid(t *testing.T) {
	t.Parallel()
	a, b := []byte("secret-A-0123456789abcdefghijklmnopqrstuv"), []byte("secret-B-0123456789abcdefghijklmnopqrstuv")
	p := samplePayload()
	now := p.UpdatedAt
	fromB, err := NewJWE(b).Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	ab := NewJWE(a, b)
	t.Run("picks the key by kid", func(t *testing.T) {
		got, err := ab.Decode(fromB, now)
		if err != nil {
			t.Fatal(err)
		}
		samePayload(t, got, p)
	})
	t.Run("new tokens use the first key", func(t *testing.T) {
		tok, err := ab.Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewJWE(a).Decode(tok, now); err != nil {
			t.Errorf("codec(A) can't read codec(A,B)'s token: %v", err)
		}
		if _, err := NewJWE(b).Decode(tok, now); !errors.Is(err, ErrInvalid) {
			t.Errorf("codec(B) read codec(A,B)'s token: %v", err)
		}
	})
	t.Run("unknown kid", func(t *testing.T) {
		_, err := NewJWE(a).Decode(fromB, now)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "kid") {
			t.Errorf("got %v, want ErrInvalid for an unknown kid", err)
		}
	})
	// A token whose header has another kid, or none, or a non-string
	// one, sealed with B's key.
	kB := deriveJWEKey(b)
	reseal := func(header string) string {
		hdr := b64Encode.EncodeToString([]byte(header))
		key := &jweKey{header: hdr, mac: newMacPool(sha512.New, kB[:32])}
		block, _ := aes.NewCipher(kB[32:])
		key.block = block
		body, _ := appendPayloadBody(nil, p, nil)
		body = append(body, `,"iat":1,"exp":`...)
		body, _ = appendClaimTime(body, p.ExpiresAt)
		body = append(body, '}')
		pad := 16 - len(body)%16
		for range pad {
			body = append(body, byte(pad))
		}
		var iv [16]byte
		cipher.NewCBCEncrypter(block, iv[:]).CryptBlocks(body, body)
		tag := jweTag(key, []byte(hdr), iv[:], body, nil)
		return hdr + ".." + b64Encode.EncodeToString(iv[:]) + "." + b64Encode.EncodeToString(body) + "." + b64Encode.EncodeToString(tag)
	}
	cases := []struct {
		name, header string
		ok           bool
	}{
		{"no kid tries every key", `{"alg":"dir","enc":"A256CBC-HS512"}`, true},
		{"extra header members", `{"enc":"A256CBC-HS512","alg":"dir","typ":"JWT","cty":"x"}`, true},
		{"kid of the first key", `{"alg":"dir","enc":"A256CBC-HS512","kid":"` + jwkThumbprint(deriveJWEKey(a)) + `"}`, false},
		{"empty kid", `{"alg":"dir","enc":"A256CBC-HS512","kid":""}`, false},
		{"numeric kid", `{"alg":"dir","enc":"A256CBC-HS512","kid":1}`, false},
		{"A256GCM", `{"alg":"dir","enc":"A256GCM"}`, false},
		{"A128CBC-HS256", `{"alg":"dir","enc":"A128CBC-HS256"}`, false},
		{"alg A256KW", `{"alg":"A256KW","enc":"A256CBC-HS512"}`, false},
		{"no alg", `{"enc":"A256CBC-HS512"}`, false},
		{"zip", `{"alg":"dir","enc":"A256CBC-HS512","zip":"DEF"}`, false},
		{"crit", `{"alg":"dir","enc":"A256CBC-HS512","crit":["exp"],"exp":1}`, false},
		{"duplicate alg", `{"alg":"dir","alg":"dir","enc":"A256CBC-HS512"}`, false},
		{"not an object", `["dir"]`, false},
		{"trailing garbage", `{"alg":"dir","enc":"A256CBC-HS512"}x`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ab.Decode(reseal(tc.header), now)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				samePayload(t, got, p)
			} else if !errors.Is(err, ErrInvalid) {
				t.Errorf("got %v, want ErrInvalid", err)
			}
		})
	}
}
