//go:build race

package telemetry_test

// raceEnabled: the race detector changes allocation counts (sync.Pool
// drops items at random), so allocation tests skip under it; .ci/run runs
// them without it.
const raceEnabled = true
