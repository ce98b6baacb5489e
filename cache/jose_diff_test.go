package cache

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// The fuzz targets in this file hold the hand-written JWT and JWE codecs to
// go-jose, a reference implementation, on the same key: whatever go-jose
// accepts sessionkit accepts, and the other way round, except for what
// sessionkit refuses on purpose (restriction below). Expiry is not compared:
// go-jose's validation is a separate step with its own leeway rules, and
// sessionkit's (no tolerance for jwt, expired at exp itself) is tested on its
// own; an expired or not-yet-valid token counts as accepted here.
//
// Run them with a short minimizing budget, or the default (60 s) spends the
// run minimizing its first finds:
//
//	go test -run '^$' -fuzz '^FuzzJWEGoJOSE$' -fuzztime 60s -fuzzminimizetime 2s ./cache/

// restriction reports whether err is a refusal sessionkit makes on purpose
// where go-jose, which checks only the JOSE layer, accepts: the claims fail
// Better Auth's schema (or the stricter JSON reading: duplicate members,
// invalid UTF-8, depth), exp is missing, the header carries something
// Better Auth never writes (crit, zip, kid of another key, replicated
// claims), or the value is longer than a cookie can be.
func restriction(err error) bool {
	for _, e := range []error{
		errShape, errDate, errNumber, errSyntax, errDepth, errUTF8, errDuplicate,
		errExpNotSet, errHeader, errUnknownKid, errTooLong,
	} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// jsAlphabet reports whether value uses the standard base64 alphabet, which
// Better Auth's decoders (Node's Buffer) accept and go-jose does not.
func jsAlphabet(value string) bool { return strings.ContainsAny(value, "+/") }

type joseDiff struct {
	codec  Codec
	now    time.Time
	verify func(token string, out ...any) error // go-jose
	mint   func(claims []byte) (string, error)  // go-jose
}

func (d *joseDiff) check(t *testing.T, token string) {
	p, err := d.codec.Decode(token, d.now)
	skOK := err == nil || errors.Is(err, ErrExpired) || errors.Is(err, errNotYet)
	var claims struct {
		Session struct {
			Token any `json:"token"`
		} `json:"session"`
	}
	gjErr := d.verify(token, &claims)
	switch {
	case skOK && gjErr != nil:
		if jsAlphabet(token) {
			return
		}
		t.Fatalf("sessionkit accepts (%v) what go-jose refuses (%v): %q", err, gjErr, token)
	case !skOK && gjErr == nil && !restriction(err):
		t.Fatalf("go-jose accepts what sessionkit refuses (%v): %q", err, token)
	case err == nil && claims.Session.Token != p.Session.Token:
		t.Fatalf("session token: sessionkit %q, go-jose %v", p.Session.Token, claims.Session.Token)
	}
}

// seeds adds the vectors' tokens of file and go-jose's mint of their claims.
func (d *joseDiff) seeds(f *testing.F, file string) {
	for _, c := range vectorCases(f) {
		if !strings.HasPrefix(c.name, file+"/") {
			continue
		}
		var raw json.RawMessage
		if err := d.verify(c.value, &raw); err != nil {
			f.Fatalf("%s: go-jose refuses the vector: %v", c.name, err)
		}
		minted, err := d.mint(raw)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(c.value, []byte(raw))
		f.Add(minted, []byte(raw))
	}
}

func newJWTDiff(f testing.TB) *joseDiff {
	v := loadVector(f, "jwt")
	key := []byte(v.Config.Secret)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: key}, nil)
	if err != nil {
		f.Fatal(err)
	}
	return &joseDiff{
		codec: NewJWT(key),
		now:   time.UnixMilli(v.Meta.GeneratedAtMs),
		verify: func(token string, out ...any) error {
			tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.HS256})
			if err != nil {
				return err
			}
			return tok.Claims(key, out...)
		},
		mint: func(claims []byte) (string, error) {
			obj, err := signer.Sign(claims)
			if err != nil {
				return "", err
			}
			return obj.CompactSerialize()
		},
	}
}

func newJWEDiff(f testing.TB) *joseDiff {
	v := loadVector(f, "jwe")
	secret := []byte(v.Config.Secret)
	key := deriveJWEKey(secret)
	enc, err := jose.NewEncrypter(jose.A256CBC_HS512,
		jose.Recipient{Algorithm: jose.DIRECT, Key: key, KeyID: jwkThumbprint(key)}, nil)
	if err != nil {
		f.Fatal(err)
	}
	return &joseDiff{
		codec: NewJWE(secret),
		now:   time.UnixMilli(v.Meta.GeneratedAtMs),
		verify: func(token string, out ...any) error {
			tok, err := jwt.ParseEncrypted(token, []jose.KeyAlgorithm{jose.DIRECT}, []jose.ContentEncryption{jose.A256CBC_HS512})
			if err != nil {
				return err
			}
			return tok.Claims(key, out...)
		},
		mint: func(claims []byte) (string, error) {
			obj, err := enc.Encrypt(claims)
			if err != nil {
				return "", err
			}
			return obj.CompactSerialize()
		},
	}
}

// FuzzJWTGoJOSE checks each token the fuzzer makes, and go-jose's signature
// over each claims text it makes, against go-jose.
func FuzzJWTGoJOSE(f *testing.F) {
	d := newJWTDiff(f)
	d.seeds(f, "jwt")
	f.Fuzz(func(t *testing.T, token string, claims []byte) {
		d.check(t, token)
		if minted, err := d.mint(claims); err == nil {
			d.check(t, minted)
		}
	})
}

// FuzzJWEGoJOSE checks each token the fuzzer makes, and go-jose's
// encryption of each plaintext it makes, against go-jose.
func FuzzJWEGoJOSE(f *testing.F) {
	d := newJWEDiff(f)
	d.seeds(f, "jwe")
	f.Fuzz(func(t *testing.T, token string, claims []byte) {
		d.check(t, token)
		if minted, err := d.mint(claims); err == nil {
			d.check(t, minted)
		}
	})
}

// goJOSEClaims is P with the JWT claims, as encoding/json reads it: what a
// go-jose decoder would fill (without Better Auth's schema checks).
type goJOSEClaims struct {
	Session struct {
		ExpiresAt time.Time `json:"expiresAt"`
		Token     string    `json:"token"`
		CreatedAt time.Time `json:"createdAt"`
		UpdatedAt time.Time `json:"updatedAt"`
		IPAddress *string   `json:"ipAddress"`
		UserAgent *string   `json:"userAgent"`
		UserID    string    `json:"userId"`
		ID        string    `json:"id"`
	} `json:"session"`
	User struct {
		Name          string    `json:"name"`
		Email         string    `json:"email"`
		EmailVerified bool      `json:"emailVerified"`
		Image         *string   `json:"image"`
		CreatedAt     time.Time `json:"createdAt"`
		UpdatedAt     time.Time `json:"updatedAt"`
		ID            string    `json:"id"`
	} `json:"user"`
	UpdatedAt int64  `json:"updatedAt"`
	Version   string `json:"version"`
}

// BenchmarkGoJOSEDecode is a jwt or jwe cache hit done with go-jose, beside
// BenchmarkJWTDecode and BenchmarkJWEDecode: parse, verify or decrypt, the
// claims into goJOSEClaims and jwt.Claims, exp and nbf checked. It is the
// measure behind ARCHITECTURE.md's "What is hand-written and why".
func BenchmarkGoJOSEDecode(b *testing.B) {
	for _, file := range []string{"jwt", "jwe"} {
		b.Run(file, func(b *testing.B) {
			c := benchVector(b, file)
			d := newJWTDiff(b)
			if file == "jwe" {
				d = newJWEDiff(b)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(c.value)))
			for b.Loop() {
				var std jwt.Claims
				var p goJOSEClaims
				if err := d.verify(c.value, &std, &p); err != nil {
					b.Fatal(err)
				}
				if err := std.ValidateWithLeeway(jwt.Expected{Time: c.now}, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
