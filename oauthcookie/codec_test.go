package oauthcookie

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

var (
	secretA = []byte("test-secret-A-0123456789abcdefghijklmnop")
	secretB = []byte("test-secret-B-0123456789abcdefghijklmnop")
)

func sampleState(now time.Time) *State {
	return &State{
		CallbackURL:   "https://app.example.com/dashboard?x=<1>&y=\u2028",
		CodeVerifier:  strings.Repeat("v", 128),
		ErrorURL:      "/error",
		NewUserURL:    "/welcome",
		ExpiresAt:     now.Add(StateLifetime).Truncate(time.Millisecond).UTC(),
		Link:          &Link{Email: "ada@example.com", UserID: "u1"},
		RequestSignUp: true,
		IDTokenNonce:  "nonce",
		ServerContext: json.RawMessage(`{"tenant":"acme"}`),
		Extra:         map[string]json.RawMessage{"fromApp": json.RawMessage(`[1,"two"]`)},
	}
}

func sampleAccount(now time.Time) *Account {
	return &Account{
		Account: store.Account{
			ID: "acc1", AccountID: "1234", ProviderID: "github", UserID: "u1",
			AccessToken: "at", RefreshToken: "rt", IDToken: "id.token.x", Scope: "read:user",
			AccessTokenExpiresAt: now.Add(time.Hour).Truncate(time.Millisecond).UTC(),
			CreatedAt:            now.Truncate(time.Millisecond).UTC(),
			UpdatedAt:            now.Truncate(time.Millisecond).UTC(),
		},
		Extra: map[string]json.RawMessage{"tenant": json.RawMessage(`"acme"`)},
	}
}

func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	now := time.Now()
	c := NewStateCodec(secretA)
	st := sampleState(now)
	v, err := c.Encode(st)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.OAuthState) != 32 {
		t.Fatalf("OAuthState %q: want 32 characters", st.OAuthState)
	}
	got, err := c.Open(v, st.OAuthState, now)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, st) {
		t.Errorf("round trip\n got %+v\nwant %+v", got, st)
	}
	// An old secret still opens it.
	if _, err := NewStateCodec(secretB, secretA).Open(v, st.OAuthState, now); err != nil {
		t.Errorf("with the secret second: %v", err)
	}
	tests := []struct {
		name  string
		codec *StateCodec
		value string
		param string
		now   time.Time
		want  error
	}{
		{"other secret", NewStateCodec(secretB), v, st.OAuthState, now, ErrInvalid},
		{"wrong state", c, v, st.OAuthState[:31] + "!", now, ErrStateMismatch},
		{"empty state", c, v, "", now, ErrStateMismatch},
		{"expired", c, v, st.OAuthState, st.ExpiresAt.Add(time.Millisecond), ErrExpired},
		{"last millisecond", c, v, st.OAuthState, st.ExpiresAt, nil},
		{"too long", c, v + strings.Repeat("0", MaxStateLen), st.OAuthState, now, ErrInvalid},
		{"odd hex", c, v[:len(v)-1], st.OAuthState, now, ErrInvalid},
		{"short", c, "00", st.OAuthState, now, ErrInvalid},
		{"envelope", c, "$ba$1$" + v, st.OAuthState, now, ErrInvalid},
		{"uppercase hex", c, strings.ToUpper(v), st.OAuthState, now, nil},
	}
	for _, tt := range tests {
		_, err := tt.codec.Open(tt.value, tt.param, tt.now)
		if (tt.want == nil) != (err == nil) || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.want)
		}
	}
	raw, _ := hex.DecodeString(v)
	for i := range raw {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x80
		if _, err := c.Decode(hex.EncodeToString(b)); !errors.Is(err, ErrInvalid) {
			t.Fatalf("flipped byte %d: %v", i, err)
		}
	}
}

// TestStateShape refuses plaintexts Better Auth's schema refuses.
func TestStateShape(t *testing.T) {
	t.Parallel()
	good := `"callbackURL":"/","codeVerifier":"v","expiresAt":1`
	tests := []struct {
		name, json string
		ok         bool
	}{
		{"minimal", `{` + good + `}`, true},
		{"no callbackURL", `{"codeVerifier":"v","expiresAt":1}`, false},
		{"no codeVerifier", `{"callbackURL":"/","expiresAt":1}`, false},
		{"no expiresAt", `{"callbackURL":"/","codeVerifier":"v"}`, false},
		{"string expiresAt", `{"callbackURL":"/","codeVerifier":"v","expiresAt":"1"}`, false},
		{"null errorURL", `{` + good + `,"errorURL":null}`, false},
		{"number oauthState", `{` + good + `,"oauthState":1}`, false},
		{"string requestSignUp", `{` + good + `,"requestSignUp":"true"}`, false},
		{"link without email", `{` + good + `,"link":{"userId":"u"}}`, false},
		{"link with numeric userId", `{` + good + `,"link":{"email":"e","userId":12}}`, true},
		{"serverContext array", `{` + good + `,"serverContext":[]}`, false},
		{"array", `[]`, false},
		{"huge expiresAt", `{"callbackURL":"/","codeVerifier":"v","expiresAt":1e300}`, false},
	}
	for _, tt := range tests {
		err := (&State{}).unmarshal([]byte(tt.json))
		if (err == nil) != tt.ok || err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	if _, err := NewStateCodec(secretA).Encode(&State{CallbackURL: "/"}); err == nil {
		t.Error("Encode without CodeVerifier succeeded")
	}
}

func TestAccountRoundTrip(t *testing.T) {
	t.Parallel()
	now := time.Now()
	c := NewAccountCodec(secretA)
	a := sampleAccount(now)
	v, err := c.Encode(a, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	got, exp, err := c.Decode(v, now)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, a) {
		t.Errorf("round trip\n got %+v\nwant %+v", got, a)
	}
	if exp.Unix() != now.Add(time.Hour).Unix() {
		t.Errorf("exp %v", exp)
	}
	if _, _, err := c.Decode(v, exp); !errors.Is(err, ErrExpired) {
		t.Errorf("at exp: %v", err)
	}
	if _, _, err := NewAccountCodec(secretB).Decode(v, now); !errors.Is(err, ErrInvalid) {
		t.Errorf("other secret: %v", err)
	}
	// The session cache's salt is another key: a session_data value is not
	// an account.
	if _, _, err := NewAccountCodec(secretA).Decode(strings.Replace(v, "a", "b", 1), now); err == nil {
		t.Error("tampered value accepted")
	}
	for _, bad := range []*Account{
		{Account: store.Account{AccountID: "1", ProviderID: "p"}},
		{Account: store.Account{AccountID: "1", UserID: "u"}},
		{Account: store.Account{ProviderID: "p", UserID: "u"}},
	} {
		if _, err := c.Encode(bad, now, time.Hour); err == nil {
			t.Errorf("Encode(%+v) succeeded", bad)
		}
	}
	if _, err := c.Encode(&Account{Account: store.Account{AccountID: "1", ProviderID: "p", UserID: "u", CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}, now, time.Hour); err == nil {
		t.Error("year 10000 encoded")
	}
}

// TestAccountShape refuses rows without the required members or with
// members of the wrong type; null optional members read as absent.
func TestAccountShape(t *testing.T) {
	t.Parallel()
	good := `"accountId":"1","providerId":"p","userId":"u"`
	tests := []struct {
		name, json string
		ok         bool
	}{
		{"minimal", `{` + good + `}`, true},
		{"nulls", `{` + good + `,"id":null,"accessToken":null,"accessTokenExpiresAt":null,"scope":null}`, true},
		{"no userId", `{"accountId":"1","providerId":"p"}`, false},
		{"empty userId", `{"accountId":"1","providerId":"p","userId":""}`, false},
		{"null userId", `{"accountId":"1","providerId":"p","userId":null}`, false},
		{"numeric token", `{` + good + `,"accessToken":5}`, false},
		{"bad date", `{` + good + `,"accessTokenExpiresAt":"tomorrow"}`, false},
		{"numeric date", `{` + good + `,"accessTokenExpiresAt":5}`, false},
	}
	for _, tt := range tests {
		err := (&Account{}).unmarshal([]byte(tt.json))
		if (err == nil) != tt.ok || err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func FuzzStateDecode(f *testing.F) {
	c := NewStateCodec(secretA)
	now := time.Unix(1_800_000_000, 0)
	known := map[string]bool{}
	for _, st := range []*State{sampleState(now), {CallbackURL: "/", CodeVerifier: "v", ExpiresAt: now}} {
		v, err := c.Encode(st)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(v)
		b, _ := st.marshal()
		known[string(b)] = true
	}
	f.Add("")
	f.Add("$ba$1$00")
	f.Fuzz(func(t *testing.T, v string) {
		st, err := c.Decode(v)
		if err != nil {
			return
		}
		// Each process seals its own seeds: compare what any seed could be.
		st.OAuthState = ""
		b, err := st.marshal()
		if err != nil {
			t.Fatalf("decoded state does not encode: %v", err)
		}
		for k := range known {
			if strings.HasPrefix(k, string(b[:len(b)-1])) {
				return
			}
		}
		t.Fatalf("Decode accepted a state no one minted: %s", b)
	})
}

func FuzzAccountDecode(f *testing.F) {
	c := NewAccountCodec(secretA)
	now := time.Unix(1_800_000_000, 0)
	a := sampleAccount(now)
	v, err := c.Encode(a, now, time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(v)
	f.Add("a..b.c.d")
	f.Fuzz(func(t *testing.T, v string) {
		got, _, err := c.Decode(v, now)
		if err == nil && !reflect.DeepEqual(got, a) {
			t.Fatalf("Decode accepted an account no one minted: %+v", got)
		}
	})
}

// FuzzStatePlaintext feeds the state parser any JSON: it must not panic, and
// whatever it accepts must encode again and read back the same.
func FuzzStatePlaintext(f *testing.F) {
	f.Add(`{"callbackURL":"/","codeVerifier":"v","expiresAt":1,"link":{"email":"e","userId":1}}`)
	f.Add(`{"accountId":"1","providerId":"p","userId":"u","accessTokenExpiresAt":"2026-01-01T00:00:00Z"}`)
	f.Fuzz(func(t *testing.T, s string) {
		var st State
		if st.unmarshal([]byte(s)) == nil {
			b, err := st.marshal()
			if err != nil {
				return // "" CallbackURL/CodeVerifier: read but not writable
			}
			var again State
			if err := again.unmarshal(b); err != nil || !reflect.DeepEqual(&again, &st) {
				t.Fatalf("state %s does not read back: %v", b, err)
			}
		}
		var a Account
		if a.unmarshal([]byte(s)) == nil {
			b, err := a.marshal()
			if err != nil {
				return // a date outside years 0000-9999
			}
			var again Account
			if err := again.unmarshal(b); err != nil {
				t.Fatalf("account %s does not read back: %v", b, err)
			}
		}
	})
}
