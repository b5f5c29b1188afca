// Package footprint measures what a legation device costs in memory: it
// builds configuration (1) of issue 8 (a stack sized by stack.Resources, a
// DHCP client, a resolver and four TCP clients with 2 KiB buffers doing
// request/response against a peer) over the in-memory link in virtual
// time, reads the Go heap between the steps of building it, and runs it
// for simulated hours of DHCP renewals, reconnects, DNS cache turnover and
// ARP expiry while counting every allocation in the process.
//
// Its tests are the proof: TestConfig1Budget fails if configuration (1)
// holds more than 32 KiB of heap beyond its socket buffers or allocates
// anything in steady state, and TestFootprintReport (package report)
// prints the table for configuration (1) beside the full demo device
// (examples/device/app):
//
//	go test -v -run FootprintReport ./internal/footprint/report -args -binaries
//
// The peer side (DHCP server, name server, echo service) is built to
// allocate nothing either, so that a count of zero means zero.
package footprint
