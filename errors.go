package sessionkit

import (
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
// {"message":…,"code":…}, and the status.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Message string `json:"message"`
		Code    string `json:"code"`
	}{message, code})
}

// WriteUnavailable answers 503 for a session store that failed, without
// revealing the underlying error to the client.
func WriteUnavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	WriteError(w, http.StatusServiceUnavailable, CodeStoreUnavailable, "Session store unavailable")
}
