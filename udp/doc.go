// Package udp holds legation's UDP sockets: bounded datagram rings the caller
// may own, bind/connect, send-to and receive-from with the peer's address,
// readable/writable callbacks, a receive future with a deadline, and Rebind
// to move a socket to a fresh random port without allocating (the DNS
// resolver does so for every question, RFC 5452).
//
// A Socket is sans-IO. It never touches a device or reads a clock: the stack
// (package stack) demultiplexes received datagrams into it with Deliver, takes
// queued datagrams out with PeekSend/PopSend, and hands it the current instant
// through Poll. Everything runs on the reactor goroutine; code on other
// goroutines uses package netconn.
package udp
