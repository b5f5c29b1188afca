package qemu

import (
	"bytes"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
)

// datagramPair connects a device to a plain UDP socket and returns both.
func datagramPair(t *testing.T, cfg Config) (*Device, *net.UDPConn, chanWaker) {
	t.Helper()
	peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { peer.Close() })
	d, err := DialDatagram("127.0.0.1:0", peer.LocalAddr().String(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	w := make(chanWaker, 1)
	d.SetWaker(w)
	return d, peer, w
}

func peerSend(t *testing.T, peer *net.UDPConn, to net.Addr, frame []byte) {
	t.Helper()
	if _, err := peer.WriteTo(frame, to); err != nil {
		t.Fatal(err)
	}
}

func peerRecv(t *testing.T, peer *net.UDPConn) ([]byte, net.Addr) {
	t.Helper()
	peer.SetReadDeadline(time.Now().Add(waitTimeout))
	buf := make([]byte, 70000)
	n, from, err := peer.ReadFrom(buf)
	if err != nil {
		t.Fatalf("peer read: %v", err)
	}
	return buf[:n], from
}

// TestDatagramFramesBothWays: one datagram is one frame, no prefix, both
// ways, up to exactly the MTU.
func TestDatagramFramesBothWays(t *testing.T) {
	d, peer, w := datagramPair(t, Config{})
	if d.LinkState() != hal.LinkUp {
		t.Fatal("datagram link not up")
	}
	for i, n := range frameSizes {
		peerSend(t, peer, d.Addr(), pattern(i, n))
		if got := recv(t, d, w); !bytes.Equal(got, pattern(i, n)) {
			t.Fatalf("frame %d: got %d bytes, want %d", i, len(got), n)
		}
	}
	for i, n := range frameSizes {
		transmit(t, d, pattern(50+i, n))
		got, from := peerRecv(t, peer)
		if !bytes.Equal(got, pattern(50+i, n)) {
			t.Fatalf("transmitted frame %d: peer got %d bytes, want %d", i, len(got), n)
		}
		if from.String() != d.Addr().String() {
			t.Errorf("frame from %v, want %v", from, d.Addr())
		}
	}
}

// TestDatagramOversizeAndStrangers: a datagram over the MTU is dropped and
// counted, one from another address never arrives (the socket is
// connected), and the frames after them are intact.
func TestDatagramOversizeAndStrangers(t *testing.T) {
	d, peer, w := datagramPair(t, Config{MTU: 600})
	stranger, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer stranger.Close()
	peerSend(t, stranger, d.Addr(), pattern(1, 100))
	peerSend(t, peer, d.Addr(), pattern(2, 601))
	peerSend(t, peer, d.Addr(), pattern(3, 600))
	// Loopback keeps one sender's datagrams in order: when the last one is
	// here, the oversized one has been dealt with.
	if got := recv(t, d, w); !bytes.Equal(got, pattern(3, 600)) {
		t.Fatalf("got %d bytes, want the 600-byte frame", len(got))
	}
	if st := d.Stats(); st.RxOversize != 1 || st.RxFrames != 1 {
		t.Errorf("stats %+v, want 1 oversize and 1 frame", st)
	}
	if _, ok := d.Receive(); ok {
		t.Error("an extra frame arrived (the stranger's?)")
	}
}

// TestDatagramRingFull: datagrams that find the ring full are dropped and
// counted, and the reactor is woken for them.
func TestDatagramRingFull(t *testing.T) {
	d, peer, w := datagramPair(t, Config{RxSlots: 2})
	rx, _ := d.drv.Rings()
	capacity := rx.Cap()
	const burst = 6
	for i := range burst {
		peerSend(t, peer, d.Addr(), pattern(i, 64))
	}
	await(t, w, "all datagrams read", func() bool {
		st := d.Stats()
		return st.RxFrames+st.RxDropFull == burst
	})
	if st := d.Stats(); st.RxFrames != uint64(capacity) {
		t.Errorf("stats %+v, want %d frames in the ring", st, capacity)
	}
	for i := range capacity {
		if got := recv(t, d, w); !bytes.Equal(got, pattern(i, 64)) {
			t.Fatalf("ring frame %d differs", i)
		}
	}
}

// TestDatagramPeerNotYetUp: frames sent before anyone listens on the remote
// port come back as ICMP port unreachable, which a connected UDP socket
// reports on a later read; that is counted and the device carries on, and
// exchanges frames once the peer is there (as when QEMU starts after us).
func TestDatagramPeerNotYetUp(t *testing.T) {
	probe, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	remote := probe.LocalAddr().(*net.UDPAddr)
	probe.Close()
	d, err := DialDatagram("", remote.String(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	w := make(chanWaker, 1)
	d.SetWaker(w)
	transmit(t, d, pattern(1, 60))
	eventually(t, "the port-unreachable error", func() bool { return d.Stats().RxErrors > 0 })

	peer, err := net.ListenUDP("udp", remote)
	if err != nil {
		t.Fatalf("rebinding %v: %v", remote, err)
	}
	defer peer.Close()
	transmit(t, d, pattern(2, 60))
	if got, _ := peerRecv(t, peer); !bytes.Equal(got, pattern(2, 60)) {
		t.Fatalf("peer got %d bytes", len(got))
	}
	peerSend(t, peer, d.Addr(), pattern(3, 70))
	if got := recv(t, d, w); !bytes.Equal(got, pattern(3, 70)) {
		t.Fatalf("got %d bytes", len(got))
	}
}

func TestDatagramConfigErrors(t *testing.T) {
	if _, err := DialDatagram("", "no-port", Config{}); !errors.Is(err, ErrConfig) {
		t.Errorf("remote without port: %v, want ErrConfig", err)
	}
	if _, err := DialDatagram("127.0.0.1:x", "127.0.0.1:9", Config{}); !errors.Is(err, ErrConfig) {
		t.Errorf("bad local: %v, want ErrConfig", err)
	}
	if _, err := DialDatagram("", "127.0.0.1:9", Config{MTU: MaxMTU + 1}); !errors.Is(err, ErrConfig) {
		t.Errorf("MTU over a datagram: %v, want ErrConfig", err)
	}
	if _, err := DialDatagram("192.0.2.1:0", "127.0.0.1:9", Config{}); !errors.Is(err, ErrDial) {
		t.Errorf("local address not on this host: %v, want ErrDial", err)
	}
}
