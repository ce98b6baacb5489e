package social

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func FuzzDecodeState(f *testing.F) {
	f.Add([]byte(`{"callbackURL":"/","codeVerifier":"v","expiresAt":1,"oauthState":"s","link":{"email":"a","userId":"1"}}`))
	f.Add([]byte(`{"callbackURL":"/","codeVerifier":"v","expiresAt":1e300}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := decodeState(b)
		if err != nil {
			return
		}
		if st.CallbackURL == "" || st.CodeVerifier == "" || st.ExpiresAt == 0 {
			t.Fatalf("accepted an incomplete state: %+v", st)
		}
		again, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decodeState(again); err != nil {
			t.Fatalf("a state does not survive its own encoding: %v", err)
		}
	})
}

func TestDecodeStateBetterAuth(t *testing.T) {
	// A value Better Auth 1.7.25 writes (extra keys are ignored).
	raw := `{"callbackURL":"http://localhost:3000/dashboard","codeVerifier":"abc","errorURL":"http://localhost:3000/err","expiresAt":1764640000000,"requestSignUp":false,"idTokenNonce":"n","oauthState":"s","foo":1}`
	st, err := decodeState([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if st.CallbackURL != "http://localhost:3000/dashboard" || st.ExpiresAt != 1764640000000 || st.IDTokenNonce != "n" || st.OAuthState != "s" || st.ErrorURL == "" {
		t.Errorf("decoded %+v", st)
	}
	if _, err := decodeState([]byte(strings.Repeat(" ", maxStateJSON+1))); err == nil {
		t.Error("an oversized state was decoded")
	}
}

func TestGitHubProfile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, user, emails string
		want               Profile
		wantErr            bool
	}{
		{"public e-mail", `{"id":42,"login":"octo","name":"Octo Cat","email":"octo@example.com","avatar_url":"https://a/x.png"}`,
			`[{"email":"octo@example.com","primary":true,"verified":true}]`,
			Profile{AccountID: "42", Email: "octo@example.com", EmailVerified: true, Name: "Octo Cat", Image: "https://a/x.png"}, false},
		{"private e-mail, login as name", `{"id":7,"login":"octo","email":null}`,
			`[{"email":"other@example.com","primary":false,"verified":true},{"email":"main@example.com","primary":true,"verified":false}]`,
			Profile{AccountID: "7", Email: "main@example.com", Name: "octo"}, false},
		{"no id", `{"login":"x"}`, `[]`, Profile{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "Bearer tok" {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				switch r.URL.Path {
				case "/user":
					fmt.Fprint(w, tc.user)
				case "/user/emails":
					fmt.Fprint(w, tc.emails)
				default:
					http.NotFound(w, r)
				}
			}))
			defer api.Close()
			p := gitHubAt("https://github.invalid", api.URL, "id", "secret")
			got, err := p.Profile(context.Background(), api.Client(), Tokens{AccessToken: "tok"})
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("profile = %+v, %v; want %+v (error %v)", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestProviderResponsesAreBounded(t *testing.T) {
	t.Parallel()
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"id":1,"login":"`)
		chunk := strings.Repeat("a", 64<<10)
		for range 64 { // 4 MiB, more than maxResponse
			fmt.Fprint(w, chunk)
		}
		fmt.Fprint(w, `"}`)
	}))
	defer big.Close()
	_, err := gitHubProfile(context.Background(), limitedClient(big.Client()), big.URL, "tok")
	if err == nil {
		t.Fatal("a 4 MiB profile was read whole")
	}
}
