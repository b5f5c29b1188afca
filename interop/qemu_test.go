package interop

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/qemu"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/udp"
)

var (
	slirpGateway = netip.MustParseAddr("10.0.2.2")
	slirpGuest   = netip.MustParsePrefix("10.0.2.15/24")
)

// QEMU as the switch between the stack (through the netdev socket shim) and
// its user-mode network: the stack resolves the slirp gateway by ARP, and a
// UDP client on the host reaches the echo service through hostfwd.
func TestQEMUUserNetwork(t *testing.T) {
	requireTools(t, [2]string{"qemu-system-arm", "qemu-system-arm"})
	// We listen and QEMU connects to us, so nobody has to poll for the other
	// to be ready: the link comes up when QEMU's connection arrives.
	dev, err := qemu.Listen("tcp", "127.0.0.1:0", qemu.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	fwd := freeUDPPort(t)
	cmd := exec.Command("qemu-system-arm", "-M", "none", "-nographic", "-monitor", "none", "-serial", "none",
		"-netdev", fmt.Sprintf("user,id=u0,hostfwd=udp:127.0.0.1:%d-10.0.2.15:7", fwd),
		"-netdev", "socket,id=s0,connect="+dev.Addr().String(),
		"-netdev", "hubport,id=p0,hubid=0,netdev=u0", "-netdev", "hubport,id=p1,hubid=0,netdev=s0")
	var qemuOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &qemuOut, &qemuOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	d := startDevice(t, dev, stack.Config{Addr: slirpGuest, Gateway: slirpGateway})

	if !d.waitFor(10*time.Second, func() bool { return dev.LinkState() == hal.LinkUp }) {
		t.Fatalf("QEMU never connected to %s\nqemu: %s", dev.Addr(), qemuOut.String())
	}
	// A datagram to the gateway's discard port makes the stack ARP for it.
	var probe *udp.Socket
	d.do(func() {
		probe = d.s.NewUDPSocket(udp.Config{})
		if err := probe.SendTo([]byte("x"), netip.AddrPortFrom(slirpGateway, 9)); err != nil {
			t.Error(err)
		}
	})
	if !d.waitFor(10*time.Second, func() bool { _, ok := d.s.Neighbor(slirpGateway); return ok }) {
		t.Fatalf("10.0.2.2 not resolved; counters %+v\nqemu: %s", d.counters(), qemuOut.String())
	}
	if c := d.counters(); c.ARPRequests == 0 || c.ARPResolved == 0 {
		t.Fatalf("resolved without our own ARP exchange? %+v", c)
	}

	conn, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: fwd})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	buf := make([]byte, 2048)
	for i := 0; i < 20; i++ {
		msg := bytes.Repeat([]byte{byte(i)}, 100+50*i)
		var n int
		for try := 0; ; try++ {
			if try == 5 {
				t.Fatalf("datagram %d: no echo through hostfwd; counters %+v", i, d.counters())
			}
			conn.Write(msg)
			conn.SetReadDeadline(time.Now().Add(time.Second))
			if n, err = conn.Read(buf); err == nil {
				break
			}
		}
		if !bytes.Equal(buf[:n], msg) {
			t.Fatalf("datagram %d came back altered", i)
		}
	}
}

func freeUDPPort(t *testing.T) int {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}
