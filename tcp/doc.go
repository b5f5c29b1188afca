// Package tcp is legation's TCP (RFC 9293): sans-IO building blocks that a
// connection state machine drives with segments and instants, and that
// return segments to send and the next deadline as data.
//
// What is here:
//   - Conn, one connection's RFC 9293 state machine: Input a segment (Repr),
//     Output the next one, PollAt and Poll for its timers; handshakes both
//     ways, data with SACK, NewReno and RFC 6675 recovery, FIN in every
//     state, TIME-WAIT, RFC 5961 hardening, PAWS, delayed ACKs, Nagle,
//     zero-window probes, keep-alive, connect and user timeouts; the user
//     side reads and writes its rings, with callbacks and futures;
//   - Seq, 32-bit sequence numbers with modular comparison (RFC 9293 3.4,
//     RFC 1982);
//   - ISNGenerator, initial sequence numbers from a 4-microsecond clock
//     plus a keyed hash of the 4-tuple (RFC 6528);
//   - RTTEstimator, the retransmission timer (RFC 6298) with Karn's rule and
//     timestamp samples (RFC 7323);
//   - CongestionControl and NewReno (RFC 5681, RFC 6582, RFC 3465, RFC 6928);
//   - Scoreboard, the sender's record of the peer's SACK blocks and the loss
//     recovery queries of RFC 6675;
//   - Ring and Assembler, caller-ownable byte rings and bounded out-of-order
//     reassembly with the SACK blocks to send (RFC 2018);
//   - BufferPool, buffers lent to connections only while they hold data,
//     so that idle connections hold none (Config.Pool);
//   - SYNCookies (RFC 4987).
//
// What is not: nothing here reads the clock, sleeps, starts goroutines or
// touches a device or the IP layer; the time is always passed in, and
// demultiplexing, routing and checksums belong to package stack and wire.
// Nothing on a per-segment path allocates.
package tcp
