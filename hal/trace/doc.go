// Package trace is middleware that reports every frame a hal.Device receives
// and every frame the stack commits for transmission to a sink function, and
// a decoder that turns a frame into a one-line, tcpdump-like summary.
//
// Summary decodes with package wire: Ethernet, ARP, IPv4, ICMPv4, UDP and TCP
// (flags, sequence numbers, window, options). It appends to a caller buffer
// and does not allocate; it never panics, whatever the bytes, and marks what
// it cannot decode instead of guessing.
//
// It does not capture to a file (hal/pcap does), filter, or read the clock:
// the instant reported with each frame is the latest one given to Tick.
package trace
