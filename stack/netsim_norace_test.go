//go:build !race

package stack

// netsimRace: see netsim_race_test.go.
const netsimRace = false
