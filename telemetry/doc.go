// Package telemetry reports what sessionkit does as OpenTelemetry metrics
// and traces: session lookups by the cache that answered, store call
// latency with spans in the request's trace, sign-in outcomes and rate-limit
// rejections of the JSON API, and the number of live sessions.
//
// It is a module of its own so that the sessionkit core does not depend on
// OpenTelemetry, and it builds on sessionkit's exported API only: a
// middleware around middleware.Load, a store.Store decorator, and a wrapper
// around the JSON API handler. It sets up no exporter: pass the
// MeterProvider and TracerProvider of your application (Options), or let it
// use the global ones (otel.GetMeterProvider, otel.GetTracerProvider).
//
//	tel, err := telemetry.New(telemetry.Options{Sessions: telemetry.SQLiteSessions(db)})
//	auth, err := sessionkit.New(sessionkit.Config{Secret: secret, Store: tel.WrapStore(db)})
//	accounts, err := account.New(auth, account.Config{})
//	mux.Handle("/api/auth/", tel.Handler(accounts.Handler()))
//	handler := tel.Load(auth)(app)
//
// # Instruments
//
// Every instrument belongs to the scope named by ScopeName. Attribute values
// come from fixed lists, never from the request (a path, an email, a token),
// so an attacker cannot grow the number of time series.
//
//   - sessionkit.lookups (counter, {lookup}): one per request through Load.
//     sessionkit.lookup.outcome is "found", "none" (no valid session) or
//     "error" (the store failed: the request goes on without a session);
//     sessionkit.lookup.source is, for "found", what answered:
//     "store", or the cookie cache strategy ("compact", "jwt", "jwe",
//     "securecookie"; "other" for a strategy this package does not know),
//     and "none" otherwise. The cookie cache's hit ratio
//     is found lookups whose source is not "store" over found lookups.
//   - sessionkit.store.duration (histogram, s): the latency of every call
//     to a store wrapped by WrapStore. sessionkit.store.operation names the
//     call ("session_by_token", "create_session", "rate_limit_consume", …,
//     see WrapStore), sessionkit.store.outcome is "ok", "not_found"
//     (store.ErrNotFound, a normal answer) or "error".
//   - sessionkit.auth.requests (counter, {request}): the answers of the JSON
//     API's sign-in and sign-up endpoints, through Handler.
//     sessionkit.auth.endpoint is "sign-in/email" or "sign-up/email";
//     sessionkit.auth.outcome is "success" (200), "failed" (401),
//     "rate_limited" (429), "unavailable" (503) or "other" (anything else:
//     a malformed body, a refused origin, a taken email);
//     http.response.status_code is the status.
//   - sessionkit.rate_limit.rejections (counter, {request}): every 429 of the
//     JSON API, with sessionkit.auth.endpoint naming the endpoint (one of
//     Better Auth's, or "other").
//   - sessionkit.sessions.active (gauge, {session}): the sessions whose
//     expiresAt is after now, counted by Options.Sessions when each reading
//     is collected. Only with Options.Sessions: counting may scan the
//     session table, so it runs once per collection, not per request.
//
// # Traces
//
// WrapStore starts one span per store call, named "sessionkit.store " and
// the operation, as a child of the span in the call's context (the
// request's, when an HTTP instrumentation such as otelhttp put one there),
// and passes the span's context on to the store, so a database driver's own
// spans nest below it. A failed call (not store.ErrNotFound) sets the
// span's status to Error. Spans carry the operation only: never a token, an
// id or an email.
package telemetry
