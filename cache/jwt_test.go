package cache

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"hash"
	"strings"
	"testing"
	"time"
)

// signJWTRaw signs header and claims JSON as a compact JWS.
func signJWTRaw(h func() hash.Hash, secret []byte, header, claims string) string {
	in := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(claims))
	m := hmac.New(h, secret)
	m.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func TestJWTDecode(t *testing.T) {
	t.Parallel()
	now := testNow
	exp := now.Unix() + 300
	claims := func(extra string) string {
		return validP[:len(validP)-1] + extra + `}`
	}
	withExp := claims(`,"iat":1795817414,"exp":` + itoa64(exp))
	tests := []struct {
		name   string
		value  string
		want   error
		atTime time.Time
	}{
		{"as minted", signJWTRaw(sha256.New, secretA, `{"alg":"HS256"}`, withExp), nil, now},
		{"typ JWT accepted", signJWTRaw(sha256.New, secretA, `{"alg":"HS256","typ":"JWT"}`, withExp), nil, now},
		{"kid ignored", signJWTRaw(sha256.New, secretA, `{"kid":"x","alg":"HS256"}`, withExp), nil, now},
		{"alg none", signJWTRaw(sha256.New, secretA, `{"alg":"none"}`, withExp), ErrInvalid, now},
		{"alg none unsigned", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + base64.RawURLEncoding.EncodeToString([]byte(withExp)) + ".", ErrInvalid, now},
		{"alg HS512", signJWTRaw(sha512.New, secretA, `{"alg":"HS512"}`, withExp), ErrInvalid, now},
		{"alg hs256", signJWTRaw(sha256.New, secretA, `{"alg":"hs256"}`, withExp), ErrInvalid, now},
		{"no alg", signJWTRaw(sha256.New, secretA, `{}`, withExp), ErrInvalid, now},
		{"crit", signJWTRaw(sha256.New, secretA, `{"alg":"HS256","crit":["b64"],"b64":false}`, withExp), ErrInvalid, now},
		{"header not JSON", signJWTRaw(sha256.New, secretA, `{"alg":"HS256"`, withExp), ErrInvalid, now},
		{"no exp", signJWTRaw(sha256.New, secretA, `{"alg":"HS256"}`, claims(`,"iat":1`)), ErrInvalid, now},
		{"exp string", signJWTRaw(sha256.New, secretA, `{"alg":"HS256"}`, claims(`,"exp":"9999999999"`)), ErrInvalid, now},
		{"iat string", signJWTRaw(sha256.New, secretA, `{"alg":"HS256"}`, claims(`,"iat":"1","exp":`+itoa64(exp))), ErrInvalid, now},
		{"nbf future", signJWTRaw(sha256.New, secretA, `{"alg":"HS256"}`, claims(`,"nbf":`+itoa64(now.Unix()+1)+`,"exp":`+itoa64(exp))), ErrInvalid, now},
		{"nbf now", signJWTRaw(sha256.New, secretA, `{"alg":"HS256"}`, claims(`,"nbf":`+itoa64(now.Unix())+`,"exp":`+itoa64(exp))), nil, now},
		{"claims not an object", signJWTRaw(sha256.New, secretA, `{"alg":"HS256"}`, `[1]`), ErrInvalid, now},
		{"claims trailing data", signJWTRaw(sha256.New, secretA, `{"alg":"HS256"}`, withExp+` x`), ErrInvalid, now},
		{"exp one second left", signJWTRaw(sha256.New, secretA, `{"alg":"HS256"}`, withExp), nil, time.Unix(exp-1, 999e6)},
		{"exp reached", signJWTRaw(sha256.New, secretA, `{"alg":"HS256"}`, withExp), ErrExpired, time.Unix(exp, 0)},
		{"other secret", signJWTRaw(sha256.New, secretB, `{"alg":"HS256"}`, withExp), ErrInvalid, now},
		{"four segments", signJWTRaw(sha256.New, secretA, `{"alg":"HS256"}`, withExp) + ".x", ErrInvalid, now},
		{"two segments", "eyJhbGciOiJIUzI1NiJ9.e30", ErrInvalid, now},
	}
	c := NewJWT(secretA)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.Decode(tt.value, tt.atTime)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				wantTime(t, got.ExpiresAt, time.Unix(exp, 0))
				return
			}
			if !errors.Is(err, tt.want) || got != nil {
				t.Fatalf("Decode = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestJWTClaimOrder checks the claims Encode writes.
func TestJWTClaimOrder(t *testing.T) {
	t.Parallel()
	p := samplePayload()
	v, err := NewJWT(secretA).Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	seg := strings.Split(v, ".")
	if seg[0] != "eyJhbGciOiJIUzI1NiJ9" {
		t.Errorf("header %s, want {\"alg\":\"HS256\"}", seg[0])
	}
	claims, _ := base64.RawURLEncoding.DecodeString(seg[1])
	want := `,"updatedAt":` + itoa64(p.UpdatedAt.UnixMilli()) + `,"version":"1","iat":` + itoa64(p.UpdatedAt.Unix()) + `,"exp":` + itoa64(p.ExpiresAt.Unix()) + `}`
	if !strings.HasPrefix(string(claims), `{"session":{"expiresAt":`) || !strings.HasSuffix(string(claims), want) {
		t.Errorf("claims = %s, want …%s", claims, want)
	}
}
