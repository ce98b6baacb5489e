package account_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHandlerNoStore checks that the API's answers carrying a token or
// session list are never cached (Cache-Control: no-store).
func TestHandlerNoStore(t *testing.T) {
	t.Parallel()
	api := newOriginAPI(t, "")
	signIn := api.do("POST", "app.example.com", "/sign-in/email", `{"email":"ada@example.com","password":"12345678"}`, nil)
	signUp := api.do("POST", "app.example.com", "/sign-up/email", `{"name":"Bo","email":"bo@example.com","password":"12345678"}`, nil)
	list := api.do("GET", "app.example.com", "/list-sessions", "", http.Header{"Cookie": {cookieHeader(signIn.Result().Cookies())}})
	for name, rec := range map[string]*httptest.ResponseRecorder{"sign-in": signIn, "sign-up": signUp, "list-sessions": list} {
		res := rec.Result()
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "no-store") {
			t.Errorf("%s: %d Cache-Control %q", name, res.StatusCode, res.Header.Get("Cache-Control"))
		}
	}
}
