package password

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit/internal/vectors"
)

// TestVerifyBetterAuthHash checks a hash written by Better Auth 1.7.25 into
// the vectors' account table.
func TestVerifyBetterAuthHash(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(vectors.Dir(), "none.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Credentials struct{ Password string }
		DB          struct {
			Account []struct{ Password string }
		}
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	hash := v.DB.Account[0].Password
	ok, err := Verify(hash, v.Credentials.Password)
	if err != nil || !ok {
		t.Fatalf("Verify(better-auth hash, right password) = %v, %v; want true", ok, err)
	}
	ok, err = Verify(hash, v.Credentials.Password+"x")
	if err != nil || ok {
		t.Fatalf("Verify(better-auth hash, wrong password) = %v, %v; want false", ok, err)
	}
}

func TestHashRoundTrip(t *testing.T) {
	t.Parallel()
	h, err := Hash("ﬁsh and chips") // NFKC folds the ligature
	if err != nil {
		t.Fatal(err)
	}
	salt, key, _ := strings.Cut(h, ":")
	if len(salt) != 32 || len(key) != 128 {
		t.Fatalf("hash %q: want 32 hex salt and 128 hex key", h)
	}
	for pw, want := range map[string]bool{"ﬁsh and chips": true, "fish and chips": true, "fish and chip": false} {
		if ok, err := Verify(h, pw); err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	h2, _ := Hash("ﬁsh and chips")
	if h2 == h {
		t.Error("two hashes of one password are equal: salt is not random")
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	if _, err := Hash(strings.Repeat("a", MaxLength+1)); !errors.Is(err, ErrTooLong) {
		t.Errorf("Hash(too long) err = %v, want ErrTooLong", err)
	}
	for _, h := range []string{"", "nocolon", ":abcd", "abcd:zz", "abcd:" + strings.Repeat("0", 126)} {
		if _, err := Verify(h, "pw"); !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify(%q) err = %v, want ErrMalformed", h, err)
		}
	}
}
