// Package wstest holds a WebSocket echo application written on the
// websocket package's API, as a device program would write it, for the
// tests that put real clients against it: the interop tests (Python's
// websockets, raw kernel sockets) and bench/wsinterop (gws). It records
// what the server saw (each message's length and SHA-256, each close) on
// channels the tests read.
//
// It also holds the small client side the device's tests speak to its
// live feed with (Open, ReadFrame): an opening handshake and a reader of
// unfragmented server frames, over any connection (plain or crypto/tls).
package wstest
