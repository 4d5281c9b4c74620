//go:build race

package onepassword_test

// raceEnabled reports whether the race detector is on: the SDK's core then
// takes ten times as long to load.
const raceEnabled = true
