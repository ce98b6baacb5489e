package postgres_test

import (
	"testing"

	"github.com/sessionkit/sessionkit/internal/testenv"
)

// TestMain prints, after the tests, which were skipped for a missing
// service and how to provide it.
func TestMain(m *testing.M) { testenv.Main(m) }
