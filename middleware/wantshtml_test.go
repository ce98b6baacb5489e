package middleware_test

import (
	"net/http/httptest"
	"testing"

	"github.com/sessionkit/sessionkit/middleware"
)

// TestWantsHTML: a navigation or a form post from an old browser gets a
// page; a fetch() posting FormData (Sec-Fetch-Mode: cors) gets JSON even
// though its body is multipart and its Accept may be */*.
func TestWantsHTML(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers map[string]string
		want    bool
	}{
		{"navigation", map[string]string{"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}, true},
		{"fetch with FormData", map[string]string{"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty", "Content-Type": "multipart/form-data; boundary=x"}, false},
		{"same-origin fetch asking for HTML", map[string]string{"Sec-Fetch-Mode": "same-origin", "Accept": "text/html"}, false},
		{"old browser form post", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, true},
		{"old browser page", map[string]string{"Accept": "text/html,application/xhtml+xml"}, true},
		{"API client", map[string]string{"Accept": "application/json"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/settings/email", nil)
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			if got := middleware.WantsHTML(r); got != tc.want {
				t.Fatalf("WantsHTML = %v, want %v", got, tc.want)
			}
		})
	}
}
