package cache

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"
)

// benchVector returns the rememberMe session_data of a vector file.
func benchVector(b *testing.B, file string) vectorCase {
	for _, c := range vectorCases(b) {
		if c.name == file+"/rememberMe" {
			return c
		}
	}
	b.Fatalf("no vector %s", file)
	return vectorCase{}
}

// floorPayload is the compact cookie's JSON as a plain encoding/json
// struct.
type floorPayload struct {
	Session struct {
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
	} `json:"session"`
	ExpiresAt int64  `json:"expiresAt"`
	Signature string `json:"signature"`
}

// BenchmarkFloor is the reference a compact cache hit is measured against:
// base64url decode, one HMAC-SHA256 over the decoded bytes, encoding/json
// into a struct. It checks nothing.
func BenchmarkFloor(b *testing.B) {
	for _, file := range []string{"compact", "compact-chunked"} {
		b.Run(file, func(b *testing.B) {
			c := benchVector(b, file)
			b.ReportAllocs()
			b.SetBytes(int64(len(c.value)))
			for b.Loop() {
				raw, err := base64.RawURLEncoding.DecodeString(c.value)
				if err != nil {
					b.Fatal(err)
				}
				m := hmac.New(sha256.New, c.secret)
				m.Write(raw)
				_ = m.Sum(nil)
				var p floorPayload
				if err := json.Unmarshal(raw, &p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchDecode(b *testing.B, files ...string) {
	for _, file := range files {
		b.Run(file, func(b *testing.B) {
			c := benchVector(b, file)
			codec := codecFor(b, c.file.Config.Strategy, c.secret)
			b.ReportAllocs()
			b.SetBytes(int64(len(c.value)))
			for b.Loop() {
				if _, err := codec.Decode(c.value, c.now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCompactDecode(b *testing.B) { benchDecode(b, "compact", "compact-chunked") }
func BenchmarkJWTDecode(b *testing.B)     { benchDecode(b, "jwt") }
func BenchmarkJWEDecode(b *testing.B)     { benchDecode(b, "jwe") }

// BenchmarkDecodeForged measures the cost of rejecting a value with a bad
// signature, the path an attacker controls.
func BenchmarkDecodeForged(b *testing.B) {
	for _, file := range []string{"compact", "jwt", "jwe"} {
		b.Run(file, func(b *testing.B) {
			c := benchVector(b, file)
			codec := codecFor(b, c.file.Config.Strategy, []byte("wrong-secret-0123456789abcdefghijklmnop"))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := codec.Decode(c.value, c.now); err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	p := samplePayload()
	for _, codec := range allCodecs(secretA) {
		b.Run(codec.Strategy(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := codec.Encode(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
