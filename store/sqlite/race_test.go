//go:build race

package sqlite

// raceEnabled says the race detector is on: tests that time things use
// smaller sizes.
const raceEnabled = true
