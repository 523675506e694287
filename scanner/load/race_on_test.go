//go:build race

package load

// raceEnabled shrinks the heaviest tests under the (slow) race detector.
const raceEnabled = true
