package sessionkit

import "fmt"

// resolveLimits checks and fills in the abuse bounds of Config.
func (s *settings) resolveLimits() error {
	n := s.MaxConcurrentHashes
	switch {
	case n == 0:
		n = defaultMaxHashes()
	case n < 0:
		return fmt.Errorf("%w: MaxConcurrentHashes %d is negative", ErrConfig, n)
	}
	if s.HashWait < 0 && s.HashWait != Disabled {
		return fmt.Errorf("%w: HashWait must be positive, zero (default) or Disabled", ErrConfig)
	}
	s.hashes = newHashGate(n, durationOrDefault(s.HashWait, DefaultHashWait))
	return s.resolveRateLimit()
}
