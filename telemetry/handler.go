package telemetry

import (
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/metric"
)

// loginEndpoints are the JSON API endpoints whose every answer is counted
// in sessionkit.auth.requests.
var loginEndpoints = []string{"sign-in/email", "sign-up/email"}

// apiEndpoints are the JSON API's endpoints (sessionkit's Handler), the
// values of sessionkit.auth.endpoint for rate-limit rejections; any other
// path counts as "other", so a client cannot add series.
var apiEndpoints = []string{
	"get-session", "sign-up/email", "sign-in/email", "sign-out", "list-sessions",
	"revoke-session", "revoke-sessions", "revoke-other-sessions", "update-session",
}

// authOutcomes names the statuses of sign-in and sign-up; any other status
// is "other".
var authOutcomes = map[int]string{
	http.StatusOK:                 "success",
	http.StatusUnauthorized:       "failed",
	http.StatusTooManyRequests:    "rate_limited",
	http.StatusServiceUnavailable: "unavailable",
}

// Handler wraps the JSON API handler (the Manager's Handler, HandlerAt or
// HandlerWithOpts) to count the answers of sign-in and sign-up in
// sessionkit.auth.requests and every 429 in
// sessionkit.rate_limit.rejections. It recognises endpoints by the end of
// the path, so it works under any base path.
func (t *Telemetry) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK // nothing written: net/http answers 200
		}
		ep := endpoint(r.URL.Path)
		if byStatus, ok := t.authOpts[ep]; ok {
			o, known := byStatus[status]
			if !known {
				o = t.authOther(ep, status)
			}
			t.authReqs.Add(r.Context(), 1, o...)
		}
		if status == http.StatusTooManyRequests {
			t.rejections.Add(r.Context(), 1, t.rejectOpts[ep]...)
		}
	})
}

// authOther is the attribute set of a sign-in or sign-up answered with a
// status outside authOutcomes: built per call, off the happy path, with the
// status as given (a handler chooses among few).
func (t *Telemetry) authOther(ep string, status int) []metric.AddOption {
	return addOpt(keyAuthEndpoint.String(ep), keyAuthOutcome.String("other"), keyHTTPStatus.Int(status))
}

// endpoint returns the API endpoint path ends with, or "other".
func endpoint(path string) string {
	for _, ep := range apiEndpoints {
		if strings.HasSuffix(path, "/"+ep) {
			return ep
		}
	}
	return "other"
}

// statusRecorder remembers the status the handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the writer's other abilities.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
