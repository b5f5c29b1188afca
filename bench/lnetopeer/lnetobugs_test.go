package lnetopeer

import (
	"encoding/binary"
	"github.com/soypat/lneto/tcp"
	"testing"
	"time"
)

// Tests of lneto alone (two lneto stacks, no legation) that pin down the
// lneto v0.3.2 defects the interop tests ran into, so each can be blamed on
// lneto with no doubt. Each asserts that the defect is still there: when an
// lneto upgrade fixes one, its test fails and says which workaround in this
// package to drop.

// tcpPayloadLen returns the TCP payload length of an Ethernet/IPv4/TCP frame,
// or -1 if it is not one.
func tcpPayloadLen(f []byte) int {
	if len(f) < 14+20+20 || binary.BigEndian.Uint16(f[12:]) != 0x0800 || f[14+9] != 6 {
		return -1
	}
	ip := f[14:]
	ihl := int(ip[0]&0xf) * 4
	tot := int(binary.BigEndian.Uint16(ip[2:]))
	if tot > len(ip) || ihl+20 > tot {
		return -1
	}
	doff := int(ip[ihl+12]>>4) * 4
	return tot - ihl - doff
}

// reassemblyAfterDrain sends six segments A->B, loses the second, lets B's
// application read what is in order (the first segment), then lets A's
// retransmission timer resend, and reports whether B's application read
// back exactly what A wrote. bare reads with lneto's own Read.
func reassemblyAfterDrain(t *testing.T, bare, readEarly bool) (intact bool, got int) {
	t.Helper()
	p, err := NewPair(PairConfig{})
	if err != nil {
		t.Fatal(err)
	}
	p.bareRead = bare
	if err := p.Connect(); err != nil {
		t.Fatal(err)
	}
	const n = 6 * 1460
	for i := range n {
		p.src[i] = pattern(i)
	}
	if w, err := p.ca.Write(p.src[:n]); w != n || err != nil {
		t.Fatalf("write %d: %v", w, err)
	}
	data := 0
	p.drop = func(toB bool, f []byte) bool {
		if toB && tcpPayloadLen(f) > 0 {
			data++
			return data == 2
		}
		return false
	}
	if _, err := p.step(); err != nil {
		t.Fatal(err)
	}
	p.drop = nil
	if data != 6 {
		t.Fatalf("A sent %d data segments, want 6", data)
	}
	out := make([]byte, 0, n)
	read := func() {
		for {
			m, _ := p.read(&p.cb, p.sink)
			if m == 0 {
				return
			}
			out = append(out, p.sink[:m]...)
		}
	}
	if readEarly {
		read() // the first segment; with lneto's Read this empties the ring
	}
	// A's retransmission timer: the pair's clock moves only with frames.
	for range 4 {
		p.now += int64(3 * time.Second)
		if _, err := p.step(); err != nil {
			t.Fatal(err)
		}
		read()
	}
	for i, c := range out {
		if c != pattern(i) {
			return false, len(out)
		}
	}
	return len(out) == n, len(out)
}

// lneto stages a segment that arrives beyond a hole in the receive ring's
// free space relative to the ring's write position; a Read that empties the
// ring resets its offsets (internal/ring.go, Ring.onReadEnd -> Reset), so
// the staged bytes are later delivered from the wrong place.
func TestLnetoBugReassemblyAfterDrain(t *testing.T) {
	if ok, got := reassemblyAfterDrain(t, true, false); !ok {
		t.Fatalf("control (no read before the hole fills): %d bytes, not intact", got)
	}
	if ok, got := reassemblyAfterDrain(t, false, true); !ok {
		t.Fatalf("lnetoRead's workaround: %d bytes, not intact", got)
	}
	ok, got := reassemblyAfterDrain(t, true, true)
	if ok {
		t.Fatal("lneto's Read after a loss delivered intact data: the reassembly bug is fixed; drop lnetoRead's workaround")
	}
	t.Logf("lneto bug reproduced: reading the in-order prefix while a later segment is staged makes lneto deliver %d bytes that differ from what was sent", got)
}

// tcpFlags returns the TCP flags byte of an Ethernet/IPv4/TCP frame.
func tcpFlags(f []byte) byte {
	ihl := int(f[14]&0xf) * 4
	return f[14+ihl+13]
}

// bumpSeq adds d to the sequence number of an Ethernet/IPv4/TCP frame and
// fixes its checksum.
func bumpSeq(f []byte, d uint32) {
	ihl := int(f[14]&0xf) * 4
	seq := f[14+ihl+4:]
	binary.BigEndian.PutUint32(seq, binary.BigEndian.Uint32(seq)+d)
	fixChecksums(f)
}

// fixChecksums recomputes the IPv4 header and TCP checksums of an
// Ethernet/IPv4/TCP frame, as far as its length fields allow.
func fixChecksums(f []byte) {
	if len(f) < 14+20 {
		return
	}
	ip := f[14:]
	ihl := int(ip[0]&0xf) * 4
	tot := int(binary.BigEndian.Uint16(ip[2:]))
	if ihl < 20 || tot < ihl+20 || tot > len(ip) {
		return
	}
	sum := func(init uint32, b []byte) uint32 {
		for len(b) >= 2 {
			init += uint32(binary.BigEndian.Uint16(b))
			b = b[2:]
		}
		if len(b) == 1 {
			init += uint32(b[0]) << 8
		}
		return init
	}
	fold := func(s uint32) uint16 {
		for s > 0xffff {
			s = s&0xffff + s>>16
		}
		return ^uint16(s)
	}
	ip[10], ip[11] = 0, 0
	binary.BigEndian.PutUint16(ip[10:], fold(sum(0, ip[:ihl])))
	seg := ip[ihl:tot]
	seg[16], seg[17] = 0, 0
	binary.BigEndian.PutUint16(seg[16:], fold(sum(sum(6+uint32(len(seg)), ip[12:20]), seg)))
}

// lneto accepts a segment only at exactly RCV.NXT, even one without data
// (tcp/control.go validateIncomingSegment: errRequireSequential), where RFC
// 9293 (3.10.7.4) accepts a zero-length segment anywhere in the window. A
// pure ACK carries SND.NXT as its sequence number, which is beyond the
// receiver's RCV.NXT whenever data the sender sent is missing at the
// receiver: lneto then throws the ACK away unread, answers with a challenge
// ACK, and after eight of those in a row (maxChallengeRejects) aborts the
// connection without sending a reset. Here A's pure ACKs are made to look
// as if A had sent 100 bytes that were lost (their sequence number moved
// 100 on, the checksum fixed): B never reads them and drops the connection.
func TestLnetoBugDropsPureACKsBeyondRcvNxt(t *testing.T) {
	p, err := NewPair(PairConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Connect(); err != nil {
		t.Fatal(err)
	}
	rstFromB, bumped := 0, 0
	p.drop = func(toB bool, f []byte) bool {
		if toB && tcpPayloadLen(f) == 0 && tcpFlags(f) == 0x10 {
			bumpSeq(f, 100)
			bumped++
		}
		if !toB && tcpFlags(f)&0x04 != 0 {
			rstFromB++
		}
		return false
	}
	// B sends A data a segment at a time; A acknowledges each with a
	// pure ACK.
	rounds := 0
	for ; rounds < 20 && p.cb.State() == tcp.StateEstablished; rounds++ {
		if _, err := p.cb.Write(p.src[:10]); err != nil {
			t.Fatalf("round %d: B write: %v", rounds, err)
		}
		if _, err := p.step(); err != nil {
			t.Fatal(err)
		}
		for p.ca.BufferedInput() > 0 {
			p.ca.Read(p.sink)
		}
	}
	if p.cb.State() == tcp.StateEstablished {
		t.Fatalf("B still ESTABLISHED after %d pure ACKs beyond its RCV.NXT: lneto now accepts them or no longer aborts; revisit Conn.Dropped and TestInterop's classification", bumped)
	}
	if rstFromB != 0 {
		t.Errorf("B sent %d resets; the defect was that it sends none", rstFromB)
	}
	if p.cb.FreeOutput() == p.cb.InternalHandler().SizeOutput() {
		t.Error("B's data was acknowledged; the defect was that it never reads those ACKs")
	}
	t.Logf("lneto bug reproduced: B dropped the connection (now %v) after %d in-window pure ACKs it would not read, without a reset", p.cb.State(), bumped)
}

// lneto's retransmission timer (tcp.RTO) times data segments only, and
// retransmits by rewinding to SND.UNA and resending data: a FIN that is lost
// is never sent again, and the connection waits in FIN-WAIT-1 for good.
func TestLnetoBugNeverRetransmitsFIN(t *testing.T) {
	p, err := NewPair(PairConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Connect(); err != nil {
		t.Fatal(err)
	}
	fins := 0
	p.drop = func(toB bool, f []byte) bool {
		if toB && tcpFlags(f)&0x01 != 0 {
			fins++
			return true // every FIN A sends is lost
		}
		return false
	}
	if err := p.ca.Close(); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		p.now += int64(70 * time.Second) // past lneto's longest RTO
		if _, err := p.step(); err != nil {
			t.Fatal(err)
		}
	}
	if fins != 1 {
		t.Fatalf("A sent its FIN %d times over 700 s; the defect was once: lneto now retransmits FINs, revisit the interop test's classification", fins)
	}
	if p.ca.State() != tcp.StateFinWait1 || p.cb.State() != tcp.StateEstablished {
		t.Fatalf("A %v, B %v; want FIN-WAIT-1 and ESTABLISHED", p.ca.State(), p.cb.State())
	}
	t.Logf("lneto bug reproduced: a lost FIN is never retransmitted; A waits in %v, B in %v", p.ca.State(), p.cb.State())
}

// An lneto connection that closes first has no TIME-WAIT: right after
// sending the ACK of the peer's FIN it resets itself (tcp/handler.go Send,
// "closedSuccess" -> Handler.reset), and the reset empties the receive ring.
// Data the peer sent before its FIN that the application has not read yet
// is thrown away, although lneto acknowledged it. An application that reads
// from another goroutine (lneto's blocking Conn.Read) races the stack's
// loop for it; one that reads only after each batch of frames loses it.
func TestLnetoBugDiscardsUnreadDataAtClose(t *testing.T) {
	p, err := NewPair(PairConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Connect(); err != nil {
		t.Fatal(err)
	}
	// B has data on its way as A closes; B closes by itself once it has
	// sent it and seen A's FIN.
	const n = 1000
	if _, err := p.cb.Write(p.src[:n]); err != nil {
		t.Fatal(err)
	}
	if err := p.ca.Close(); err != nil {
		t.Fatal(err)
	}
	held := 0 // the most A held for its application
	p.drop = func(toB bool, f []byte) bool {
		held = max(held, p.ca.BufferedInput())
		return false
	}
	for range 4 {
		if _, err := p.step(); err != nil {
			t.Fatal(err)
		}
	}
	got := p.ca.BufferedInput()
	if p.cb.State() != tcp.StateClosed || held != n {
		t.Fatalf("B %v (want CLOSED: its data and FIN acknowledged); A held at most %d bytes, want %d", p.cb.State(), held, n)
	}
	if got == n {
		t.Fatalf("A still holds the %d bytes after its close completed: lneto keeps unread data now", n)
	}
	t.Logf("lneto bug reproduced: A acknowledged B's %d bytes and FIN, and once its last ACK was out held %d of them for the application", n, got)
}

// Once lneto has sent its FIN it sends no more data (FIN-WAIT-1 and the
// states after it refuse data segments, tcp/control.go
// validateOutgoingSegment), retransmissions included: lneto's Close sends
// the FIN as soon as all data is sent, acknowledged or not, so a segment
// lost before the FIN is never delivered. Conn.Close therefore waits for
// the acknowledgement before it hands lneto the close.
func TestLnetoBugNoRetransmitAfterFIN(t *testing.T) {
	p, err := NewPair(PairConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Connect(); err != nil {
		t.Fatal(err)
	}
	const n = 3 * 1460
	if _, err := p.ca.Write(p.src[:n]); err != nil {
		t.Fatal(err)
	}
	if err := p.ca.Close(); err != nil {
		t.Fatal(err)
	}
	// The second segment is lost as long as A may still send data
	// without having sent its FIN.
	var seq2 uint32
	data, finSent := 0, false
	p.drop = func(toB bool, f []byte) bool {
		if !toB {
			return false
		}
		finSent = finSent || tcpFlags(f)&0x01 != 0
		if tcpPayloadLen(f) <= 0 {
			return false
		}
		ihl := int(f[14]&0xf) * 4
		seq := binary.BigEndian.Uint32(f[14+ihl+4:])
		if data++; data == 2 {
			seq2 = seq
		}
		return seq == seq2 && !finSent
	}
	got := 0
	for range 10 {
		p.now += int64(70 * time.Second)
		if _, err := p.step(); err != nil {
			t.Fatal(err)
		}
		for {
			m, _ := p.read(&p.cb, p.sink)
			if m == 0 {
				break
			}
			got += m
		}
	}
	if !finSent {
		t.Fatal("A never sent its FIN")
	}
	if got == n {
		t.Fatalf("B received all %d bytes: lneto now retransmits data after its FIN; Conn.Close need not wait", n)
	}
	t.Logf("lneto bug reproduced: after its FIN, A (%v) never resent the lost segment; B (%v) got %d of %d bytes", p.ca.State(), p.cb.State(), got, n)
}

// When the peer's FIN arrives and nothing is left unsent, lneto closes by
// itself at once (tcp/handler.go Send: CLOSE-WAIT with nothing buffered
// unsent), even with sent data still unacknowledged; in LAST-ACK it sends
// no data (as after any FIN of its own), and it leaves LAST-ACK for CLOSED
// on any ACK, even one that does not acknowledge its FIN (tcp/control.go
// Recv, case StateLastAck). Data lost just before the peer's FIN is never
// delivered, and the sender ends as if all were well.
func TestLnetoBugClosesWithDataUnacked(t *testing.T) {
	p, err := NewPair(PairConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Connect(); err != nil {
		t.Fatal(err)
	}
	const n = 3 * 1460
	if _, err := p.ca.Write(p.src[:n]); err != nil {
		t.Fatal(err)
	}
	// B's application reads as soon as anything arrives (lneto discards
	// what is unread when its close completes: see
	// TestLnetoBugDiscardsUnreadDataAtClose).
	got := 0
	readB := func() {
		for {
			m, _ := p.read(&p.cb, p.sink)
			if m == 0 {
				return
			}
			got += m
		}
	}
	data := 0
	p.drop = func(toB bool, f []byte) bool {
		readB()
		if toB && tcpPayloadLen(f) > 0 {
			data++
			return data == 2 // A's second segment is lost, once
		}
		return false
	}
	if _, err := p.step(); err != nil { // B holds segments 1 and 3
		t.Fatal(err)
	}
	if err := p.cb.Close(); err != nil { // and closes its side (it sends nothing)
		t.Fatal(err)
	}
	var states []tcp.State
	for i := range 10 {
		if i > 1 {
			p.now += int64(70 * time.Second) // past lneto's longest RTO
		}
		if _, err := p.step(); err != nil {
			t.Fatal(err)
		}
		readB()
		states = append(states, p.ca.State())
	}
	if got >= n-1 {
		t.Fatalf("B received %d of %d bytes: lneto now resends data after closing by itself", got, n)
	}
	if p.ca.State() != tcp.StateClosed {
		t.Fatalf("A is %v, want CLOSED: the defect was that it closes with data unacknowledged", p.ca.State())
	}
	t.Logf("lneto bug reproduced: A went %v with data unacknowledged; B (%v) got %d of %d bytes", states[:3], p.cb.State(), got, n)
}
