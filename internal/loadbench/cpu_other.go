//go:build !unix

package loadbench

import (
	"testing"
	"time"
)

// CPU returns 0: the process's CPU time is read on Unix only.
func CPU(*testing.B) time.Duration { return 0 }

// ReportCPU reports nothing where CPU cannot read the CPU time.
func ReportCPU(*testing.B, time.Duration) {}
