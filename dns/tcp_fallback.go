package dns

import (
	"encoding/binary"
	"io"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/tcp"
)

// The TCP fallback asks a question again over TCP after a truncated answer
// (RFC 7766 5): one connection per question, the query behind a two-byte
// length, the answer read behind its own (RFC 1035 4.2.2), and the
// connection closed once the answer is in. It runs on the reactor like the
// rest of the resolver: the connection's callbacks read what arrives and
// the question's deadline, checked in Poll, bounds the whole exchange.
//
// Memory is fixed by New: Config.TCPConns slots, each with a buffer of
// Config.MaxTCPMessage bytes for the answer and the connection's two
// rings. A question that finds every slot busy waits (phaseTCPWait) and
// takes the next one freed, oldest first.

// phase is where a question is on its way.
type phase uint8

const (
	phaseUDP     phase = iota // asking over UDP
	phaseTCPWait              // truncated; waiting for a free TCP slot
	phaseTCP                  // asking over the TCP connection q.tcp
)

// Ring sizes of a fallback connection. The receive ring is a window, not
// the answer: the answer is copied out as it arrives, so a small ring
// carries an answer of any length. The send ring holds the query, at most
// 2+12+255+4 bytes.
const (
	tcpRxRing = 4096
	tcpTxRing = 512
)

// tcpSlot is one fallback connection and its memory.
type tcpSlot struct {
	conn   *tcp.Conn // nil while idle
	owner  *question // the question asking over it
	rx, tx []byte    // the connection's rings
	frame  tcpFrame  // reads the answer into its own buffer

	// The connection's callbacks, made once so that a dial allocates no
	// closure.
	readable func()
	closed   func(error)
}

// initTCP carves the slots out of one allocation.
func (r *Resolver) initTCP() {
	per := r.cfg.MaxTCPMessage + tcpRxRing + tcpTxRing
	mem := make([]byte, r.cfg.TCPConns*per)
	r.tcps = make([]tcpSlot, r.cfg.TCPConns)
	for i := range r.tcps {
		sl := &r.tcps[i]
		b := mem[i*per : (i+1)*per : (i+1)*per]
		sl.frame.buf = b[:r.cfg.MaxTCPMessage:r.cfg.MaxTCPMessage]
		b = b[r.cfg.MaxTCPMessage:]
		sl.rx = b[:tcpRxRing:tcpRxRing]
		sl.tx = b[tcpRxRing:]
		sl.readable = func() { r.tcpReadable(sl) }
		sl.closed = func(err error) { r.tcpClosed(sl, err) }
	}
}

// idleTCP returns a free slot, or nil.
func (r *Resolver) idleTCP() *tcpSlot {
	for i := range r.tcps {
		if r.tcps[i].conn == nil {
			return &r.tcps[i]
		}
	}
	return nil
}

// tcpDial connects sl to q's server and queues the query, which goes out
// when the handshake completes.
func (r *Resolver) tcpDial(q *question, sl *tcpSlot, now reactor.Instant) {
	c, err := r.dialer.DialTCP(q.tcpAddr, tcp.Config{
		RxBuffer: sl.rx, TxBuffer: sl.tx,
		// The query is one whole message, length and all, written at
		// once (RFC 7766 8): nothing for Nagle to gather, so nothing for
		// it to hold back.
		NoDelay: true,
		// The question's deadline is the bound; these only keep the
		// connection from outliving it on its own.
		ConnectTimeout: r.cfg.TCPTimeout, UserTimeout: r.cfg.TCPTimeout,
	})
	if err != nil { // the stack could not open it: no port, no route
		r.tcpFailed(q, ErrTCPRefused, now)
		return
	}
	r.stats.TCPQueries++
	sl.conn, sl.owner = c, q
	q.tcp, q.phase = sl, phaseTCP
	sl.frame.reset()
	c.OnReadable(sl.readable)
	c.OnClosed(sl.closed)
	msg, err := appendQuery(r.buf[2:2], q.id, &q.qname, q.qtype)
	if err == nil {
		binary.BigEndian.PutUint16(r.buf[:2], uint16(len(msg)))
		if n, werr := c.Write(r.buf[:2+len(msg)]); werr != nil || n != 2+len(msg) {
			err = ErrTCPRefused // cannot happen: the ring is empty and holds any query
		}
	}
	if err != nil {
		r.tcpFail(sl, ErrTCPRefused, now)
	}
}

// tcpReadable reads what arrived on sl's connection into the answer's
// buffer and acts on the answer once it is whole. It runs inside the
// stack's poll.
func (r *Resolver) tcpReadable(sl *tcpSlot) {
	q := sl.owner
	if r.closed || q == nil {
		return
	}
	now := r.r.Now()
	for !sl.frame.done() {
		b, err := sl.conn.ReadLease()
		if len(b) == 0 {
			if err != tcp.ErrWouldBlock {
				r.tcpFail(sl, tcpError(err), now)
			}
			return
		}
		n, err := sl.frame.write(b)
		sl.conn.Consume(n)
		if err != nil {
			r.tcpFail(sl, err, now)
			return
		}
	}
	err := parseResponse(sl.frame.message(), q.id, &q.qname, q.qtype, r.cfg.MaxCNAMEHops-q.hops, &r.resp)
	if err == errMismatch {
		// On UDP a stranger's datagram; on our own connection, a server
		// that answered something else.
		err = ErrMalformed
	}
	r.stats.TCPAnswers++
	// The slot is free before the answer is acted on: acting may complete
	// the lookup, whose callback may start others.
	r.tcpDrop(sl, false)
	r.answer(q, q.server, err, &r.resp, now)
	r.tcpNext(now)
	r.h.Wake()
}

// tcpClosed runs when sl's connection ends before the answer was read:
// refused, reset, or timed out by the connection itself.
func (r *Resolver) tcpClosed(sl *tcpSlot, err error) {
	if r.closed || sl.owner == nil {
		return
	}
	r.tcpFail(sl, tcpError(err), r.r.Now())
}

// tcpError names why a connection gave no whole answer.
func tcpError(err error) Error {
	switch err {
	case tcp.ErrRefused:
		return ErrTCPRefused
	case tcp.ErrConnectTimeout, tcp.ErrUserTimeout, tcp.ErrKeepAliveTimeout:
		return ErrTCPTimeout
	case io.EOF, nil:
		return ErrTCPClosed
	}
	return ErrTCPReset
}

// tcpFail ends sl's exchange with err: the connection is reset, the slot
// goes to the next question waiting, and the server counts as failed.
func (r *Resolver) tcpFail(sl *tcpSlot, err error, now reactor.Instant) {
	q := sl.owner
	r.tcpDrop(sl, true)
	r.tcpFailed(q, err, now)
	r.tcpNext(now)
	r.h.Wake()
}

// tcpExpire handles the deadline of a question in the TCP fallback.
func (r *Resolver) tcpExpire(q *question, now reactor.Instant) {
	if q.tcp != nil {
		r.tcpDrop(q.tcp, true)
	}
	r.tcpFailed(q, ErrTCPTimeout, now)
	r.tcpNext(now)
}

// tcpFailed moves q on from a server whose TCP fallback failed: to the
// next server over UDP while attempts last, else to the end with err.
func (r *Resolver) tcpFailed(q *question, err error, now reactor.Instant) {
	r.stats.TCPErrors++
	r.serverFailed(q, q.server, err, now)
}

// tcpDrop frees sl: its connection is handed back to the stack, closed
// gracefully after an answer, reset after a failure. Either way it lets go
// of sl's rings at once, so the next dial may reuse them: Release drops
// them once nothing sent is unacknowledged, and a server that answered
// without acknowledging the query is reset rather than waited for.
func (r *Resolver) tcpDrop(sl *tcpSlot, abort bool) {
	c := sl.conn
	sl.owner.tcp = nil
	sl.conn, sl.owner = nil, nil
	c.OnReadable(nil)
	c.OnClosed(nil)
	if abort || c.SendQueued() > 0 {
		c.Abort()
	}
	c.Release()
}

// tcpNext hands free slots to the questions waiting, oldest first.
func (r *Resolver) tcpNext(now reactor.Instant) {
	for !r.closed {
		sl := r.idleTCP()
		if sl == nil {
			return
		}
		var next *question
		for i := range r.cells {
			for j := range r.cells[i].q {
				q := &r.cells[i].q[j]
				// One whose deadline has come is left to expire in this
				// Poll rather than dialled for nothing.
				if q.running && q.phase == phaseTCPWait && q.deadline > now && (next == nil || q.tcpSeq < next.tcpSeq) {
					next = q
				}
			}
		}
		if next == nil {
			return
		}
		r.tcpDial(next, sl, now)
	}
}
