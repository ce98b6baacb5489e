package oidctest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/sessionkit/sessionkit/social/oidctest"
)

// code runs the authorization endpoint and returns the code it issued.
func code(t *testing.T, s *oidctest.Server, challenge string) string {
	t.Helper()
	q := url.Values{"client_id": {s.ClientID}, "response_type": {"code"}, "redirect_uri": {"http://app.test/cb"},
		"state": {"st"}, "scope": {"openid email"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(s.Issuer + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc.Query().Get("state") != "st" || loc.Query().Get("code") == "" {
		t.Fatalf("authorize redirected to %s", loc)
	}
	return loc.Query().Get("code")
}

func exchange(t *testing.T, s *oidctest.Server, code, verifier string) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(s.Issuer+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {"http://app.test/cb"}, "code_verifier": {verifier}, "client_id": {s.ClientID}, "client_secret": {s.ClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestCodeIsBoundAndSingleUse(t *testing.T) {
	s, err := oidctest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	verifier := "a-verifier-of-enough-length-0123456789-abcdefghijklmnop"
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])

	if status, out := exchange(t, s, code(t, s, challenge), "another-verifier"); status != 400 || out["error"] != "invalid_grant" {
		t.Errorf("wrong verifier: %d %v", status, out)
	}
	c := code(t, s, challenge)
	if status, out := exchange(t, s, c, verifier); status != 200 || out["id_token"] == nil || out["refresh_token"] == nil {
		t.Fatalf("exchange: %d %v", status, out)
	}
	if status, out := exchange(t, s, c, verifier); status != 400 || out["error"] != "invalid_grant" {
		t.Errorf("code used twice: %d %v", status, out)
	}
}
