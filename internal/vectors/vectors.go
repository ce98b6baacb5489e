// Package vectors loads the cookies and databases that the real Better Auth
// 1.7.25 minted (testdata/vectors), for tests across the module.
package vectors

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// Names lists the vector sets.
var Names = []string{"none", "compact", "jwt", "jwe", "compact-chunked", "jwe-https"}

// Exchange is one recorded HTTP exchange (sign-up or sign-in).
type Exchange struct {
	Status       int               `json:"status"`
	SetCookie    []string          `json:"setCookie"`
	Cookies      map[string]string `json:"-"`
	CookieHeader string            `json:"cookieHeader"`
	SessionData  *struct {
		CookieNames []string        `json:"cookieNames"`
		Chunked     bool            `json:"chunked"`
		Value       string          `json:"value"`
		Decoded     json.RawMessage `json:"decoded"`
	} `json:"sessionData"`
	Body struct {
		Token string `json:"token"`
		User  struct {
			ID    string `json:"id"`
			Email string `json:"email"`
			Name  string `json:"name"`
		} `json:"user"`
	} `json:"body"`
}

// Row is a session row of the vector database.
type Row struct {
	ID        string `json:"id"`
	Token     string `json:"token"`
	UserID    string `json:"userId"`
	ExpiresAt string `json:"expiresAt"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
	IPAddress string `json:"ipAddress"`
	UserAgent string `json:"userAgent"`
}

// Set is one vector file.
type Set struct {
	Name string
	Dir  string // folder of the files
	Meta struct {
		GeneratedAtMs int64 `json:"generatedAtMs"`
		CookieNames   struct {
			SessionToken string `json:"sessionToken"`
			SessionData  string `json:"sessionData"`
			DontRemember string `json:"dontRemember"`
		} `json:"cookieNames"`
	} `json:"meta"`
	Config struct {
		Secret            string `json:"secret"`
		Strategy          string `json:"strategy"`
		CookieCacheMaxAge int    `json:"cookieCacheMaxAge"`
		BaseURL           string `json:"baseURL"`
		DB                string `json:"db"`
	} `json:"config"`
	Credentials struct {
		Name     string `json:"name"`
		Email    string `json:"email"`
		Password string `json:"password"`
	} `json:"credentials"`
	SignUp Exchange `json:"signUp"`
	SignIn struct {
		RememberMe   Exchange `json:"rememberMe"`
		NoRememberMe Exchange `json:"noRememberMe"`
	} `json:"signIn"`
	DB struct {
		Session []Row `json:"session"`
		User    []struct {
			ID    string `json:"id"`
			Name  string `json:"name"`
			Email string `json:"email"`
		} `json:"user"`
	} `json:"db"`
}

// Now is the pinned clock of the set: the moment the vectors were minted.
func (s *Set) Now() time.Time { return time.UnixMilli(s.Meta.GeneratedAtMs).UTC() }

// EnvDir names the environment variable that, when set, points every
// vector reader at another folder, such as one freshly written by
// interop/mint-vectors.mjs. A relative path is taken from the module root.
const EnvDir = "SESSIONKIT_VECTORS_DIR"

// Dir returns the vectors folder, wherever the calling test runs: $EnvDir
// when set, else the committed copy, testdata/vectors/better-auth-1.7.25.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	if d := os.Getenv(EnvDir); d != "" {
		if filepath.IsAbs(d) {
			return filepath.Clean(d)
		}
		return filepath.Join(root, d)
	}
	return filepath.Join(root, "testdata", "vectors", "better-auth-1.7.25")
}

// Load reads one vector set.
func Load(t testing.TB, name string) *Set {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(Dir(), name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	s := &Set{Name: name, Dir: Dir()}
	if err := json.Unmarshal(raw, s); err != nil {
		t.Fatalf("vector %s: %v", name, err)
	}
	return s
}

// All reads every vector set.
func All(t testing.TB) []*Set {
	out := make([]*Set, 0, len(Names))
	for _, n := range Names {
		out = append(out, Load(t, n))
	}
	return out
}

// CopyDB copies the set's SQLite file into a temporary folder of the test
// and returns its path: opening a database may write to it.
func (s *Set) CopyDB(t testing.TB) string {
	t.Helper()
	src, err := os.Open(filepath.Join(s.Dir, s.Config.DB))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst := filepath.Join(t.TempDir(), s.Config.DB)
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, src); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return dst
}

// String names the set in test output.
func (s *Set) String() string { return fmt.Sprintf("vector %s", s.Name) }
