package interop_test

import (
	"encoding/json"
	"maps"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/store/memory"
)

// TestFormBodiesMatchBetterAuth: HTML-form bodies (and other media types)
// posted to sign-up and sign-in get the same status and body from Better
// Auth and from sessionkit: the same error bodies byte for byte, and for a
// success the same fields, name and email.
func TestFormBodiesMatchBetterAuth(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	const form = "application/x-www-form-urlencoded"
	ops := []baOp{
		{Method: "POST", Path: "/sign-up/email", ContentType: form, RawBody: "name=Fo+Rm&email=form%40example.com&password=pass+word%2B1"},
		{Method: "POST", Path: "/sign-up/email", ContentType: form, RawBody: "name=&email=nameless%40example.com&password=password123"},
		{Method: "POST", Path: "/sign-up/email", ContentType: form, RawBody: "email=x%40example.com&password=password123"},
		{Method: "POST", Path: "/sign-up/email", ContentType: form, RawBody: "name=A&email=form%40example.com&password=password123"},
		{Method: "POST", Path: "/sign-up/email", ContentType: form, RawBody: "name=A&email=y%40example.com&password=short"},
		{Method: "POST", Path: "/sign-up/email", ContentType: form, RawBody: "name=A&email=not-an-email&password=password123"},
		{Method: "POST", Path: "/sign-in/email", ContentType: form, RawBody: "email=form%40example.com&password=pass+word%2B1"},
		{Method: "POST", Path: "/sign-in/email", ContentType: form + "; charset=UTF-8", RawBody: "email=FORM%40example.com&password=pass+word%2B1&callbackURL=%2Fhome"},
		{Method: "POST", Path: "/sign-in/email", ContentType: form, RawBody: "email=form%40example.com&password=wrong+password"},
		{Method: "POST", Path: "/sign-in/email", ContentType: form, RawBody: "email=form%40example.com&password=pass+word%2B1&rememberMe=false"},
		{Method: "POST", Path: "/sign-in/email", ContentType: form, RawBody: "email=form%40example.com"},
		{Method: "POST", Path: "/sign-in/email", ContentType: form, RawBody: "email=bad&password=x"},
		{Method: "POST", Path: "/sign-in/email", ContentType: "text/plain", RawBody: "email=form%40example.com"},
		{Method: "POST", Path: "/sign-in/email", ContentType: "multipart/form-data; boundary=x", RawBody: "--x--\r\n"},
		{Method: "POST", Path: "/sign-out", ContentType: form, RawBody: "a=b"},
	}
	cfg := baConfig{DB: filepath.Join(t.TempDir(), "auth.db"), Secret: secret, BaseURL: "http://localhost:3000", Strategy: "none"}
	ba := runBA(t, node, cfg, ops...)

	// Better Auth limits rates only in production; so both run without.
	a, err := account.New(newManager(t, cfg, memory.New()), account.Config{RateLimit: account.RateLimit{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	h := a.Handler()
	for i, op := range ops {
		req := httptest.NewRequest(op.Method, cfg.BaseURL+"/api/auth"+op.Path, strings.NewReader(op.RawBody))
		req.Header.Set("Origin", cfg.BaseURL)
		req.Header.Set("User-Agent", "sessionkit-interop/go")
		if op.ContentType != "" {
			req.Header.Set("Content-Type", op.ContentType)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		want, got := ba[i], rec.Body.String()
		name := op.Path + " " + op.ContentType + " " + op.RawBody
		if rec.Code != want.Status {
			t.Errorf("%s: sessionkit %d %s, Better Auth %d %s", name, rec.Code, got, want.Status, want.Body)
			continue
		}
		if want.Status != 200 {
			if got != string(want.Body) {
				t.Errorf("%s: sessionkit %s, Better Auth %s", name, got, want.Body)
			}
			continue
		}
		var g, w map[string]json.RawMessage
		if err := json.Unmarshal([]byte(got), &g); err != nil {
			t.Fatalf("%s: %s: %v", name, got, err)
		}
		if err := json.Unmarshal(want.Body, &w); err != nil {
			t.Fatalf("%s: Better Auth %s: %v", name, want.Body, err)
		}
		if gk, wk := slices.Sorted(maps.Keys(g)), slices.Sorted(maps.Keys(w)); !slices.Equal(gk, wk) {
			t.Errorf("%s: fields: sessionkit %v, Better Auth %v", name, gk, wk)
		}
		for _, k := range []string{"redirect", "url"} {
			if string(g[k]) != string(w[k]) {
				t.Errorf("%s: %s: sessionkit %s, Better Auth %s", name, k, g[k], w[k])
			}
		}
		var gu, wu struct{ Name, Email string }
		json.Unmarshal(g["user"], &gu)
		json.Unmarshal(w["user"], &wu)
		if gu != wu {
			t.Errorf("%s: user: sessionkit %+v, Better Auth %+v", name, gu, wu)
		}
	}
}
