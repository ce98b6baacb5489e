package store

// As finds the optional ability T (CredentialStore, UserEditor, …) of s,
// looking through wrappers that have an Unwrap() Store method, as
// errors.As looks through wrapped errors. A call through an ability found
// below a wrapper skips that wrapper.
func As[T any](s Store) (T, bool) {
	for range 8 { // a bound against a wrapper that unwraps to itself
		if t, ok := s.(T); ok {
			return t, true
		}
		u, ok := s.(interface{ Unwrap() Store })
		if !ok {
			break
		}
		s = u.Unwrap()
	}
	var zero T
	return zero, false
}
