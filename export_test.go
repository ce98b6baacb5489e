package sessionkit

// SignedTokenValue exposes the signed cookie value of a token to the
// external tests and benchmarks.
func SignedTokenValue(m *Manager, token string) string { return m.s.cookies.sign(token) }

// CacheMemoLen is the number of cache-cookie values m remembers.
func CacheMemoLen(m *Manager) int { return m.s.cookies.memo.Len() }
