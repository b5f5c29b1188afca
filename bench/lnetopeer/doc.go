// Package lnetopeer runs lneto (github.com/soypat/lneto v0.3.2, a small
// userspace TCP/IP stack for TinyGo and embedded Go) as an in-process peer of
// legation, so that two independent TCP implementations can be interoperated
// and benchmarked side by side.
//
// Peer drives one lneto stack (Ethernet, ARP, IPv4 and TCP with a static
// address: lneto's x/xnet StackAsync) over any hal.Device, normally one end
// of a hal/loopback pair whose other end a legation stack.Stack drives. Peer
// is a reactor.Task: spawned on the same reactor as the legation stack, both
// run on one goroutine, and on a reactor.VirtualClock the whole network runs
// in simulated time, deterministically. lneto reads no clock of its own; its
// TCP retransmission timer (tcp.RTO, an opt-in tcp.LossRecovery) is handed
// the reactor's clock through tcp.ConnConfig.Nanotime, and Peer.Poll answers
// the earliest of its deadlines.
//
// Conn wraps one lneto tcp.Conn with calls that never block, and works
// around what lneto leaves to its caller or gets wrong, each time the way
// lneto's own helpers would or with the least change; the tests named pin
// each defect down with lneto alone (or with legation sending what RFC 9293
// allows), and fail once an lneto upgrade fixes it:
//   - lneto never retransmits a SYN or a SYN-ACK by itself: Peer asks it to
//     (tcp.Conn.RequeueControl) after 1 s, doubling up to 8 s, as
//     x/xnet StackRetrying.DoDialTCP does on its timeout;
//   - lneto sends no data after its own FIN, retransmissions included
//     (TestLnetoBugNoRetransmitAfterFIN): Conn.Close waits until everything
//     written is acknowledged before handing lneto the close;
//   - a Read that empties lneto's receive ring while segments are held out
//     of order corrupts them (TestLnetoBugReassemblyAfterDrain): Conn.Read
//     leaves one byte unread while anything is held.
//
// What no caller can work around, and the interop tests recognise: lneto
// never retransmits a FIN (TestLnetoBugNeverRetransmitsFIN); it reads an ACK
// only at exactly RCV.NXT and drops the connection, without a reset, after
// eight rejected ones (TestLnetoBugDropsPureACKsBeyondRcvNxt); it closes by
// itself on the peer's FIN with data unacknowledged and leaves LAST-ACK on
// any ACK (TestLnetoBugClosesWithDataUnacked); it has no TIME-WAIT and
// discards unread data when its close completes
// (TestLnetoBugDiscardsUnreadDataAtClose); it ignores a FIN carried on the
// ACK that completes the handshake (TestLnetoBugIgnoresFINOnHandshakeACK).
//
// Pair is two lneto stacks wired back to back with no device at all (the way
// lneto's own benchmarks exchange frames), for measuring lneto alone: bulk
// transfer, request/response and connect+close on one goroutine, without
// allocating.
package lnetopeer
