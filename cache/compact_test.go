package cache

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/internal/testenv"
)

// signCompactRaw builds a compact cookie around the raw P text pJSON, signed
// the way Better Auth signs (HMAC over P with "expiresAt" appended), so
// tests can feed the payload reader any JSON behind a valid signature.
func signCompactRaw(secret []byte, pJSON string, exp int64) string {
	e := strconv.FormatInt(exp, 10)
	m := pJSON[:len(pJSON)-1] + `,"expiresAt":` + e + `}`
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(m))
	sig := base64.RawURLEncoding.EncodeToString(h.Sum(nil))
	return base64.RawURLEncoding.EncodeToString([]byte(`{"session":` + pJSON + `,"expiresAt":` + e + `,"signature":"` + sig + `"}`))
}

// compactOuter decodes a compact value's outer JSON.
func compactOuter(t *testing.T, v string) (raw []byte, outer struct {
	Session   json.RawMessage
	ExpiresAt int64
	Signature string
}) {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &outer); err != nil {
		t.Fatal(err)
	}
	return raw, outer
}

func TestAppendJSString(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`<>&'/`, `"<>&'/"`},
		{"quote\" back\\", `"quote\" back\\"`},
		{"\b\f\n\r\t", `"\b\f\n\r\t"`},
		{"\x00\x01\x0b\x1f", `"\u0000\u0001\u000b\u001f"`},
		{"\x7f", "\"\x7f\""},
		{"\u2028\u2029", "\"\u2028\u2029\""},
		{"é 😀 中", `"é 😀 中"`},
		{"\uFFFD", "\"\uFFFD\""},
		// Invalid UTF-8 becomes U+FFFD per maximal subpart (WHATWG): a
		// truncated 4-byte sequence is one, E0 80 is two, an encoded
		// surrogate (ED A0 80) is three.
		{"a\xF0\x9F\x98b\xE0\x80c\xED\xA0\x80", "\"a\uFFFDb\uFFFD\uFFFDc\uFFFD\uFFFD\uFFFD\""},
		{"\xff\xfe", "\"\uFFFD\uFFFD\""},
		{"\xC3", "\"\uFFFD\""},
		{"\xC0\xAF", "\"\uFFFD\uFFFD\""},
		{"\xF4\x90\x80\x80", "\"\uFFFD\uFFFD\uFFFD\uFFFD\""},
		{"x\xE2\x82", "\"x\uFFFD\""},
	}
	for _, tt := range tests {
		if got := string(appendJSString(nil, tt.in)); got != tt.want {
			t.Errorf("appendJSString(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// specialPayload has every string hazard of JSON.stringify in its fields.
func specialPayload() *Payload {
	p := samplePayload()
	p.User.Name = "Zoë <b>&amp;</b> \"quoted\" \\ / 😀 \u2028 \u2029 \x00\x07\b\t\n\x0b\f\r\x1b\x1f \x7f 中文"
	p.Session.UserAgent = "</script><script>alert(1)</script>"
	p.Session.IPAddress = "2001:db8::1"
	p.User.Image = "data:image/png;base64," + strings.Repeat("AAAA/+==", 800)
	p.Version = "v2 ✓"
	return p
}

// TestCompactMintBytes checks the signed M is what JSON.stringify writes:
// raw U+2028/U+2029, raw '<', '>' and '&', raw non-ASCII, short escapes.
func TestCompactMintBytes(t *testing.T) {
	t.Parallel()
	p := specialPayload()
	c := NewCompact(secretA)
	v, err := c.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	raw, outer := compactOuter(t, v)
	m := append(bytes.TrimSuffix(outer.Session, []byte("}")), `,"expiresAt":`+strconv.FormatInt(outer.ExpiresAt, 10)+`}`...)
	h := hmac.New(sha256.New, secretA)
	h.Write(m)
	if sig := base64.RawURLEncoding.EncodeToString(h.Sum(nil)); sig != outer.Signature {
		t.Fatalf("signature %s is not HMAC(M) %s", outer.Signature, sig)
	}
	for _, want := range []string{
		"\u2028", "\u2029", "<b>&amp;</b>", "</script>", "😀", "中文", "Zoë", "\x7f", "/ ",
		`\"quoted\"`, `\\`, `\u0000\u0007\b\t\n\u000b\f\r\u001b\u001f`, `"version":"v2 ✓"`,
		`"ipAddress":"2001:db8::1"`, `"emailVerified":true`, `"updatedAt":` + strconv.FormatInt(testNow.UnixMilli(), 10),
	} {
		if !bytes.Contains(m, []byte(want)) {
			t.Errorf("M lacks %q", want)
		}
	}
	for _, bad := range []string{`\u2028`, `\u2029`, `\u003c`, `\u0026`, `\/`, `\u007f`, `\u00e9`, `\ud83d`} {
		if bytes.Contains(raw, []byte(bad)) {
			t.Errorf("cookie JSON has the escape %s", bad)
		}
	}
	wantOrder := []string{`{"session":{"session":{"expiresAt":`, `,"token":`, `,"createdAt":`, `,"updatedAt":`,
		`,"ipAddress":`, `,"userAgent":`, `,"userId":`, `,"id":`, `},"user":{"name":`, `,"email":`,
		`,"emailVerified":`, `,"image":`, `,"createdAt":`, `,"updatedAt":`, `,"id":`, `},"updatedAt":`,
		`,"version":`, `},"expiresAt":`, `,"signature":"`}
	at := 0
	for _, k := range wantOrder {
		i := bytes.Index(raw[at:], []byte(k))
		if i < 0 {
			t.Fatalf("key %s missing or out of order", k)
		}
		at += i + len(k)
	}
	got, err := c.Decode(v, testNow)
	if err != nil {
		t.Fatal(err)
	}
	samePayload(t, got, p)
}

// TestCompactNode checks a Go-minted cookie against JavaScript itself when
// node is installed: Better Auth's verification re-serialises what
// JSON.parse (with its date reviver) read, so it only accepts the cookie
// if the Go JSON is exactly JavaScript's.
func TestCompactNode(t *testing.T) {
	t.Parallel()
	node := testenv.LookPath(t, "node", "install Node.js 20 (apt-get install nodejs)")
	const script = `
const crypto = require("crypto");
const re = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;
const revive = (k, v) => (typeof v === "string" && re.test(v) && !isNaN(new Date(v))) ? new Date(v) : v;
const [secret, value] = process.argv.slice(1);
const outer = JSON.parse(Buffer.from(value, "base64url").toString("utf8"), revive);
const m = JSON.stringify({ ...outer.session, expiresAt: outer.expiresAt });
const sig = crypto.createHmac("sha256", secret).update(m).digest("base64url");
process.stdout.write(JSON.stringify({ ok: sig === outer.signature, name: outer.session.user.name }));
`
	p := specialPayload()
	p.User.Name += " \xF0\x9F\x98 invalid"
	v, err := NewCompact(secretA).Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, "-e", script, string(secretA), v).Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var res struct {
		OK   bool
		Name string
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node output %q: %v", out, err)
	}
	if !res.OK {
		t.Error("JavaScript's re-serialisation does not verify the Go-minted cookie")
	}
	got, err := NewCompact(secretA).Decode(v, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if got.User.Name != res.Name {
		t.Errorf("Go reads name %q, JavaScript reads %q", got.User.Name, res.Name)
	}
}

// TestCompactInvalidUTF8 documents the choice for invalid UTF-8: Encode
// writes U+FFFD per maximal invalid subsequence, so Decode returns the
// repaired string, the one JavaScript would hold.
func TestCompactInvalidUTF8(t *testing.T) {
	t.Parallel()
	p := samplePayload()
	p.User.Name = "a\xF0\x9F\x98b\xffc"
	for _, c := range allCodecs(secretA) {
		v, err := c.Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Decode(v, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if want := "a\uFFFDb\uFFFDc"; got.User.Name != want {
			t.Errorf("%s: name = %q, want %q", c.Strategy(), got.User.Name, want)
		}
	}
	// Raw invalid UTF-8 inside the cookie's JSON is rejected, even when
	// signed: no JavaScript minter can produce it.
	v := signCompactRaw(secretA, strings.Replace(validP, `"Oracle User"`, "\"Oracle \xff\"", 1), testNow.UnixMilli()+1000)
	if _, err := NewCompact(secretA).Decode(v, testNow); !errors.Is(err, ErrInvalid) {
		t.Errorf("raw invalid UTF-8: %v, want ErrInvalid", err)
	}
}

// validP is a P as Better Auth writes it.
const validP = `{"session":{"expiresAt":"2026-12-04T22:10:14.069Z","token":"NzcxkCk0XyiM2Dt9IbatUGtm6mdIkJCC","createdAt":"2026-11-27T22:10:14.069Z","updatedAt":"2026-11-27T22:10:14.069Z","ipAddress":"","userAgent":"better-auth-oracle/mint","userId":"YeC3GaKDnzNnsf3RsTiACfQb0CXyyxRS","id":"gbgFqAbGxOkJJidHZrtXBKMZgzEOhZhr"},"user":{"name":"Oracle User","email":"oracle@example.com","emailVerified":false,"image":null,"createdAt":"2026-11-27T22:10:13.927Z","updatedAt":"2026-11-27T22:10:13.927Z","id":"YeC3GaKDnzNnsf3RsTiACfQb0CXyyxRS"},"updatedAt":1795817414072,"version":"1"}`

// TestCompactSchema checks Better Auth's zod rules behind a valid
// signature: each case edits validP and expects a decode or ErrInvalid.
func TestCompactSchema(t *testing.T) {
	t.Parallel()
	now := testNow
	exp := now.UnixMilli() + 300_000
	type edit struct{ old, new string }
	tests := []struct {
		name  string
		edits []edit
		ok    bool
		check func(t *testing.T, p *Payload)
	}{
		{name: "as minted", ok: true},
		{name: "email lower-cased", ok: true,
			edits: []edit{{`"oracle@example.com"`, `"Oracle@EXAMPLE.com"`}},
			check: func(t *testing.T, p *Payload) { wantStr(t, p.User.Email, "oracle@example.com") }},
		{name: "email special casing", ok: true,
			edits: []edit{{`"oracle@example.com"`, `"İSTANBUL ΟΔΟΣ Σ@X.GR"`}},
			check: func(t *testing.T, p *Payload) { wantStr(t, p.User.Email, "i̇stanbul οδος σ@x.gr") }},
		{name: "emailVerified defaults to false", ok: true,
			edits: []edit{{`"emailVerified":false,`, ``}},
			check: func(t *testing.T, p *Payload) { wantBool(t, p.User.EmailVerified, false) }},
		{name: "emailVerified true", ok: true,
			edits: []edit{{`"emailVerified":false`, `"emailVerified":true`}},
			check: func(t *testing.T, p *Payload) { wantBool(t, p.User.EmailVerified, true) }},
		{name: "emailVerified null", edits: []edit{{`"emailVerified":false`, `"emailVerified":null`}}},
		{name: "emailVerified string", edits: []edit{{`"emailVerified":false`, `"emailVerified":"false"`}}},
		{name: "image string", ok: true,
			edits: []edit{{`"image":null`, `"image":"https://x/y.png"`}},
			check: func(t *testing.T, p *Payload) { wantStr(t, p.User.Image, "https://x/y.png") }},
		{name: "image absent", ok: true, edits: []edit{{`"image":null,`, ``}}},
		{name: "image number", edits: []edit{{`"image":null`, `"image":5`}}},
		{name: "ipAddress null", ok: true, edits: []edit{{`"ipAddress":""`, `"ipAddress":null`}},
			check: func(t *testing.T, p *Payload) { wantStr(t, p.Session.IPAddress, "") }},
		{name: "userAgent absent", ok: true, edits: []edit{{`"userAgent":"better-auth-oracle/mint",`, ``}},
			check: func(t *testing.T, p *Payload) { wantStr(t, p.Session.UserAgent, "") }},
		{name: "userAgent false", edits: []edit{{`"userAgent":"better-auth-oracle/mint"`, `"userAgent":false`}}},
		{name: "userId number coerced", ok: true,
			edits: []edit{{`"userId":"YeC3GaKDnzNnsf3RsTiACfQb0CXyyxRS"`, `"userId":42`}},
			check: func(t *testing.T, p *Payload) { wantStr(t, p.Session.UserID, "42") }},
		{name: "userId float", edits: []edit{{`"userId":"YeC3GaKDnzNnsf3RsTiACfQb0CXyyxRS"`, `"userId":4.2`}}},
		{name: "userId null", edits: []edit{{`"userId":"YeC3GaKDnzNnsf3RsTiACfQb0CXyyxRS"`, `"userId":null`}}},
		{name: "session id missing", edits: []edit{{`"id":"gbgFqAbGxOkJJidHZrtXBKMZgzEOhZhr"`, `"x":1`}}},
		{name: "token missing", edits: []edit{{`"token":"NzcxkCk0XyiM2Dt9IbatUGtm6mdIkJCC",`, ``}}},
		{name: "token number", edits: []edit{{`"token":"NzcxkCk0XyiM2Dt9IbatUGtm6mdIkJCC"`, `"token":1`}}},
		{name: "user name missing", edits: []edit{{`"name":"Oracle User",`, ``}}},
		{name: "user email missing", edits: []edit{{`"email":"oracle@example.com",`, ``}}},
		{name: "user id missing", edits: []edit{{`,"id":"YeC3GaKDnzNnsf3RsTiACfQb0CXyyxRS"},"updatedAt"`, `},"updatedAt"`}}},
		{name: "expiresAt missing", edits: []edit{{`"expiresAt":"2026-12-04T22:10:14.069Z",`, ``}}},
		{name: "expiresAt without Z", edits: []edit{{`"2026-12-04T22:10:14.069Z"`, `"2026-12-04T22:10:14.069+00:00"`}}},
		{name: "expiresAt as number", edits: []edit{{`"2026-12-04T22:10:14.069Z"`, `1796422214069`}}},
		{name: "expiresAt invalid date", edits: []edit{{`"2026-12-04T22:10:14.069Z"`, `"2026-13-04T22:10:14.069Z"`}}},
		{name: "expiresAt seconds only", ok: true, edits: []edit{{`"2026-12-04T22:10:14.069Z"`, `"2026-12-04T22:10:14Z"`}},
			check: func(t *testing.T, p *Payload) {
				wantTime(t, p.Session.ExpiresAt, time.Date(2026, 12, 4, 22, 10, 14, 0, time.UTC))
			}},
		{name: "expiresAt microseconds truncated", ok: true, edits: []edit{{`"2026-12-04T22:10:14.069Z"`, `"2026-12-04T22:10:14.069999Z"`}},
			check: func(t *testing.T, p *Payload) {
				wantTime(t, p.Session.ExpiresAt, time.Date(2026, 12, 4, 22, 10, 14, 69e6, time.UTC))
			}},
		{name: "Feb 30 rolls over like V8", ok: true, edits: []edit{{`"2026-12-04T22:10:14.069Z"`, `"2027-02-30T00:00:00.000Z"`}},
			check: func(t *testing.T, p *Payload) {
				wantTime(t, p.Session.ExpiresAt, time.Date(2027, 3, 2, 0, 0, 0, 0, time.UTC))
			}},
		{name: "24:00 is next midnight", ok: true, edits: []edit{{`"2026-12-04T22:10:14.069Z"`, `"2026-12-04T24:00:00.000Z"`}},
			check: func(t *testing.T, p *Payload) {
				wantTime(t, p.Session.ExpiresAt, time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
			}},
		{name: "24:00:01 invalid", edits: []edit{{`"2026-12-04T22:10:14.069Z"`, `"2026-12-04T24:00:01.000Z"`}}},
		{name: "escaped date", ok: true, edits: []edit{{`"2026-12-04T22:10:14.069Z"`, `"\u0032026-12-04T22:10:14.069Z"`}}},
		{name: "createdAt defaults to now", ok: true,
			edits: []edit{{`"createdAt":"2026-11-27T22:10:14.069Z",`, ``}},
			check: func(t *testing.T, p *Payload) { wantTime(t, p.Session.CreatedAt, now.Truncate(time.Millisecond)) }},
		{name: "user updatedAt defaults to now", ok: true,
			edits: []edit{{`"updatedAt":"2026-11-27T22:10:13.927Z",`, ``}},
			check: func(t *testing.T, p *Payload) { wantTime(t, p.User.UpdatedAt, now.Truncate(time.Millisecond)) }},
		{name: "createdAt null", edits: []edit{{`"createdAt":"2026-11-27T22:10:14.069Z"`, `"createdAt":null`}}},
		{name: "name that revives as a date", edits: []edit{{`"Oracle User"`, `"2026-01-01T00:00:00Z"`}}},
		{name: "name that looks like a bad date", ok: true, edits: []edit{{`"Oracle User"`, `"2026-13-01T00:00:00Z"`}}},
		{name: "updatedAt missing", edits: []edit{{`,"updatedAt":1795817414072`, ``}}},
		{name: "updatedAt string", edits: []edit{{`"updatedAt":1795817414072`, `"updatedAt":"1795817414072"`}}},
		{name: "updatedAt fractional", ok: true, edits: []edit{{`"updatedAt":1795817414072`, `"updatedAt":1795817414072.5`}},
			check: func(t *testing.T, p *Payload) {
				wantTime(t, p.UpdatedAt, time.UnixMilli(1795817414072).Add(500*time.Microsecond))
			}},
		{name: "updatedAt exponent", ok: true, edits: []edit{{`"updatedAt":1795817414072`, `"updatedAt":1.795817414072e12`}}},
		{name: "updatedAt infinite", edits: []edit{{`"updatedAt":1795817414072`, `"updatedAt":1e400`}}},
		{name: "version absent", ok: true, edits: []edit{{`,"version":"1"`, ``}},
			check: func(t *testing.T, p *Payload) { wantStr(t, p.Version, "") }},
		{name: "version null", edits: []edit{{`"version":"1"`, `"version":null`}}},
		{name: "version number", edits: []edit{{`"version":"1"`, `"version":1`}}},
		{name: "P expiresAt", edits: []edit{{`,"version":"1"`, `,"version":"1","expiresAt":5`}}},
		{name: "extra members skipped", ok: true, edits: []edit{
			{`"id":"gbgFqAbGxOkJJidHZrtXBKMZgzEOhZhr"`, `"id":"gbgFqAbGxOkJJidHZrtXBKMZgzEOhZhr","impersonatedBy":null,"x":{"a":[1,2,{"b":"\u00e9"}],"c":-0.5e+3}`},
			{`"version":"1"`, `"version":"1","plugin":[true,false,null]`}}},
		{name: "escapes in strings", ok: true,
			edits: []edit{{`"Oracle User"`, `"O\u0072acle\t\"User\" \ud83d\ude00 \/ \\"`}},
			check: func(t *testing.T, p *Payload) { wantStr(t, p.User.Name, "Oracle\t\"User\" 😀 / \\") }},
		{name: "lone surrogate escape", ok: true,
			edits: []edit{{`"Oracle User"`, `"a\ud800b\udc00"`}},
			check: func(t *testing.T, p *Payload) { wantStr(t, p.User.Name, "a\uFFFDb\uFFFD") }},
		{name: "escaped key", ok: true, edits: []edit{{`"token":`, `"\u0074oken":`}}},
		{name: "white space", ok: true, edits: []edit{{`"user":{`, "\"user\" :\r\n\t {"}, {`"version":"1"}`, `"version":"1" }`}}},
		{name: "duplicate token", edits: []edit{{`"token":"NzcxkCk0XyiM2Dt9IbatUGtm6mdIkJCC",`, `"token":"a","token":"NzcxkCk0XyiM2Dt9IbatUGtm6mdIkJCC",`}}},
		{name: "duplicate user", edits: []edit{{`,"updatedAt":1795817414072`, `,"user":{},"updatedAt":1795817414072`}}},
		{name: "bad escape", edits: []edit{{`"Oracle User"`, `"Oracle \x"`}}},
		{name: "raw control char", edits: []edit{{`"Oracle User"`, "\"Oracle\nUser\""}}},
		{name: "trailing comma", edits: []edit{{`"version":"1"}`, `"version":"1",}`}}},
		{name: "bad literal", edits: []edit{{`"image":null`, `"image":nul`}}},
		{name: "leading zero", edits: []edit{{`"version":"1"`, `"version":"1","n":01`}}},
		{name: "deep nesting", edits: []edit{{`"version":"1"`, `"version":"1","n":` + strings.Repeat("[", 200) + strings.Repeat("]", 200)}}},
		{name: "nesting within limit", ok: true, edits: []edit{{`"version":"1"`, `"version":"1","n":` + strings.Repeat("[", 100) + strings.Repeat("]", 100)}}},
		{name: "session not an object", edits: []edit{{`{"session":{"expiresAt"`, `{"session":[],"s":{"expiresAt"`}}},
	}
	c := NewCompact(secretA)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pj := validP
			for _, e := range tt.edits {
				if !strings.Contains(pj, e.old) {
					t.Fatalf("edit %q does not apply", e.old)
				}
				pj = strings.Replace(pj, e.old, e.new, 1)
			}
			got, err := c.Decode(signCompactRaw(secretA, pj, exp), now)
			if !tt.ok {
				if !errors.Is(err, ErrInvalid) || got != nil {
					t.Fatalf("Decode = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

func wantStr(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func wantBool(t *testing.T, got, want bool) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

func wantTime(t *testing.T, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("got %s, want %s", got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
	}
}

// TestCompactEnvelope checks the outer {"session","expiresAt","signature"}
// handling: alphabets, padding, the expiry boundary, odd members.
func TestCompactEnvelope(t *testing.T) {
	t.Parallel()
	c := NewCompact(secretA)
	now := testNow
	e := now.UnixMilli() + 1
	good := signCompactRaw(secretA, validP, e)
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	envelope := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	h := hmac.New(sha256.New, secretA)
	h.Write([]byte(validP[:len(validP)-1] + `,"expiresAt":` + strconv.FormatInt(e, 10) + `}`))
	sum := h.Sum(nil)
	sigURL := base64.RawURLEncoding.EncodeToString(sum)
	sigStd := base64.StdEncoding.EncodeToString(sum)
	es := strconv.FormatInt(e, 10)
	tests := []struct {
		name  string
		value string
		want  error // nil, ErrInvalid or ErrExpired
		now   time.Time
	}{
		{"url alphabet", good, nil, now},
		{"std alphabet with padding", base64.StdEncoding.EncodeToString(raw), nil, now},
		{"garbage after '='", base64.StdEncoding.EncodeToString(raw) + "=garbage!", nil, now},
		{"std signature with padding", envelope(`{"session":` + validP + `,"expiresAt":` + es + `,"signature":"` + sigStd + `"}`), nil, now},
		{"members reordered", envelope(`{"signature":"` + sigURL + `","expiresAt":` + es + `,"session":` + validP + `}`), nil, now},
		{"extra member", envelope(`{"session":` + validP + `,"x":[1],"expiresAt":` + es + `,"signature":"` + sigURL + `"}`), nil, now},
		{"at expiresAt - 1ms", good, nil, time.UnixMilli(e - 1).Add(999 * time.Microsecond)},
		{"at expiresAt", good, ErrExpired, time.UnixMilli(e)},
		{"after expiresAt", good, ErrExpired, time.UnixMilli(e + 1)},
		{"expiresAt as string", envelope(`{"session":` + validP + `,"expiresAt":"` + es + `","signature":"` + sigURL + `"}`), ErrInvalid, now},
		{"expiresAt non-canonical", envelope(`{"session":` + validP + `,"expiresAt":` + es + `.0,"signature":"` + sigURL + `"}`), ErrInvalid, now},
		{"signature missing", envelope(`{"session":` + validP + `,"expiresAt":` + es + `}`), ErrInvalid, now},
		{"signature short", envelope(`{"session":` + validP + `,"expiresAt":` + es + `,"signature":"` + sigURL[:42] + `"}`), ErrInvalid, now},
		{"signature number", envelope(`{"session":` + validP + `,"expiresAt":` + es + `,"signature":1}`), ErrInvalid, now},
		{"duplicate session", envelope(`{"session":` + validP + `,"session":` + validP + `,"expiresAt":` + es + `,"signature":"` + sigURL + `"}`), ErrInvalid, now},
		{"trailing data", envelope(`{"session":` + validP + `,"expiresAt":` + es + `,"signature":"` + sigURL + `"}x`), ErrInvalid, now},
		{"top-level array", envelope(`[` + validP + `]`), ErrInvalid, now},
		{"lone base64 char", good + "A", ErrInvalid, now},
		{"white space in base64", good[:10] + " " + good[10:], ErrInvalid, now},
		{"newline in base64", good[:8] + "\n" + good[8:], ErrInvalid, now},
		{"too long", good + strings.Repeat("A", MaxValueLen), ErrInvalid, now},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.Decode(tt.value, tt.now)
			switch {
			case tt.want == nil && err != nil:
				t.Fatalf("Decode: %v", err)
			case tt.want != nil && (!errors.Is(err, tt.want) || got != nil):
				t.Fatalf("Decode = %v, want %v", err, tt.want)
			case tt.want == nil:
				wantTime(t, got.ExpiresAt, time.UnixMilli(e))
			}
		})
	}
}
