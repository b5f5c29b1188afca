package tlsx

import (
	"crypto/rand"
	"io"
	"time"
)

// Record layer sizes (RFC 8446 section 5).
const (
	recordHeaderLen   = 5
	maxPlaintext      = 1 << 14
	defaultMaxHSMsg   = 64 << 10
	contentCCS        = 20
	contentAlert      = 21
	contentHandshake  = 22
	contentAppData    = 23
	aeadOverheadBytes = 16
)

// Conn is one TLS 1.3 connection, driven by its owner: Input what arrived,
// send what Output gives, and call Tick at NextDeadline. It is not safe for
// concurrent use; in legation it lives on the reactor goroutine.
type Conn struct {
	cfg  *Config
	rand io.Reader

	// in holds received bytes: in[plainOff:plainEnd] is decrypted
	// application data lent by ReadLease, in[inStart:inEnd] is not yet
	// processed. rawLeft is what is still to come of an unprotected
	// handshake record being streamed (buffers.go).
	in                 []byte
	plainOff, plainEnd int
	inStart, inEnd     int
	rawLeft            int

	// out holds protected records waiting to be sent: out[outStart:outEnd].
	// outSteady says it has its steady-state size and no longer grows.
	out              []byte
	outStart, outEnd int
	leased           bool // a WriteLease is out, leaseLen bytes long
	leaseLen         int
	leaseAlert       Alert // a fatal alert waiting for CommitWrite
	outSteady        bool
	outReq           int // the size out was allocated for

	rd, wr    halfConn
	suite     *suiteInfo
	hsBuf     []byte // handshake message reassembly
	maxHS     int
	recvLimit int  // record_size_limit we advertise (RFC 8449)
	sendLimit int  // the lesser of ours and the peer's
	maxSend   int  // largest plaintext per record we send: sendLimit - 1
	kuPending bool // the peer asked for a KeyUpdate we have not sent yet
	kuQuiet   bool // we answered one and sent no application data since

	hs         *clientHandshake
	complete   bool
	peerClosed bool // close_notify received
	sentClose  bool
	err        error
	deadline   time.Time

	alpn       string
	peerCerts  [][]byte
	resumption []byte
	exporter   []byte
	tickets    int
	keep       *clientHandshake // finished handshake state, for tests
	rdChanged  bool             // the read key changed in the record being handled

	// Record buffers lent by Config.Buffers (pool_conn.go): in and out
	// may be the pool's; out is ctl, the Conn's own 64 bytes for alerts
	// and KeyUpdates, while it holds no other.
	pool      *BufferPool
	poolFlags uint8 // poolWaitIn, poolWaitOut, poolReady
	inPooled  bool
	outPooled bool
	noInput   bool // DiscardInput: nothing more is read
	onBuffer  func()
	ctl       [ctlReserve]byte

	// Server side (server*.go); resumed is set by either side.
	isServer bool
	srv      *serverHandshake
	sni      string
	resumed  bool
}

// NewClient makes a client Conn and queues its ClientHello: Output has it
// at once.
func NewClient(cfg *Config) (*Conn, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	if !cfg.SkipCertificateVerification {
		if cfg.RootCAs == nil {
			return nil, newError(KindConfig, 0, errNoRoots)
		}
		if cfg.ServerName == "" {
			return nil, newError(KindConfig, 0, errNoName)
		}
	}
	c := &Conn{
		cfg:   cfg,
		rand:  cfg.Rand,
		maxHS: cfg.MaxHandshakeMessage,
	}
	if err := c.initBuffers(); err != nil {
		return nil, err
	}
	if c.rand == nil {
		c.rand = rand.Reader
	}
	if c.maxHS <= 0 {
		c.maxHS = defaultMaxHSMsg
	}
	if err := c.startClient(); err != nil {
		return nil, err
	}
	return c, nil
}

// DidResume reports whether the handshake resumed a session from a ticket
// (a PSK handshake) instead of authenticating with certificates.
func (c *Conn) DidResume() bool { return c.resumed }

// dispatchHandshake hands a whole handshake message to the side's state
// machine.
func (c *Conn) dispatchHandshake(msg []byte) {
	if c.isServer {
		c.serverHandshakeMessage(msg)
		return
	}
	c.handshakeMessage(msg)
}

// HandshakeComplete reports whether application data can flow.
func (c *Conn) HandshakeComplete() bool { return c.complete }

// Err is the error that ended the connection, nil while it is healthy or
// after a clean close_notify.
func (c *Conn) Err() error { return c.err }

// NegotiatedProtocol is the ALPN protocol the server chose, or "".
func (c *Conn) NegotiatedProtocol() string { return c.alpn }

// CipherSuite is the negotiated suite, 0 before the ServerHello.
func (c *Conn) CipherSuite() uint16 {
	if c.suite == nil {
		return 0
	}
	return c.suite.id
}

// PeerCertificates are the DER certificates the server sent.
func (c *Conn) PeerCertificates() [][]byte { return c.peerCerts }

// SetHandshakeDeadline sets when Tick fails a handshake that has not
// completed; the zero time means never.
func (c *Conn) SetHandshakeDeadline(t time.Time) { c.deadline = t }

// NextDeadline is when Tick must next be called, or the zero time.
func (c *Conn) NextDeadline() time.Time {
	if c.complete || c.err != nil {
		return time.Time{}
	}
	return c.deadline
}

// Tick tells the engine the time; past the handshake deadline it fails
// the connection with ErrTimeout and queues an alert.
func (c *Conn) Tick(now time.Time) {
	if c.complete || c.err != nil || c.deadline.IsZero() || now.Before(c.deadline) {
		return
	}
	c.fail(newError(KindTimeout, AlertUserCanceled, nil))
}

// fail records the first fatal error and queues its alert.
func (c *Conn) fail(e *Error) {
	if c.err != nil {
		return
	}
	c.err = e
	if !e.Remote && e.Alert != 0 && !c.sendAlert(e.Alert) && c.leased {
		c.leaseAlert = e.Alert // CommitWrite sends it
	}
	c.inStart, c.inEnd, c.rawLeft = 0, 0, 0
	c.returnIn()
}

// Input feeds received bytes. It takes as many as fit and reports how many
// it took: fewer than len(p) means the caller must consume plaintext (or
// send output) and offer the rest again. The error is the connection's
// fatal error, if processing hit one, or ErrWouldBlock when it took
// nothing because Config.Buffers had no buffer to lend (offer the bytes
// again once OnBufferReady's function runs).
func (c *Conn) Input(p []byte) (int, error) {
	total := 0
	for c.err == nil && len(p) > 0 && !c.noInput {
		if c.in == nil && !c.borrowIn() {
			return total, ErrWouldBlock
		}
		if len(c.in)-c.inEnd < len(p) {
			c.compactIn()
		}
		n := copy(c.in[c.inEnd:], p)
		if n == 0 {
			break
		}
		c.inEnd += n
		total += n
		p = p[n:]
		// Processing may free the buffer (handshake records, a
		// streamed hello): then take more.
		c.process()
	}
	c.returnIn()
	return total, c.err
}

// InputEOF tells the engine that the transport closed its receive side.
// Without a close_notify first that is a truncation attack or a crash, and
// the connection fails with ErrTruncated.
func (c *Conn) InputEOF() {
	if c.peerClosed || c.err != nil {
		return
	}
	c.fail(newError(KindTruncated, 0, nil))
}

func (c *Conn) compactIn() {
	from := c.inStart
	if c.plainEnd > c.plainOff {
		from = c.plainOff
	}
	if from == 0 {
		return
	}
	copy(c.in, c.in[from:c.inEnd])
	c.plainOff -= from
	c.plainEnd -= from
	c.inStart -= from
	c.inEnd -= from
	if c.plainOff < 0 {
		c.plainOff, c.plainEnd = 0, 0
	}
}

// ReadLease lends the decrypted bytes of the current record; they stay
// valid until Consume. It answers ErrWouldBlock when nothing is ready,
// io.EOF after the peer's close_notify, or the fatal error.
func (c *Conn) ReadLease() ([]byte, error) {
	if c.plainEnd > c.plainOff {
		return c.in[c.plainOff:c.plainEnd], nil
	}
	if c.err != nil {
		return nil, c.err
	}
	if c.peerClosed {
		return nil, io.EOF
	}
	return nil, ErrWouldBlock
}

// Consume marks n lent bytes as read; records still buffered are then
// processed.
func (c *Conn) Consume(n int) {
	if n < 0 {
		n = 0
	}
	if n > c.plainEnd-c.plainOff {
		n = c.plainEnd - c.plainOff
	}
	c.plainOff += n
	if c.plainOff == c.plainEnd {
		c.plainOff, c.plainEnd = 0, 0
		c.process()
		c.returnIn()
	}
}

// Buffered is how many decrypted bytes ReadLease would lend now.
func (c *Conn) Buffered() int { return c.plainEnd - c.plainOff }

// Read copies decrypted bytes into p.
func (c *Conn) Read(p []byte) (int, error) {
	b, err := c.ReadLease()
	if err != nil {
		return 0, err
	}
	n := copy(p, b)
	c.Consume(n)
	return n, nil
}

// Pending is how many bytes Output has to send.
func (c *Conn) Pending() int { return c.outEnd - c.outStart }

// Output copies bytes to send into p and forgets them.
func (c *Conn) Output(p []byte) int {
	n := copy(p, c.out[c.outStart:c.outEnd])
	c.ConsumeOutput(n)
	return n
}

// OutputLease lends the bytes to send without copying; ConsumeOutput says
// how many the transport took.
func (c *Conn) OutputLease() []byte { return c.out[c.outStart:c.outEnd] }

// ConsumeOutput forgets n bytes from the front of the output.
func (c *Conn) ConsumeOutput(n int) {
	if n > c.outEnd-c.outStart {
		n = c.outEnd - c.outStart
	}
	c.outStart += n
	if c.outStart == c.outEnd && !c.leased {
		c.outStart, c.outEnd = 0, 0
		if !c.outSteady && c.complete {
			c.settleOut() // the handshake's output is gone: shrink
		}
		c.returnOut()
	}
}

// outRoom makes room at the end of out and reports how much there is.
func (c *Conn) outRoom() int {
	if c.outStart > 0 && !c.leased {
		copy(c.out, c.out[c.outStart:c.outEnd])
		c.outEnd -= c.outStart
		c.outStart = 0
	}
	return len(c.out) - c.outEnd
}

// Write encrypts p into records; it takes what fits and answers
// ErrWouldBlock if nothing did (send output first, or with Config.Buffers
// wait for OnBufferReady's function).
func (c *Conn) Write(p []byte) (int, error) {
	if err := c.writable(); err != nil {
		return 0, err
	}
	if err := c.answerKeyUpdate(); err != nil {
		return 0, err
	}
	n := 0
	for n < len(p) {
		lease := c.writeLease()
		if len(lease) == 0 {
			break
		}
		k := copy(lease, p[n:])
		c.sealRecord(contentAppData, k)
		n += k
	}
	if n == 0 && len(p) > 0 {
		return 0, ErrWouldBlock
	}
	return n, nil
}

// WriteLease lends room for the plaintext of one record; CommitWrite seals
// what was written there. Every WriteLease must end with CommitWrite.
func (c *Conn) WriteLease() ([]byte, error) {
	if err := c.writable(); err != nil {
		return nil, err
	}
	if err := c.answerKeyUpdate(); err != nil {
		return nil, err
	}
	b := c.writeLease()
	if len(b) == 0 {
		return nil, ErrWouldBlock
	}
	c.leased, c.leaseLen = true, len(b)
	return b, nil
}

// CommitWrite seals n bytes written into the WriteLease as one record.
func (c *Conn) CommitWrite(n int) {
	if !c.leased {
		return
	}
	c.leased = false
	defer c.returnOut() // nothing committed: a pooled buffer goes back
	if c.leaseAlert != 0 {
		// An error came while the lease was out: its alert goes now,
		// where the lease was, and the data does not.
		c.sendAlert(c.leaseAlert)
		c.leaseAlert = 0
	}
	if n <= 0 || c.err != nil {
		return
	}
	// Not writeLease again: it may compact out and move outEnd away
	// from the plaintext written in the lease.
	c.sealRecord(contentAppData, min(n, c.leaseLen))
	// A KeyUpdate the peer asked for meanwhile follows this record.
	c.answerKeyUpdate()
}

func (c *Conn) writable() error {
	if c.err != nil {
		return c.err
	}
	if c.sentClose {
		return ErrClosed
	}
	if !c.complete {
		return ErrWouldBlock
	}
	return nil
}

// writeLease is the plaintext room of the next record in out, leaving
// ctlReserve for alerts and KeyUpdates.
func (c *Conn) writeLease() []byte {
	if !c.borrowOut() {
		return nil
	}
	room := c.outRoom() - recordHeaderLen - 1 - aeadOverheadBytes - ctlReserve
	if room <= 0 {
		return nil
	}
	if room > c.maxSend {
		room = c.maxSend
	}
	start := c.outEnd + recordHeaderLen
	return c.out[start : start+room]
}

// sealRecord protects the n plaintext bytes already at
// out[outEnd+5:] as one record of inner type typ.
func (c *Conn) sealRecord(typ byte, n int) {
	if typ == contentAppData {
		c.kuQuiet = false
	}
	hdr := c.out[c.outEnd : c.outEnd+recordHeaderLen]
	body := c.outEnd + recordHeaderLen
	if c.wr.aead == nil {
		hdr[0], hdr[1], hdr[2] = typ, 3, 3
		if typ == contentHandshake && !c.complete && c.suite == nil {
			hdr[2] = 1 // legacy_record_version 0x0301 for the first ClientHello
		}
		hdr[3], hdr[4] = byte(n>>8), byte(n)
		c.outEnd = body + n
		return
	}
	c.out[body+n] = typ
	n++
	total := n + c.wr.aead.Overhead()
	hdr[0], hdr[1], hdr[2], hdr[3], hdr[4] = contentAppData, 3, 3, byte(total>>8), byte(total)
	c.wr.aead.Seal(c.out[body:body], c.wr.nextNonce(), c.out[body:body+n], hdr)
	c.outEnd = body + total
}

// writeMessage queues a handshake message or alert, split into records,
// all or nothing: a message cut short would leave the peer half of it and
// nothing could follow. While the handshake runs the send buffer grows to
// fit (buffers.go); after, a message that does not fit is refused.
func (c *Conn) writeMessage(typ byte, msg []byte) bool {
	if c.leased {
		// The lent plaintext sits where the message would go.
		return false
	}
	frag, overhead := c.maxSend, recordHeaderLen+1+aeadOverheadBytes
	if c.wr.aead == nil {
		// Unprotected records (hellos) are not bound by record_size_limit.
		frag, overhead = maxPlaintext, recordHeaderLen
	}
	need := len(msg) + (len(msg)+frag-1)/frag*overhead
	if c.outRoom() < need && !c.growOut(need) && !(c.borrowOut() && c.outRoom() >= need) {
		return false
	}
	for len(msg) > 0 {
		k := copy(c.out[c.outEnd+recordHeaderLen:], msg[:min(len(msg), frag)])
		c.sealRecord(typ, k)
		msg = msg[k:]
	}
	return true
}

// sendAlert queues an alert and reports whether it fit.
func (c *Conn) sendAlert(a Alert) bool {
	level := byte(2)
	if a == AlertCloseNotify || a == AlertUserCanceled {
		level = 1
	}
	var b [2]byte
	b[0], b[1] = level, byte(a)
	return c.writeMessage(contentAlert, b[:])
}

// Close sends close_notify; reading goes on until the peer's. It answers
// ErrWouldBlock, and sends nothing, if the output is too full to take
// the alert: send output and call it again.
func (c *Conn) Close() error {
	if c.err != nil {
		return c.err
	}
	if c.sentClose {
		return nil
	}
	if !c.sendAlert(AlertCloseNotify) {
		return ErrWouldBlock
	}
	c.sentClose = true
	return nil
}

// KeyUpdate sends a KeyUpdate and switches to the next write key;
// requestPeer asks the peer to update its keys too.
func (c *Conn) KeyUpdate(requestPeer bool) error {
	if err := c.writable(); err != nil {
		return err
	}
	if err := c.sendKeyUpdate(requestPeer); err != nil {
		return err
	}
	c.kuPending = false // this update answers a pending request too
	return nil
}

// keyUpdateRequested handles a peer's KeyUpdate with update_requested:
// we must update our write key before our next application data record
// (RFC 8446 section 4.6.3). Requests that arrive while we have sent no
// data since our last answer need no new answer, so a peer cannot make
// us queue answers without end; one that does not fit now is sent before
// the next Write.
func (c *Conn) keyUpdateRequested() {
	if c.kuQuiet || c.sentClose {
		return
	}
	c.kuPending = true
	c.answerKeyUpdate()
}

// answerKeyUpdate sends a pending KeyUpdate answer: nil when none is left
// pending, else ErrWouldBlock or the fatal error.
func (c *Conn) answerKeyUpdate() error {
	if !c.kuPending {
		return nil
	}
	if err := c.sendKeyUpdate(false); err != nil {
		return err
	}
	c.kuPending, c.kuQuiet = false, true
	return nil
}

// receiveKeyUpdate handles a KeyUpdate from the peer, on either side:
// the next read key, and our own update if the peer asked for one.
func (c *Conn) receiveKeyUpdate(body []byte) {
	if len(body) != 1 || body[0] > 1 {
		c.hsFail(KindDecode, AlertDecodeError, nil)
		return
	}
	if !c.setReadKey(expandLabel(c.suite.hash, c.rd.secret, "traffic upd", nil, c.suite.hlen)) {
		return
	}
	if body[0] == 1 {
		c.keyUpdateRequested()
	}
}

func (c *Conn) sendKeyUpdate(request bool) error {
	var m [5]byte
	m[0], m[3] = typeKeyUpdate, 1
	if request {
		m[4] = 1
	}
	if !c.writeMessage(contentHandshake, m[:]) {
		return ErrWouldBlock
	}
	if !c.setWriteKey(expandLabel(c.suite.hash, c.wr.secret, "traffic upd", nil, c.suite.hlen)) {
		return c.err
	}
	return nil
}
