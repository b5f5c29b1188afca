package qemu

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
)

// streamPair dials a device to a plain TCP listener and returns both ends.
func streamPair(t *testing.T, cfg Config) (*Device, net.Conn, chanWaker) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	d, err := Dial("tcp", ln.Addr().String(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	peer, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { peer.Close() })
	w := make(chanWaker, 1)
	d.SetWaker(w)
	return d, peer, w
}

// prefixed returns frame behind its 4-byte big-endian length.
func prefixed(frame []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(frame)))
	return append(b, frame...)
}

// readPrefixed reads one length-prefixed frame from a peer connection.
func readPrefixed(t *testing.T, c net.Conn) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(waitTimeout))
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		t.Fatalf("peer reading length: %v", err)
	}
	f := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	if _, err := io.ReadFull(c, f); err != nil {
		t.Fatalf("peer reading %d-byte frame: %v", len(f), err)
	}
	return f
}

// awaitEOF checks that the device dropped the connection cleanly.
func awaitEOF(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(waitTimeout))
	var b [1]byte
	if n, err := c.Read(b[:]); err != io.EOF {
		t.Fatalf("peer read after the drop: %d bytes, %v; want io.EOF", n, err)
	}
}

var frameSizes = []int{1, 14, 42, 60, 1000, 1513, 1514}

// TestStreamFramesBothWays: frames of every size cross in both directions,
// whether the peer coalesces them into one write or dribbles one out a byte
// at a time.
func TestStreamFramesBothWays(t *testing.T) {
	mac := hal.HardwareAddr{0x02, 0, 0, 0, 0, 7}
	d, peer, w := streamPair(t, Config{HWAddr: mac})
	if d.LinkState() != hal.LinkUp || d.HardwareAddr() != mac || d.Capabilities().MTU != DefaultMTU {
		t.Fatalf("link %v addr %x caps %+v", d.LinkState(), d.HardwareAddr(), d.Capabilities())
	}
	if d.Addr().String() != peer.RemoteAddr().String() {
		t.Errorf("Addr() = %v, the peer sees %v", d.Addr(), peer.RemoteAddr())
	}

	var all []byte
	for i, n := range frameSizes {
		all = append(all, prefixed(pattern(i, n))...)
	}
	if _, err := peer.Write(all); err != nil {
		t.Fatal(err)
	}
	for i, n := range frameSizes {
		if got := recv(t, d, w); !bytes.Equal(got, pattern(i, n)) {
			t.Fatalf("frame %d: got %d bytes, want %d of pattern %d", i, len(got), n, i)
		}
	}

	split := prefixed(pattern(99, 300))
	for i := range split {
		if _, err := peer.Write(split[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if got := recv(t, d, w); !bytes.Equal(got, pattern(99, 300)) {
		t.Fatalf("byte-by-byte frame: got %d bytes", len(got))
	}

	for i, n := range frameSizes {
		transmit(t, d, pattern(100+i, n))
	}
	for i, n := range frameSizes {
		if got := readPrefixed(t, peer); !bytes.Equal(got, pattern(100+i, n)) {
			t.Fatalf("transmitted frame %d: peer got %d bytes, want %d", i, len(got), n)
		}
	}

	sum := 0
	for _, n := range frameSizes {
		sum += n
	}
	want := Stats{
		RxFrames: uint64(len(frameSizes) + 1), RxBytes: uint64(sum + 300),
		TxFrames: uint64(len(frameSizes)), TxBytes: uint64(sum), Connects: 1,
	}
	// The peer can read the last frame a moment before the transmit
	// goroutine counts it.
	eventually(t, fmt.Sprintf("stats %+v", want), func() bool { return d.Stats() == want })
}

// TestStreamMalformedLength: a length of 0 or above the MTU drops the
// connection cleanly (the peer sees EOF), is counted, takes the link down
// with a wake, and frames before it are still delivered.
func TestStreamMalformedLength(t *testing.T) {
	for _, length := range []uint32{0, DefaultMTU + 1, 1 << 20, 0xffffffff} {
		t.Run("", func(t *testing.T) {
			d, peer, w := streamPair(t, Config{})
			good := pattern(1, 60)
			msg := append(prefixed(good), binary.BigEndian.AppendUint32(nil, length)...)
			if _, err := peer.Write(msg); err != nil {
				t.Fatal(err)
			}
			if got := recv(t, d, w); !bytes.Equal(got, good) {
				t.Fatalf("frame before the bad length: got %d bytes", len(got))
			}
			await(t, w, "link down", func() bool { return d.LinkState() == hal.LinkDown })
			awaitEOF(t, peer)
			st := d.Stats()
			if st.ProtocolErrors != 1 || st.Disconnects != 1 || st.RxFrames != 1 {
				t.Errorf("length %#x: stats %+v", length, st)
			}
			if _, ok := d.Transmit(); ok {
				t.Error("Transmit lent a buffer with the link down")
			}
		})
	}
}

// TestStreamTruncatedFrame: a stream that ends inside a frame delivers
// nothing of it and is not a protocol error.
func TestStreamTruncatedFrame(t *testing.T) {
	d, peer, w := streamPair(t, Config{})
	if _, err := peer.Write(prefixed(pattern(3, 500))[:200]); err != nil {
		t.Fatal(err)
	}
	peer.Close()
	await(t, w, "link down", func() bool { return d.LinkState() == hal.LinkDown })
	if _, ok := d.Receive(); ok {
		t.Error("a truncated frame was delivered")
	}
	if st := d.Stats(); st.ProtocolErrors != 0 || st.RxFrames != 0 || st.Disconnects != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestStreamRingFull: frames that find the receive ring full are consumed
// from the stream into scratch, dropped and counted; the stream stays in
// step, so the next frame after the ring drains is intact.
func TestStreamRingFull(t *testing.T) {
	d, peer, w := streamPair(t, Config{RxSlots: 2})
	rx, _ := d.drv.Rings()
	capacity := rx.Cap()
	const burst = 5
	var msg []byte
	for i := range burst {
		msg = append(msg, prefixed(pattern(i, 100+i))...)
	}
	if _, err := peer.Write(msg); err != nil {
		t.Fatal(err)
	}
	await(t, w, "all frames read", func() bool {
		st := d.Stats()
		return st.RxFrames+st.RxDropFull == burst
	})
	if st := d.Stats(); st.RxFrames != uint64(capacity) || st.RxDropFull != uint64(burst-capacity) {
		t.Errorf("stats %+v, want %d in the ring and %d dropped", st, capacity, burst-capacity)
	}
	for i := range capacity {
		if got := recv(t, d, w); !bytes.Equal(got, pattern(i, 100+i)) {
			t.Fatalf("ring frame %d: got %d bytes", i, len(got))
		}
	}
	if _, err := peer.Write(prefixed(pattern(9, 77))); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, d, w); !bytes.Equal(got, pattern(9, 77)) {
		t.Fatalf("frame after the drops: got %d bytes %x", len(got), got)
	}
}

// TestTransmitWakesWhenRoom: a full transmit ring refuses Transmit, and the
// reactor is woken when the transmit goroutine frees a slot. The peer (a
// synchronous net.Pipe) only starts reading once the ring is known to be
// full, so the refusal is certain, not a matter of timing.
func TestTransmitWakesWhenRoom(t *testing.T) {
	ours, theirs := net.Pipe()
	d, err := NewStream(ours, Config{TxSlots: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	w := make(chanWaker, 1)
	d.SetWaker(w)

	const total = 50
	got := make(chan []byte, total)
	start := make(chan struct{})
	go func() {
		<-start
		var hdr [4]byte
		for range total {
			if _, err := io.ReadFull(theirs, hdr[:]); err != nil {
				close(got)
				return
			}
			f := make([]byte, binary.BigEndian.Uint32(hdr[:]))
			if _, err := io.ReadFull(theirs, f); err != nil {
				close(got)
				return
			}
			got <- f
		}
	}()

	_, tx := d.drv.Rings()
	refusals := 0
	for i := 0; i < total; {
		buf, ok := d.Transmit()
		if ok {
			d.Commit(copy(buf, pattern(i, 64)))
			i++
			continue
		}
		refusals++
		if refusals == 1 {
			close(start)
		}
		await(t, w, "transmit room", func() bool { return tx.Len() < tx.Cap() })
	}
	if refusals == 0 {
		t.Fatal("the transmit ring never filled")
	}
	for i := range total {
		select {
		case f := <-got:
			if !bytes.Equal(f, pattern(i, 64)) {
				t.Fatalf("peer frame %d differs", i)
			}
		case <-time.After(waitTimeout):
			t.Fatalf("peer got %d of %d frames", i, total)
		}
	}
}

// TestListenReconnect: a listening device is down until a peer connects, up
// while it stays, down when it goes, and serves the next one, also after a
// protocol error.
func TestListenReconnect(t *testing.T) {
	d, err := Listen("tcp", "127.0.0.1:0", Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	w := make(chanWaker, 1)
	d.SetWaker(w)
	if d.LinkState() != hal.LinkDown {
		t.Fatal("link up with no peer")
	}
	if _, ok := d.Transmit(); ok {
		t.Fatal("Transmit lent a buffer with no peer")
	}

	session := func(i int) net.Conn {
		c, err := net.Dial("tcp", d.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		await(t, w, "link up", func() bool { return d.LinkState() == hal.LinkUp })
		if _, err := c.Write(prefixed(pattern(i, 80))); err != nil {
			t.Fatal(err)
		}
		if got := recv(t, d, w); !bytes.Equal(got, pattern(i, 80)) {
			t.Fatalf("session %d: got %d bytes", i, len(got))
		}
		transmit(t, d, pattern(i+50, 90))
		if got := readPrefixed(t, c); !bytes.Equal(got, pattern(i+50, 90)) {
			t.Fatalf("session %d: peer got %d bytes", i, len(got))
		}
		return c
	}

	c := session(1)
	c.Close()
	await(t, w, "link down", func() bool { return d.LinkState() == hal.LinkDown })

	c = session(2)
	if _, err := c.Write([]byte{0, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	await(t, w, "link down", func() bool { return d.LinkState() == hal.LinkDown })
	awaitEOF(t, c)
	c.Close()

	session(3).Close()
	await(t, w, "link down", func() bool { return d.LinkState() == hal.LinkDown })
	if st := d.Stats(); st.Connects != 3 || st.Disconnects != 3 || st.ProtocolErrors != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestCloseUnblocksWrite: Close returns while the transmit goroutine is
// blocked writing to a peer that never reads, and no goroutine is left.
func TestCloseUnblocksWrite(t *testing.T) {
	base := noGoroutines(t)
	ours, theirs := net.Pipe()
	defer theirs.Close()
	d, err := NewStream(ours, Config{})
	if err != nil {
		t.Fatal(err)
	}
	transmit(t, d, pattern(1, 100))
	closed := make(chan error, 1)
	go func() { closed <- d.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Close blocked behind a write the peer never reads")
	}
	awaitGoroutines(t, base)
}

func TestStreamConfigErrors(t *testing.T) {
	if _, err := Dial("udp", "127.0.0.1:1", Config{}); !errors.Is(err, ErrConfig) {
		t.Errorf("Dial udp: %v, want ErrConfig", err)
	}
	if _, err := Listen("tcp", "127.0.0.1:0", Config{MTU: 10}); !errors.Is(err, ErrConfig) {
		t.Errorf("Listen MTU 10: %v, want ErrConfig", err)
	}
	// A port nobody listens on: bind one, note it, free it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if _, err := Dial("tcp", addr, Config{}); !errors.Is(err, ErrDial) {
		t.Errorf("Dial to a closed port: %v, want ErrDial", err)
	}
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := Listen("tcp", ln.Addr().String(), Config{}); !errors.Is(err, ErrListen) {
		t.Errorf("Listen on a taken port: %v, want ErrListen", err)
	}
}
