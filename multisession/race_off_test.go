//go:build !race

package multisession_test

const raceEnabled = false
