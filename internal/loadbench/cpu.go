//go:build unix

package loadbench

import (
	"syscall"
	"testing"
	"time"
)

// CPU returns the CPU time (user and system) the process has used so far.
// Benchmarks report it per operation beside ns/op: on a shared machine
// with more runnable threads than cores, wall time per operation mostly
// measures the wait for a core, CPU time much less so.
func CPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ReportCPU reports the CPU time used since start, per operation, as
// cpu-ns/op.
func ReportCPU(b *testing.B, start time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(CPU(b)-start)/float64(b.N), "cpu-ns/op")
	}
}
