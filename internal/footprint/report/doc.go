// Package report holds issue 8's footprint report, a test that prints
// configuration (1) of package footprint beside the full demo device
// (examples/device/app) driven for a virtual hour, and the stripped sizes
// of examples/device for ARM and MIPS:
//
//	go test -v -run FootprintReport ./internal/footprint/report -args -binaries
//
// It is apart from package footprint so that the budget test there
// depends on the stack and its protocol modules only, not on the whole
// device.
package report
