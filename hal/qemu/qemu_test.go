package qemu

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
)

// Tests against a real QEMU acting as a pure switch (-M none: no CPU, no
// guest) between our socket and its user-mode network, slirp, whose gateway
// 10.0.2.2 answers ARP for the guest address 10.0.2.15. This is the setup of
// the project's peers page.

var (
	slirpGateway = ip4{10, 0, 2, 2}
	slirpGuest   = ip4{10, 0, 2, 15}
)

// qemuStartTimeout bounds how long QEMU may take to come up and answer.
const qemuStartTimeout = 10 * time.Second

func requireQEMU(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("qemu-system-arm")
	if err != nil {
		t.Skip("qemu-system-arm not found: install Debian's qemu-system-arm package")
	}
	return path
}

// syncBuffer collects QEMU's output for failure messages.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type qemuProc struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
}

// startQEMU runs QEMU with netdev s0 described by socketNetdev on a hub with
// slirp; it is killed by PID when the test ends.
func startQEMU(t *testing.T, socketNetdev string) *qemuProc {
	t.Helper()
	path := requireQEMU(t)
	q := &qemuProc{out: &syncBuffer{}, exited: make(chan struct{})}
	q.cmd = exec.Command(path,
		"-M", "none", "-nographic", "-monitor", "none", "-serial", "none",
		"-netdev", "user,id=u0",
		"-netdev", socketNetdev,
		"-netdev", "hubport,id=p0,hubid=0,netdev=u0",
		"-netdev", "hubport,id=p1,hubid=0,netdev=s0")
	q.cmd.Stdout, q.cmd.Stderr = q.out, q.out
	if err := q.cmd.Start(); err != nil {
		t.Fatalf("start QEMU: %v", err)
	}
	go func() {
		q.cmd.Wait()
		close(q.exited)
	}()
	t.Cleanup(q.kill)
	return q
}

// kill stops QEMU by PID and waits until it is gone.
func (q *qemuProc) kill() {
	q.cmd.Process.Kill()
	<-q.exited
}

// freePort returns a port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T, network string) int {
	t.Helper()
	switch network {
	case "udp":
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	default:
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().(*net.TCPAddr).Port
	}
}

// dialQEMU dials QEMU's listening socket, retrying while QEMU starts up.
func dialQEMU(t *testing.T, q *qemuProc, network, addr string) *Device {
	t.Helper()
	deadline := time.Now().Add(qemuStartTimeout)
	retry := time.NewTicker(20 * time.Millisecond)
	defer retry.Stop()
	for {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		d, err := DialContext(ctx, network, addr, Config{})
		cancel()
		if err == nil {
			t.Cleanup(func() { d.Close() })
			return d
		}
		select {
		case <-q.exited:
			t.Fatalf("QEMU exited before accepting: %s", q.out)
		case <-retry.C:
		}
		if time.Now().After(deadline) {
			t.Fatalf("Dial %s %s: %v\nQEMU: %s", network, addr, err, q.out)
		}
	}
}

// arpSlirp asks for slirp's gateway as the guest would, every 100 ms, until
// the reply comes.
func arpSlirp(t *testing.T, q *qemuProc, d *Device, w chanWaker) {
	t.Helper()
	me := d.HardwareAddr()
	req := arpRequest(me, slirpGuest, slirpGateway)
	deadline := time.NewTimer(qemuStartTimeout)
	defer deadline.Stop()
	retry := time.NewTicker(100 * time.Millisecond)
	defer retry.Stop()
	for {
		if buf, ok := d.Transmit(); ok {
			d.Commit(copy(buf, req))
		}
		for {
			select {
			case <-w:
				for {
					f, ok := d.Receive()
					if !ok {
						break
					}
					_, ok = arpReplyFor(f, me, slirpGateway, slirpGuest)
					d.ReleaseRx()
					if ok {
						return
					}
				}
				continue
			case <-retry.C:
			case <-q.exited:
				t.Fatalf("QEMU exited: %s", q.out)
			case <-deadline.C:
				t.Fatalf("no ARP reply from slirp's %v (link %v, stats %+v)\nQEMU: %s", slirpGateway, d.LinkState(), d.Stats(), q.out)
			}
			break
		}
	}
}

// TestQEMUDial: QEMU listens (-netdev socket,listen=), we connect.
func TestQEMUDial(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))
	q := startQEMU(t, "socket,id=s0,listen="+addr)
	d := dialQEMU(t, q, "tcp", addr)
	w := make(chanWaker, 1)
	d.SetWaker(w)
	arpSlirp(t, q, d, w)
}

// TestQEMUDialUnix: QEMU listens on a Unix socket (-netdev stream,server=on).
func TestQEMUDialUnix(t *testing.T) {
	requireQEMU(t)
	path := t.TempDir() + "/qemu.sock"
	q := startQEMU(t, "stream,id=s0,server=on,addr.type=unix,addr.path="+path)
	d := dialQEMU(t, q, "unix", path)
	w := make(chanWaker, 1)
	d.SetWaker(w)
	arpSlirp(t, q, d, w)
}

// TestQEMUListen: we listen, QEMU connects (-netdev socket,connect=); when
// that QEMU dies the link goes down, and a new QEMU is accepted.
func TestQEMUListen(t *testing.T) {
	requireQEMU(t)
	d, err := Listen("tcp", "127.0.0.1:0", Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	w := make(chanWaker, 1)
	d.SetWaker(w)
	netdev := "socket,id=s0,connect=" + d.Addr().String()

	q := startQEMU(t, netdev)
	await(t, w, "QEMU to connect", func() bool { return d.LinkState() == hal.LinkUp })
	arpSlirp(t, q, d, w)

	q.kill()
	await(t, w, "link down after QEMU died", func() bool { return d.LinkState() == hal.LinkDown })

	q = startQEMU(t, netdev)
	await(t, w, "the second QEMU to connect", func() bool { return d.LinkState() == hal.LinkUp })
	arpSlirp(t, q, d, w)
	if st := d.Stats(); st.Connects != 2 || st.Disconnects != 1 || st.ProtocolErrors != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestQEMUListenUnix: QEMU connects to our Unix socket (-netdev
// stream,server=off).
func TestQEMUListenUnix(t *testing.T) {
	requireQEMU(t)
	d, err := Listen("unix", t.TempDir()+"/ours.sock", Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	w := make(chanWaker, 1)
	d.SetWaker(w)
	q := startQEMU(t, "stream,id=s0,server=off,addr.type=unix,addr.path="+d.Addr().String())
	await(t, w, "QEMU to connect", func() bool { return d.LinkState() == hal.LinkUp })
	arpSlirp(t, q, d, w)
}

// TestQEMUDatagram: one UDP datagram per frame (-netdev dgram).
func TestQEMUDatagram(t *testing.T) {
	requireQEMU(t)
	qport := freePort(t, "udp")
	d, err := DialDatagram("127.0.0.1:0", fmt.Sprintf("127.0.0.1:%d", qport), Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	w := make(chanWaker, 1)
	d.SetWaker(w)
	ours := d.Addr().(*net.UDPAddr).Port
	q := startQEMU(t, fmt.Sprintf("dgram,id=s0,local.type=inet,local.host=127.0.0.1,local.port=%d,"+
		"remote.type=inet,remote.host=127.0.0.1,remote.port=%d", qport, ours))
	arpSlirp(t, q, d, w)
}

// TestQEMUDatagramLegacy: the older spelling of the same protocol
// (-netdev socket,udp=,localaddr=).
func TestQEMUDatagramLegacy(t *testing.T) {
	requireQEMU(t)
	qport := freePort(t, "udp")
	d, err := DialDatagram("127.0.0.1:0", fmt.Sprintf("127.0.0.1:%d", qport), Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	w := make(chanWaker, 1)
	d.SetWaker(w)
	q := startQEMU(t, fmt.Sprintf("socket,id=s0,udp=%s,localaddr=127.0.0.1:%d", d.Addr(), qport))
	arpSlirp(t, q, d, w)
}
