package websocket

import (
	"net/netip"
	"unicode/utf8"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stream"
)

// connState is where a connection is in its life.
type connState uint8

const (
	stOpen    connState = iota
	stClosing           // our close frame is sent or pending; waiting for the peer's
	stFailing           // a protocol error: close sent or pending, input discarded until TCP ends
	stClosed            // done: TCP released, OnClose ran
)

// readState is what the next received bytes are.
type readState uint8

const (
	rsHeader  readState = iota // a frame header (perhaps the rest of one, in hdr)
	rsData                     // payload of a data frame, fleft bytes to go
	rsControl                  // payload of a control frame, read whole once all of it is there
)

// Conn is one WebSocket connection of a Group, over the stream (a
// tcp.Conn, or a TLS session) that Adopt took over. Its methods, like the
// Handler's callbacks, belong to the reactor goroutine.
//
// A Conn is a fixed record (at most 200 bytes on 64-bit targets, checked
// by TestConnSize) plus the four callbacks it registers on its stream; it
// holds a message buffer only while a message is being assembled.
type Conn struct {
	g     *Group
	sc    stream.Conn
	value any
	lo    *pending // bytes the HTTP server read past the request head, read first

	link     reactor.Link[Conn] // the Group's list of connections not yet closed for the app, or its free list
	tlink    reactor.Link[Conn] // the Group's timer list of kind tlist
	wnext    *Conn              // the Group's queue of connections waiting for a buffer
	deadline reactor.Instant

	mbuf        []byte // the message being assembled; nil between messages
	fleft       uint64 // payload bytes of the current frame still to come
	closeReason string // the reason of our close frame

	hdr       [MaxHeaderLen]byte // a header cut by the end of the data so far
	fmask     [4]byte            // the current frame's masking key
	hdrN      uint8              // bytes in hdr
	fpos      uint8              // offset modulo 4 in the current frame's payload
	fop       Opcode             // the current frame's opcode
	mop       Opcode             // the opcode of the message being assembled; 0 when none
	ffin      bool               // the current frame ends its message
	utf8      UTF8Validator      // over the text message being assembled
	state     connState
	rstate    readState
	tlist     uint8 // which timer list c is on
	closeCode CloseCode
	// mlen is the bytes of mbuf assembled; 32 bits (MaxMessage is at
	// most 2 GiB) keep the record in Go's 192-byte size class.
	mlen uint32

	linked       bool // on the Group's list
	pooled       bool // mbuf came from the pool
	busy         bool // readLoop is running: no nested runs
	waiting      bool // on the queue for a pool buffer; readLoop resumes from Poll
	readBlocked  bool // a ping or close waits for room in the send ring for its answer
	eof          bool // the peer closed its side of TCP
	active       bool // something arrived since the idle timer was last set
	wantWrite    bool // a send came up short: call OnWritable when there is room
	sendOpen     bool // a message sent by SendPart is unfinished
	closePending bool // our close frame is waiting for room in the send ring
	closeSent    bool // our close frame went out
	paused       bool // the application stopped reading (PauseRead)
}

// pending is the part of the first bytes that the HTTP server read past
// the request head; it is read before the TCP receive ring.
type pending struct {
	buf []byte
	off int
}

// Send sends msg as one frame, text (msg must be valid UTF-8, unchecked) or
// binary, if the whole frame fits in the TCP send ring now. Otherwise it
// sends nothing and returns ErrQueueFull, and Handler.OnWritable runs once
// there is more room; ErrTooLarge if the frame would not fit even in the
// empty ring (send it with SendPart); ErrClosed once the closing handshake
// has begun. It copies msg and does not allocate. Over TLS the "ring" is
// the room for one record's plaintext (16 KiB): a frame larger than that
// is ErrTooLarge and goes with SendPart.
func (c *Conn) Send(text bool, msg []byte) error {
	if c.state != stOpen {
		return ErrClosed
	}
	if c.sendOpen {
		return ErrFragmenting
	}
	err := c.writeFrame(dataOpcode(text), true, msg, "")
	if err == nil {
		c.g.stats.MessagesOut++
		c.g.stats.BytesOut += uint64(len(msg))
	} else {
		c.sendFailed(err)
	}
	return err
}

// minPart is the smallest fragment SendPart sends when it cannot send all
// it was given: less would spend more on headers than it saves in waiting.
const minPart = 256

// SendPart sends as much of p as fits in the send ring now as one frame of
// a fragmented message and returns how much that was: the first call of a
// message gives its type (text or binary), the next ones continue it (text
// is ignored), and the frame that carries the last byte of a call with last
// set ends it. Call it again with the rest of p, from Handler.OnWritable
// when it returned less than len(p). It returns 0 and ErrQueueFull when
// fewer than min(len(p), 256) bytes fit; an empty p with last sends an empty
// final frame. This is how a message larger than the send ring is sent.
// Control frames (Ping, Close, pongs) may go out between its frames; Send
// and Group.Broadcast may not (ErrFragmenting, skipped) until the message
// ends.
func (c *Conn) SendPart(text bool, p []byte, last bool) (int, error) {
	if c.state != stOpen {
		return 0, ErrClosed
	}
	if len(p) == 0 && !last {
		return 0, nil
	}
	free, ok := c.room()
	if !ok {
		return 0, ErrClosed
	}
	k := partLen(free, len(p))
	if k < len(p) && k < minPart || k == 0 && len(p) == 0 && free < 2 {
		c.sendFailed(ErrQueueFull)
		return 0, ErrQueueFull
	}
	fin := last && k == len(p)
	op := OpContinuation
	if !c.sendOpen {
		op = dataOpcode(text)
	}
	if err := c.writeFrame(op, fin, p[:k], ""); err != nil {
		c.sendFailed(err)
		return 0, err
	}
	c.sendOpen = !fin
	c.g.stats.BytesOut += uint64(k)
	if fin {
		c.g.stats.MessagesOut++
	}
	if k < len(p) {
		c.wantWrite = true
	}
	return k, nil
}

// partLen is the largest payload, at most n, that fits with its header in
// free bytes.
func partLen(free, n int) int {
	k := min(n, free-2)
	if k <= 125 {
		return max(k, 0)
	}
	if k = min(n, free-4); k <= 0xFFFF {
		return k
	}
	return min(n, free-10)
}

// Ping sends a ping with payload p (at most 125 bytes) if it fits in the
// send ring now, else ErrQueueFull. The peer's pong is not reported; any
// input keeps the connection alive (Config.PingInterval pings on its own).
func (c *Conn) Ping(p []byte) error {
	if c.state != stOpen {
		return ErrClosed
	}
	if len(p) > MaxControlPayload {
		return ErrControlLen
	}
	err := c.writeFrame(OpPing, true, p, "")
	if err != nil {
		c.sendFailed(err)
	}
	return err
}

// sendFailed notes a send that the ring could not take.
func (c *Conn) sendFailed(err error) {
	if err == ErrQueueFull {
		c.wantWrite = true
		c.g.stats.QueueFull++
	}
}

// Close starts the closing handshake (RFC 6455 7.1.2): it sends a close
// frame with code and reason (at most 123 bytes of UTF-8), at once or as
// soon as the send ring has room, and stops sending. Messages that arrive
// afterwards are discarded. When the peer's close frame arrives the server
// closes TCP and OnClose runs with the peer's code; if none arrives within
// Config.CloseTimeout, TCP is reset and OnClose reports CloseAbnormal.
// Close returns ErrClosed if the handshake had already begun.
func (c *Conn) Close(code CloseCode, reason string) error {
	if c.state != stOpen {
		return ErrClosed
	}
	if !code.Valid() {
		return ErrCloseCode
	}
	if len(reason) > MaxControlPayload-2 {
		return ErrControlLen
	}
	if !utf8.ValidString(reason) {
		return ErrInvalidUTF8
	}
	c.state = stClosing
	c.closeCode, c.closeReason, c.closePending = code, reason, true
	c.g.setTimer(c, tlClose, c.g.clockNow().Add(c.g.cfg.CloseTimeout))
	c.flushClose()
	return nil
}

// Open reports whether messages can still be sent: the closing handshake
// has not begun.
func (c *Conn) Open() bool { return c.state == stOpen }

// PauseRead stops delivering messages after the one being delivered:
// frames stay in TCP's receive ring and its window holds the peer back,
// so an application that cannot take more yet (an echo or relay waiting
// for room to send) needs no queue of its own. Pings and closes are not
// read while paused either; keep pauses shorter than PongTimeout.
func (c *Conn) PauseRead() { c.paused = true }

// ResumeRead undoes PauseRead and reads what has arrived.
func (c *Conn) ResumeRead() {
	if c.paused {
		c.paused = false
		c.readLoop()
	}
}

// RemoteAddr returns the peer's address and port (the zero AddrPort if
// the stream does not know it).
func (c *Conn) RemoteAddr() netip.AddrPort {
	_, r := stream.Tuple(c.sc)
	return r
}

// LocalAddr returns the server's address and port (the zero AddrPort if
// the stream does not know it).
func (c *Conn) LocalAddr() netip.AddrPort {
	l, _ := stream.Tuple(c.sc)
	return l
}

// SetValue stores v with the connection, for the application.
func (c *Conn) SetValue(v any) { c.value = v }

// Value returns what SetValue stored.
func (c *Conn) Value() any { return c.value }

// Group returns the connection's Group.
func (c *Conn) Group() *Group { return c.g }

func dataOpcode(text bool) Opcode {
	if text {
		return OpText
	}
	return OpBinary
}
