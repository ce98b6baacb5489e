package sessionkit_test

import (
	"net/http/httptest"
	"testing"

	"github.com/sessionkit/sessionkit"
)

// TestWriteErrorLikeJavaScript: the body is JSON.stringify's, byte for
// byte: <, > and & as they are (not \u003c…), no trailing newline.
func TestWriteErrorLikeJavaScript(t *testing.T) {
	tests := []struct{ code, message, want string }{
		{"BAD", `a <b> & "c"`, `{"message":"a <b> & \"c\"","code":"BAD"}`},
		{"X", "Password too long", `{"message":"Password too long","code":"X"}`},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		sessionkit.WriteError(rec, 400, tt.code, tt.message)
		if got := rec.Body.String(); got != tt.want {
			t.Errorf("body %s, want %s", got, tt.want)
		}
		if rec.Code != 400 || rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("status %d, headers %v", rec.Code, rec.Header())
		}
	}
}
