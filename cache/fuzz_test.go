package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fuzzKnown is the set of payloads a fuzz target may see accepted: those of
// the vectors and of freshly encoded seeds. A mutated input can't carry a
// valid signature or tag, so whatever a decoder accepts must decode to one
// of them exactly; anything else is a forgery or a parsing bug.
type fuzzKnown struct {
	codec Codec
	now   time.Time
	known []*Payload
	memo  *Memo // over codec: answers as Decode does, miss or hit
}

// newFuzzKnown seeds f with every vector value of the strategy and with
// values the codec encodes itself.
func newFuzzKnown(f *testing.F, strategy string) *fuzzKnown {
	vsecret := []byte(loadVector(f, "compact").Config.Secret)
	k := &fuzzKnown{}
	switch strategy {
	case "securecookie":
		k.codec = NewSecureCookie("better-auth.session_data", secretA, vsecret)
	default:
		k.codec = codecFor(f, strategy, secretA, vsecret)
	}
	for _, c := range vectorCases(f) {
		// One clock at which every vector and fresh value is valid: the
		// latest generatedAt (all caches last at least 60 s past it).
		if c.now.After(k.now) {
			k.now = c.now
		}
		if c.file.Config.Strategy == strategy {
			f.Add(c.value)
			k.known = append(k.known, c.want)
		}
	}
	for _, p := range []*Payload{samplePayload(), specialPayload()} {
		p.ExpiresAt = k.now.Add(time.Hour).Truncate(time.Second)
		v, err := k.codec.Encode(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(v)
		k.known = append(k.known, p)
	}
	for _, junk := range []string{"", "=", "a.b.c", "a..b.c.d", "eyJ9", "e30"} {
		f.Add(junk)
	}
	k.memo = NewMemo(k.codec)
	return k
}

// check decodes value and fails on a payload that is not a known one, or
// on a Memo answer (a miss, then a hit) that differs from Decode's.
func (k *fuzzKnown) check(t *testing.T, value string) {
	p, err := k.codec.Decode(value, k.now)
	for i := range 2 {
		var mp Payload
		merr := k.memo.DecodeInto(value, k.now, &mp)
		if errors.Is(merr, ErrInvalid) != errors.Is(err, ErrInvalid) || errors.Is(merr, ErrExpired) != errors.Is(err, ErrExpired) ||
			err == nil && (merr != nil || !equalPayload(&mp, p)) {
			t.Fatalf("Memo (call %d) = %v, %+v; Decode = %v, %+v", i, merr, mp, err, p)
		}
	}
	if err != nil {
		if p != nil {
			t.Fatalf("Decode returned a payload with error %v", err)
		}
		return
	}
	for _, want := range k.known {
		if equalPayload(p, want) {
			return
		}
	}
	t.Fatalf("Decode accepted %q as a payload no one minted: %+v", trunc(value), p)
}

func equalPayload(a, b *Payload) bool {
	return a.Session.ID == b.Session.ID && a.Session.Token == b.Session.Token &&
		a.Session.UserID == b.Session.UserID && a.Session.IPAddress == b.Session.IPAddress &&
		a.Session.UserAgent == b.Session.UserAgent &&
		a.Session.ExpiresAt.Equal(b.Session.ExpiresAt) && a.Session.CreatedAt.Equal(b.Session.CreatedAt) &&
		a.Session.UpdatedAt.Equal(b.Session.UpdatedAt) &&
		a.User.ID == b.User.ID && a.User.Name == b.User.Name && a.User.Email == b.User.Email &&
		a.User.EmailVerified == b.User.EmailVerified && a.User.Image == b.User.Image &&
		a.User.CreatedAt.Equal(b.User.CreatedAt) && a.User.UpdatedAt.Equal(b.User.UpdatedAt) &&
		a.UpdatedAt.Equal(b.UpdatedAt) && a.Version == b.Version && a.ExpiresAt.Equal(b.ExpiresAt)
}

func FuzzCompactDecode(f *testing.F) {
	k := newFuzzKnown(f, "compact")
	f.Fuzz(func(t *testing.T, value string) { k.check(t, value) })
}

func FuzzJWTDecode(f *testing.F) {
	k := newFuzzKnown(f, "jwt")
	f.Fuzz(func(t *testing.T, value string) { k.check(t, value) })
}

func FuzzJWEDecode(f *testing.F) {
	k := newFuzzKnown(f, "jwe")
	f.Fuzz(func(t *testing.T, value string) { k.check(t, value) })
}

func FuzzSecureCookieDecode(f *testing.F) {
	k := newFuzzKnown(f, "securecookie")
	f.Fuzz(func(t *testing.T, value string) { k.check(t, value) })
}

// FuzzJoin parses a Cookie header, joins session_data, compares Join with a
// plain model of Better Auth's reader, and decodes the result: a joined
// value may only decode to a payload someone minted.
func FuzzJoin(f *testing.F) {
	k := newFuzzKnown(f, "compact")
	const base = "better-auth.session_data"
	for _, c := range vectorCases(f) {
		f.Add(c.header)
	}
	f.Add(base + ".1=b; " + base + ".0=a; " + base + ".01=x; " + base + ".0=c")
	f.Add(base + "=; " + base + ".0=a; " + base + "=z")
	f.Fuzz(func(t *testing.T, header string) {
		cs, err := http.ParseCookie(header)
		if err != nil {
			return
		}
		value, present, ok := Join(cs, base)
		for _, c := range cs {
			if idx, found := strings.CutPrefix(c.Name, base+"."); found && len(idx) > 15 {
				return // past the model's range (Join then rounds like a double)
			}
		}
		mValue, mPresent, mOK := joinModel(cs, base)
		if value != mValue || ok != mOK || !slices.Equal(present, mPresent) {
			t.Fatalf("Join = %q, %q, %v; model says %q, %q, %v", trunc(value), present, ok, trunc(mValue), mPresent, mOK)
		}
		if ok {
			k.check(t, value)
		}
	})
}

// joinModel is Join written the slow, obvious way.
func joinModel(cs []*http.Cookie, base string) (string, []string, bool) {
	var present []string
	plain, seen := "", false
	last := map[int]string{} // index -> value, last wins
	names := map[int]string{}
	for _, c := range cs {
		if c.Name == base {
			if !seen {
				plain, seen = c.Value, true
			}
			continue
		}
		idx, ok := strings.CutPrefix(c.Name, base+".")
		if !ok {
			continue
		}
		n, canon := modelIndex(idx)
		if !canon {
			continue
		}
		last[n] = c.Value
		names[n] = c.Name
	}
	if seen {
		present = append(present, base)
	}
	var idxs []int
	for n := range last {
		idxs = append(idxs, n)
	}
	slices.Sort(idxs)
	var b strings.Builder
	for _, n := range idxs {
		present = append(present, names[n])
		b.WriteString(last[n])
	}
	if plain != "" {
		return plain, present, true
	}
	return b.String(), present, len(idxs) > 0
}

// modelIndex accepts "0" and decimals without a leading zero that fit in
// 15 digits (always exact in a double, so canonical in JavaScript).
func modelIndex(s string) (int, bool) {
	if s == "" || len(s) > 15 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// FuzzCompactPayload fuzzes the payload reader behind a valid signature:
// the input is P's JSON text, signed as Better Auth would sign it. Whatever
// Decode accepts must be valid JSON that encoding/json reads the same way,
// and must survive an Encode/Decode round trip unchanged.
func FuzzCompactPayload(f *testing.F) {
	f.Add(validP)
	for _, c := range vectorCases(f) {
		if c.file.Config.Strategy == "compact" {
			var d struct{ Session json.RawMessage }
			if err := json.Unmarshal(c.file.SignIn[c.variant].SessionData.Decoded, &d); err != nil {
				f.Fatal(err)
			}
			f.Add(string(d.Session))
		}
	}
	for _, p := range []*Payload{samplePayload(), specialPayload()} {
		body, err := appendPayloadBody(nil, p, nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(body) + "}")
	}
	codec := NewCompact(secretA)
	now := testNow
	f.Fuzz(func(t *testing.T, pText string) {
		if len(pText) < 2 || pText[len(pText)-1] != '}' {
			return
		}
		got, err := codec.Decode(signCompactRaw(secretA, pText, now.UnixMilli()+1), now)
		if err != nil {
			return
		}
		var doc struct {
			Session struct {
				ID, Token string
				UserID    any `json:"userId"`
				IPAddress *string
				UserAgent *string
			}
			User struct {
				ID, Name, Email string
				Image           *string
				EmailVerified   bool
			}
			Version string
		}
		dec := json.NewDecoder(strings.NewReader(pText))
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("Decode accepted JSON encoding/json rejects: %v", err)
		}
		deref := func(s *string) string {
			if s == nil {
				return ""
			}
			return *s
		}
		uid := fmt.Sprint(doc.Session.UserID)
		if n, ok := doc.Session.UserID.(float64); ok {
			uid = strconv.FormatFloat(n, 'f', -1, 64)
		}
		pairs := [][2]string{
			{got.Session.ID, doc.Session.ID}, {got.Session.Token, doc.Session.Token},
			{got.Session.UserID, uid},
			{got.Session.IPAddress, deref(doc.Session.IPAddress)}, {got.Session.UserAgent, deref(doc.Session.UserAgent)},
			{got.User.ID, doc.User.ID}, {got.User.Name, doc.User.Name},
			{got.User.Image, deref(doc.User.Image)}, {got.Version, doc.Version},
		}
		for _, p := range pairs {
			if p[0] != p[1] {
				t.Fatalf("Decode read %q where encoding/json read %q", p[0], p[1])
			}
		}
		if got.User.EmailVerified != doc.User.EmailVerified {
			t.Fatal("emailVerified differs from encoding/json")
		}
		// Non-ASCII lower-casing follows JavaScript, not strings.ToLower.
		if isASCII(doc.User.Email) && got.User.Email != strings.ToLower(doc.User.Email) {
			t.Fatalf("email %q, want %q", got.User.Email, strings.ToLower(doc.User.Email))
		}
		again, err := codec.Encode(got)
		if err != nil {
			t.Fatalf("re-encoding an accepted payload: %v", err)
		}
		back, err := codec.Decode(again, now)
		if err != nil {
			t.Fatalf("decoding a re-encoded payload: %v", err)
		}
		if !equalPayload(back, got) {
			t.Fatalf("round trip changed the payload:\n%+v\n%+v", got, back)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
