package cache

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/internal/vectors"
	"github.com/sessionkit/sessionkit/store"
)

// vectorDir is the vectors folder (internal/vectors.Dir: the committed copy,
// or $SESSIONKIT_VECTORS_DIR).
var vectorDir = vectors.Dir()

// vectorFiles are the vector sets with a cookie cache, by file name.
var vectorFiles = []string{"compact", "compact-chunked", "jwt", "jwe", "jwe-https"}

var vectorVariants = []string{"rememberMe", "noRememberMe"}

type vectorFile struct {
	Meta struct {
		GeneratedAtMs int64 `json:"generatedAtMs"`
		CookieNames   struct {
			SessionData string `json:"sessionData"`
		} `json:"cookieNames"`
	} `json:"meta"`
	Config struct {
		Secret   string `json:"secret"`
		Strategy string `json:"strategy"`
	} `json:"config"`
	SignIn map[string]struct {
		CookieHeader string `json:"cookieHeader"`
		SetCookie    []string
		SessionData  struct {
			CookieNames  []string        `json:"cookieNames"`
			Chunked      bool            `json:"chunked"`
			ChunkLengths []int           `json:"chunkLengths"`
			Value        string          `json:"value"`
			Decoded      json.RawMessage `json:"decoded"`
		} `json:"sessionData"`
	} `json:"signIn"`
}

// vectorCase is one session_data cookie of one vector file.
type vectorCase struct {
	name    string // "compact/rememberMe"
	file    *vectorFile
	variant string
	secret  []byte
	now     time.Time
	value   string   // joined value
	header  string   // Cookie header a browser sends back
	names   []string // session_data cookie names
	base    string   // session_data base name
	want    *Payload // from `decoded`, read with encoding/json
	// claims are the JWT/JWE claims as the vector gives them (iat/exp).
	iat, exp int64
}

func loadVector(t testing.TB, name string) *vectorFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorDir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &v
}

// vectorCases loads every session_data cookie of every vector file.
func vectorCases(t testing.TB) []vectorCase {
	t.Helper()
	var out []vectorCase
	for _, f := range vectorFiles {
		v := loadVector(t, f)
		for _, variant := range vectorVariants {
			si, ok := v.SignIn[variant]
			if !ok {
				t.Fatalf("%s: no signIn.%s", f, variant)
			}
			c := vectorCase{
				name:    f + "/" + variant,
				file:    v,
				variant: variant,
				secret:  []byte(v.Config.Secret),
				now:     time.UnixMilli(v.Meta.GeneratedAtMs).UTC(),
				value:   si.SessionData.Value,
				header:  si.CookieHeader,
				names:   si.SessionData.CookieNames,
				base:    v.Meta.CookieNames.SessionData,
			}
			c.want, c.iat, c.exp = expectedPayload(t, v.Config.Strategy, si.SessionData.Decoded)
			out = append(out, c)
		}
	}
	return out
}

// expectedPayload reads the vector's `decoded` member with encoding/json,
// independently of the package's own reader.
func expectedPayload(t testing.TB, strategy string, decoded json.RawMessage) (*Payload, int64, int64) {
	t.Helper()
	type jsSession struct {
		ExpiresAt, Token, CreatedAt, UpdatedAt string
		IPAddress, UserAgent                   *string
		UserID                                 string `json:"userId"`
		ID                                     string
	}
	type jsUser struct {
		Name, Email          string
		EmailVerified        bool
		Image                *string
		CreatedAt, UpdatedAt string
		ID                   string
	}
	type jsP struct {
		Session   jsSession
		User      jsUser
		UpdatedAt int64
		Version   string
		Iat, Exp  int64
	}
	var p jsP
	var expiresAt time.Time
	switch strategy {
	case "compact":
		var d struct {
			Session   jsP
			ExpiresAt int64
		}
		if err := json.Unmarshal(decoded, &d); err != nil {
			t.Fatal(err)
		}
		p, expiresAt = d.Session, time.UnixMilli(d.ExpiresAt).UTC()
	case "jwt", "jwe":
		var d struct{ Payload jsP }
		if err := json.Unmarshal(decoded, &d); err != nil {
			t.Fatal(err)
		}
		p, expiresAt = d.Payload, time.Unix(d.Payload.Exp, 0).UTC()
	default:
		t.Fatalf("strategy %q", strategy)
	}
	tm := func(s string) time.Time {
		x, err := store.ParseTime(s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	return &Payload{
		Session: store.Session{
			ID: p.Session.ID, Token: p.Session.Token, UserID: p.Session.UserID,
			ExpiresAt: tm(p.Session.ExpiresAt), CreatedAt: tm(p.Session.CreatedAt),
			UpdatedAt: tm(p.Session.UpdatedAt),
			IPAddress: deref(p.Session.IPAddress), UserAgent: deref(p.Session.UserAgent),
		},
		User: store.User{
			ID: p.User.ID, Name: p.User.Name, Email: p.User.Email,
			EmailVerified: p.User.EmailVerified, Image: deref(p.User.Image),
			CreatedAt: tm(p.User.CreatedAt), UpdatedAt: tm(p.User.UpdatedAt),
		},
		UpdatedAt: time.UnixMilli(p.UpdatedAt).UTC(),
		Version:   p.Version,
		ExpiresAt: expiresAt,
	}, p.Iat, p.Exp
}

func codecFor(t testing.TB, strategy string, secrets ...[]byte) Codec {
	switch strategy {
	case "compact":
		return NewCompact(secrets...)
	case "jwt":
		return NewJWT(secrets...)
	case "jwe":
		return NewJWE(secrets...)
	}
	t.Fatalf("strategy %q", strategy)
	return nil
}

// samePayload reports every field where got differs from want. Times must
// be equal instants, in UTC.
func samePayload(t testing.TB, got, want *Payload) {
	t.Helper()
	if got == nil {
		t.Fatal("nil payload")
	}
	str := []struct {
		field     string
		got, want string
	}{
		{"Session.ID", got.Session.ID, want.Session.ID},
		{"Session.Token", got.Session.Token, want.Session.Token},
		{"Session.UserID", got.Session.UserID, want.Session.UserID},
		{"Session.IPAddress", got.Session.IPAddress, want.Session.IPAddress},
		{"Session.UserAgent", got.Session.UserAgent, want.Session.UserAgent},
		{"User.ID", got.User.ID, want.User.ID},
		{"User.Name", got.User.Name, want.User.Name},
		{"User.Email", got.User.Email, want.User.Email},
		{"User.Image", got.User.Image, want.User.Image},
		{"Version", got.Version, want.Version},
	}
	for _, s := range str {
		if s.got != s.want {
			t.Errorf("%s = %q, want %q", s.field, trunc(s.got), trunc(s.want))
		}
	}
	if got.User.EmailVerified != want.User.EmailVerified {
		t.Errorf("User.EmailVerified = %v, want %v", got.User.EmailVerified, want.User.EmailVerified)
	}
	times := []struct {
		field     string
		got, want time.Time
	}{
		{"Session.ExpiresAt", got.Session.ExpiresAt, want.Session.ExpiresAt},
		{"Session.CreatedAt", got.Session.CreatedAt, want.Session.CreatedAt},
		{"Session.UpdatedAt", got.Session.UpdatedAt, want.Session.UpdatedAt},
		{"User.CreatedAt", got.User.CreatedAt, want.User.CreatedAt},
		{"User.UpdatedAt", got.User.UpdatedAt, want.User.UpdatedAt},
		{"UpdatedAt", got.UpdatedAt, want.UpdatedAt},
		{"ExpiresAt", got.ExpiresAt, want.ExpiresAt},
	}
	for _, tm := range times {
		if !tm.got.Equal(tm.want) {
			t.Errorf("%s = %s, want %s", tm.field, tm.got.Format(time.RFC3339Nano), tm.want.Format(time.RFC3339Nano))
		}
		if tm.got.Location() != time.UTC {
			t.Errorf("%s is in %v, want UTC", tm.field, tm.got.Location())
		}
	}
}

func trunc(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// flipB64 changes the base64 character at i to one whose value differs in
// its top bit, which every position carries, so the decoded bytes change.
func flipB64(s string, i int) string {
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	v := b64Dec[s[i]]
	if v == 0xFF {
		panic("flipB64 at a non-base64 character")
	}
	return s[:i] + string(alpha[v^0x20]) + s[i+1:]
}

// flipPositions picks base64 positions across value: start, middle, end,
// and the middle of every segment of a JOSE value.
func flipPositions(value string) []int {
	var out []int
	add := func(i int) {
		if i >= 0 && i < len(value) && value[i] != '.' && !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	add(0)
	add(1)
	add(len(value) / 3)
	add(len(value) / 2)
	add(len(value) - 2)
	add(len(value) - 1)
	start := 0
	for i := 0; i <= len(value); i++ {
		if i == len(value) || value[i] == '.' {
			if i > start {
				add((start + i) / 2)
				add(i - 1)
			}
			start = i + 1
		}
	}
	return out
}

func TestVectorsJoin(t *testing.T) {
	t.Parallel()
	for _, c := range vectorCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cookies, err := http.ParseCookie(c.header)
			if err != nil {
				t.Fatal(err)
			}
			got, present, ok := Join(cookies, c.base)
			if !ok || got != c.value {
				t.Fatalf("Join = %d bytes, ok=%v; want the vector's %d bytes", len(got), ok, len(c.value))
			}
			if !slices.Equal(present, c.names) {
				t.Errorf("present = %q, want %q", present, c.names)
			}
			// Reversed order, as in the vector's sessionDataChunksReversed
			// check, reads the same.
			slices.Reverse(cookies)
			if got, _, _ := Join(cookies, c.base); got != c.value {
				t.Error("reversed cookies joined differently")
			}
		})
	}
}

func TestVectorsDecode(t *testing.T) {
	t.Parallel()
	for _, c := range vectorCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			codec := codecFor(t, c.file.Config.Strategy, c.secret)
			got, err := codec.Decode(c.value, c.now)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			samePayload(t, got, c.want)

			// The same cookie with rotation: the vector's secret second.
			rot := codecFor(t, c.file.Config.Strategy, []byte("another-secret-0123456789abcdefghijkl"), c.secret)
			if got, err := rot.Decode(c.value, c.now); err != nil {
				t.Errorf("rotated codec: %v", err)
			} else {
				samePayload(t, got, c.want)
			}
		})
	}
}

func TestVectorsReject(t *testing.T) {
	t.Parallel()
	for _, c := range vectorCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			codec := codecFor(t, c.file.Config.Strategy, c.secret)
			wantInvalid := func(what, value string, now time.Time) {
				t.Helper()
				p, err := codec.Decode(value, now)
				if !errors.Is(err, ErrInvalid) || p != nil {
					t.Errorf("%s: Decode = %v, %v; want ErrInvalid", what, p != nil, err)
				}
			}
			other := codecFor(t, c.file.Config.Strategy, []byte("another-secret-0123456789abcdefghijkl"))
			if _, err := other.Decode(c.value, c.now); !errors.Is(err, ErrInvalid) {
				t.Errorf("other secret: %v, want ErrInvalid", err)
			}
			for _, i := range flipPositions(c.value) {
				wantInvalid("flip at "+strconv.Itoa(i), flipB64(c.value, i), c.now)
			}
			for _, n := range []int{len(c.value) - 1, len(c.value) - 4, len(c.value) / 2, 10, 1, 0} {
				wantInvalid("truncated to "+strconv.Itoa(n), c.value[:n], c.now)
			}
			wantInvalid("doubled", c.value+c.value, c.now)
			wantInvalid("with a suffix", c.value+"AAAA", c.now)
		})
	}
}

func TestVectorsExpiry(t *testing.T) {
	t.Parallel()
	for _, c := range vectorCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			codec := codecFor(t, c.file.Config.Strategy, c.secret)
			// lastValid is the last instant the value decodes; one
			// millisecond later it is expired.
			var lastValid time.Time
			switch c.file.Config.Strategy {
			case "compact": // valid while expiresAt > now (ms)
				lastValid = c.want.ExpiresAt.Add(-time.Millisecond)
			case "jwt", "jwe": // valid while exp > floor(now s), no tolerance
				lastValid = c.want.ExpiresAt.Add(-time.Millisecond)
			}
			if _, err := codec.Decode(c.value, lastValid); err != nil {
				t.Errorf("at %s: %v, want valid", lastValid.Format(time.RFC3339Nano), err)
			}
			for _, now := range []time.Time{lastValid.Add(time.Millisecond), lastValid.Add(time.Hour)} {
				p, err := codec.Decode(c.value, now)
				if !errors.Is(err, ErrExpired) || errors.Is(err, ErrInvalid) || p != nil {
					t.Errorf("at %s: %v, want ErrExpired", now.Format(time.RFC3339Nano), err)
				}
			}
		})
	}
}

// TestVectorsMint mints each vector's payload and expects the vector's
// cookie value byte for byte: the JSON is exactly JavaScript's.
func TestVectorsMint(t *testing.T) {
	t.Parallel()
	for _, c := range vectorCases(t) {
		if c.file.Config.Strategy == "jwe" {
			continue // a random IV and jti: TestJWEMintVector seals with the vector's
		}
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			switch c.file.Config.Strategy {
			case "jwt":
				// Encode takes iat from UpdatedAt; jose took it from its
				// own clock read, a few ms later.
				if c.iat != c.want.UpdatedAt.Unix() {
					t.Skipf("iat %d was read in the next second after updatedAt %d", c.iat, c.want.UpdatedAt.UnixMilli())
				}
			}
			codec := codecFor(t, c.file.Config.Strategy, c.secret)
			got, err := codec.Encode(c.want)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.value {
				t.Errorf("Encode differs from Better Auth's value\n got: %s\nwant: %s", trunc(got), trunc(c.value))
				for i := range min(len(got), len(c.value)) {
					if got[i] != c.value[i] {
						t.Errorf("first difference at byte %d of %d/%d", i, len(got), len(c.value))
						break
					}
				}
			}
		})
	}
}

// TestVectorsChunkSize checks ChunkSize against the chunk lengths Better
// Auth wrote for the chunked vector.
func TestVectorsChunkSize(t *testing.T) {
	t.Parallel()
	v := loadVector(t, "compact-chunked")
	for _, variant := range vectorVariants {
		t.Run(variant, func(t *testing.T) {
			si := v.SignIn[variant]
			attrs := &http.Cookie{Name: v.Meta.CookieNames.SessionData, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode}
			if variant == "rememberMe" {
				attrs.MaxAge = 300
			}
			size := ChunkSize(attrs)
			if want := si.SessionData.ChunkLengths[0]; size != want {
				t.Fatalf("ChunkSize = %d, want %d", size, want)
			}
			chunks, err := Split(si.SessionData.Value, size)
			if err != nil {
				t.Fatal(err)
			}
			var lens []int
			for _, ch := range chunks {
				lens = append(lens, len(ch))
			}
			if !slices.Equal(lens, si.SessionData.ChunkLengths) {
				t.Errorf("Split lengths = %v, want %v", lens, si.SessionData.ChunkLengths)
			}
		})
	}
}
