package store_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/internal/vectors"
	"github.com/sessionkit/sessionkit/store"
)

// TestJSONIsBetterAuths: a get-session body Better Auth answered from its
// database reads into the records and writes back byte for byte.
func TestJSONIsBetterAuths(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(vectors.Dir(), "none.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		SignIn struct {
			RememberMe struct {
				GetSession struct {
					HTTP struct {
						Body json.RawMessage `json:"body"`
					} `json:"http"`
				} `json:"getSession"`
			} `json:"rememberMe"`
		} `json:"signIn"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := json.Compact(&want, v.SignIn.RememberMe.GetSession.HTTP.Body); err != nil {
		t.Fatal(err)
	}
	var pair struct {
		Session store.Session `json:"session"`
		User    store.User    `json:"user"`
	}
	if err := json.Unmarshal(want.Bytes(), &pair); err != nil {
		t.Fatal(err)
	}
	if pair.Session.Token == "" || pair.User.Email == "" || pair.Session.ExpiresAt.IsZero() {
		t.Fatalf("read %+v", pair)
	}
	got, err := json.Marshal(pair)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("got  %s\nwant %s", got, want.Bytes())
	}
}

func TestJSONEdges(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	u := store.User{ID: "u", Name: "A <b> & \u2028", Email: "a@example.com", CreatedAt: at, UpdatedAt: at}
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"image":null`)) || !bytes.Contains(b, []byte(`"2026-01-02T03:04:05.006Z"`)) {
		t.Fatalf("user JSON %s", b)
	}
	var back store.User
	if err := json.Unmarshal(b, &back); err != nil || back != u {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	var s store.Session
	if err := json.Unmarshal([]byte(`{"ipAddress":null,"userAgent":null,"expiresAt":"2026-01-02T03:04:05.006Z","createdAt":"2026-01-02T03:04:05.006Z","updatedAt":"2026-01-02T03:04:05.006Z","token":"t","userId":"u","id":"i","plugin":1}`), &s); err != nil {
		t.Fatal(err)
	}
	if s.IPAddress != "" || s.Token != "t" || !s.ExpiresAt.Equal(at) {
		t.Fatalf("session %+v", s)
	}
	if err := json.Unmarshal([]byte(`{"expiresAt":"yesterday"}`), &s); err == nil {
		t.Fatal("a bad date was accepted")
	}
}
