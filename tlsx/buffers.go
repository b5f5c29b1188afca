package tlsx

import (
	"errors"
	"slices"
	"unsafe"
)

// Record buffer sizing (RFC 8449 record_size_limit).
//
// The receive buffer holds one record of the size we advertise: header,
// TLSInnerPlaintext (content type byte included) and the AEAD tag. It is
// allocated once, by NewClient or NewServer. Unprotected handshake
// records (a ClientHello, a ServerHello) are not bound by the limit, so
// process streams them into handshake reassembly as they arrive instead
// of holding them whole: a 2 KiB Conn still takes a 16 KiB ClientHello.
//
// The send buffer holds one record of the size both ends allow (ours and
// the peer's limit) plus ctlReserve for an alert and a KeyUpdate. The
// handshake flight (a certificate chain, or a ClientHello carrying a
// ticket) may be larger than that: while the handshake runs the buffer
// grows to hold a whole message, and once the handshake is done and its
// output fits it is swapped for the steady-state one (settleOut). The
// alternative, holding the marshalled flight and sealing it a record at a
// time as Output drains, keeps the same bytes alive for the same round
// trip, and would delay the key switches of the flight until it drained:
// more states for the same memory.

// Limits on Config.RecordSizeLimit: RFC 8449's least value, and a full
// TLS 1.3 record plus its content type.
const (
	minRecordSizeLimit = 64
	maxRecordSizeLimit = maxPlaintext + 1
)

// ctlReserve is send buffer room that application data never takes, so
// that close_notify, a fatal alert or the answer to a KeyUpdate still fit
// when Write has filled the buffer (each is one record of 24 or 27 bytes).
const ctlReserve = 64

var errRecordSizeLimit = errors.New("tlsx: Config.RecordSizeLimit must be 0 or 64..16385")
var errPoolLimit = errors.New("tlsx: Config.RecordSizeLimit is larger than Config.Buffers' record size")

// configRecordLimit is the record_size_limit of cfg.
func configRecordLimit(cfg *Config) (int, error) {
	l := cfg.RecordSizeLimit
	switch {
	case l == 0:
		return maxRecordSizeLimit, nil
	case l < minRecordSizeLimit || l > maxRecordSizeLimit:
		return 0, newError(KindConfig, 0, errRecordSizeLimit)
	}
	return l, nil
}

// recordLen is the length on the wire of a protected record whose
// TLSInnerPlaintext is limit bytes long.
func recordLen(limit int) int { return recordHeaderLen + limit + aeadOverheadBytes }

// steadyOutLen is the send buffer of a connection whose records carry at
// most sendLimit bytes of TLSInnerPlaintext.
func steadyOutLen(sendLimit int) int { return recordLen(sendLimit) + ctlReserve }

// initBuffers sizes the Conn by its Config's record_size_limit: the
// receive buffer for good, the send buffer for the handshake (it may
// grow, and is settled afterwards).
func (c *Conn) initBuffers() error {
	l, err := configRecordLimit(c.cfg)
	if err != nil {
		return err
	}
	c.recvLimit, c.sendLimit, c.maxSend = l, l, l-1
	if p := c.cfg.Buffers; p != nil {
		if l > p.recLimit {
			return newError(KindConfig, 0, errPoolLimit)
		}
		// Both buffers come when there is something to hold; the
		// handshake's output grows from ctl as it needs (growOut).
		c.pool = p
		c.out = c.ctl[:]
		return nil
	}
	c.in = newBuf(recordLen(l))
	c.outReq = steadyOutLen(l)
	c.out = newBuf(c.outReq)
	return nil
}

// newBuf allocates a buffer of at least n bytes and lends all of the
// allocation: the heap rounds n up to its size class (a 16 KiB record
// buffer takes 18 KiB), and the rest is better used than wasted.
func newBuf(n int) []byte {
	b := slices.Grow([]byte(nil), n)
	return b[:cap(b)]
}

// setPeerLimit applies the peer's record_size_limit (already checked to
// be at least 64) to what we send.
func (c *Conn) setPeerLimit(peer uint16) {
	if int(peer) < c.sendLimit {
		c.sendLimit = int(peer)
		c.maxSend = c.sendLimit - 1
	}
}

// growOut makes room for need more bytes of output while the handshake
// runs; once it is complete the send buffer never grows (alerts and
// KeyUpdates have ctlReserve).
func (c *Conn) growOut(need int) bool {
	if c.complete || c.outSteady || c.leased {
		return false
	}
	pending := c.outEnd - c.outStart
	c.outReq = max(pending+need, 2*len(c.out), 1024)
	b := newBuf(c.outReq)
	copy(b, c.out[c.outStart:c.outEnd])
	c.out, c.outStart, c.outEnd = b, 0, pending
	return true
}

// settleOut ends the handshake's use of the send buffer: from now on it
// is one record of the negotiated size plus ctlReserve and never grows.
// If the output still queued does not fit such a buffer, the swap waits
// until Output has drained it (ConsumeOutput calls again).
func (c *Conn) settleOut() {
	if c.outSteady {
		return
	}
	if c.pool != nil {
		c.settlePooledOut()
		return
	}
	want := steadyOutLen(c.sendLimit)
	pending := c.outEnd - c.outStart
	if c.outReq == want {
		c.outSteady = true
		return
	}
	if pending > want || c.leased {
		return
	}
	b := newBuf(want)
	copy(b, c.out[c.outStart:c.outEnd])
	c.out, c.outStart, c.outEnd, c.outReq = b, 0, pending, want
	c.outSteady = true
}

// handshakeDone marks the handshake complete once the last handshake
// message of this side is queued: handshake reassembly space is let go
// and the send buffer shrinks to its steady-state size.
func (c *Conn) handshakeDone() {
	if len(c.hsBuf) == 0 {
		c.hsBuf = nil
	}
	c.settleOut()
}

// connFixed is what an established Conn holds beyond what
// MemoryFootprint counts itself: the Conn, both directions' AES-128-GCM
// state and traffic secrets, the exporter and resumption secrets. It was
// measured with TestMemoryPerConn and TestPoolMemoryPerConn (Go 1.26,
// amd64): with AES-256-GCM (and SHA-384's longer secrets) it is about 130
// bytes more; ChaCha20-Poly1305 keeps only its 32-byte keys where AES-GCM
// keeps a key schedule and a GHASH table each way, 1,440 bytes less.
const connFixed = 2240

// fixedFor is connFixed for the Conn's cipher suite.
func (c *Conn) fixedFor() int {
	switch c.CipherSuite() {
	case TLS_AES_256_GCM_SHA384:
		return connFixed + 128
	case TLS_CHACHA20_POLY1305_SHA256:
		return connFixed - 1440
	}
	return connFixed
}

// MemoryFootprint is an estimate of the heap bytes the Conn holds: its
// record buffers, handshake reassembly space, the peer's certificates kept
// for PeerCertificates, the Conn itself and its cipher state. It does not
// count the Config, which Conns share. An established idle Conn holds
// about 39 KiB with the default RecordSizeLimit (a full record buffer
// each way, 18 KiB with the heap's rounding) and about 7 KiB with
// RecordSizeLimit 2048; a client adds the server's chain, about 1 KiB a
// certificate. With Config.Buffers, the buffers borrowed from the pool are
// the pool's and not counted: an idle Conn then holds about 2.3 KiB with
// AES-GCM, 0.9 KiB with ChaCha20-Poly1305, plus a client's server chain. During
// the handshake the key exchange and the transcript
// hold more, and the send buffer holds the whole flight. The fixed part
// (the Conn and its cipher state) is measured on 64-bit targets; 32-bit
// ones hold less, so there the estimate errs high.
func (c *Conn) MemoryFootprint() int {
	n := c.fixedFor() + cap(c.hsBuf) + 24*cap(c.peerCerts)
	if !c.inPooled {
		n += cap(c.in)
	}
	if !c.outPooled && !c.outIsCtl() {
		n += cap(c.out)
	}
	for _, d := range c.peerCerts {
		n += cap(d)
	}
	if c.srv != nil && c.srv != &srvDone[0] && c.srv != &srvDone[1] {
		n += int(unsafe.Sizeof(serverHandshake{}))
	}
	return n
}
