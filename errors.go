package sessionkit

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// Error codes and messages of the JSON error bodies, as Better Auth sends them.
const (
	CodeUnauthorized       = "UNAUTHORIZED"
	CodeSessionNotFresh    = "SESSION_NOT_FRESH"
	CodeStoreUnavailable   = "SESSION_STORE_UNAVAILABLE"
	MessageUnauthorized    = "Unauthorized"
	MessageSessionNotFresh = "Session is not fresh"
)

// WriteError answers with Better Auth's JSON error shape,
// {"message":…,"code":…}, and the status. The body is written as
// JavaScript's JSON.stringify writes it: <, > and & unescaped, no trailing
// newline.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(struct {
		Message string `json:"message"`
		Code    string `json:"code"`
	}{message, code})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}))
}

// WriteUnavailable answers 503 for a session store that failed, without
// revealing the underlying error to the client.
func WriteUnavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	WriteError(w, http.StatusServiceUnavailable, CodeStoreUnavailable, "Session store unavailable")
}
