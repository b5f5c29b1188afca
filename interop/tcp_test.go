package interop

import (
	"bytes"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/fault"
	"github.com/seed947b3480/legation/hal/tap"
	"github.com/seed947b3480/legation/internal/netnstest"
	"github.com/seed947b3480/legation/stack"
)

// tcpKernelSetup puts the stack with the echo service on a TAP device in a
// fresh namespace, optionally behind the fault injector.
func tcpKernelSetup(t *testing.T, impair *fault.Config) (*netnstest.NS, *device) {
	t.Helper()
	ns := netnstest.New(t)
	dev, err := tap.Open(tap.Config{Name: "tap0", Netns: ns.Name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	var d hal.Device = dev
	if impair != nil {
		d = fault.New(dev, *impair)
	}
	st := startDevice(t, d, stack.Config{Addr: netip.MustParsePrefix("10.77.0.2/24")})
	ns.ConfigureTap(t, "tap0", "10.77.0.1/24", 1500)
	return ns, st
}

// tcpEchoRoundTrip sends n random bytes from a kernel socket in ns to the
// echo service and checks the SHA-256 of what comes back.
func tcpEchoRoundTrip(t *testing.T, ns *netnstest.NS, n int, seed uint64, limit time.Duration) {
	var conn net.Conn
	inNetns(t, ns.Name, func() {
		c, err := net.DialTimeout("tcp4", "10.77.0.2:7", 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conn = c
	})
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(limit))
	data := make([]byte, n)
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	errc := make(chan error, 1)
	go func() {
		_, err := conn.Write(data)
		if err == nil {
			err = conn.(*net.TCPConn).CloseWrite()
		}
		errc <- err
	}()
	h := sha256.New()
	got, err := io.Copy(h, conn)
	if werr := <-errc; werr != nil {
		t.Fatalf("write: %v", werr)
	}
	if err != nil {
		t.Fatalf("read after %d bytes: %v", got, err)
	}
	want := sha256.Sum256(data)
	if got != int64(n) || !bytes.Equal(h.Sum(nil), want[:]) {
		t.Fatalf("echoed %d of %d bytes; SHA-256 match %v", got, n, bytes.Equal(h.Sum(nil), want[:]))
	}
}

// The Linux kernel's TCP, a client in a namespace over TAP, against the
// stack's TCP echo service: 16 MiB through one connection, and 1 MiB
// through each of 10 concurrent connections, SHA-256 equal.
func TestTCPKernelEcho(t *testing.T) {
	ns, d := tcpKernelSetup(t, nil)
	start := time.Now()
	tcpEchoRoundTrip(t, ns, 16<<20, 1, time.Minute)
	el := time.Since(start)
	t.Logf("16 MiB echoed in %v (%.1f MB/s each way)", el.Round(time.Millisecond), 16/el.Seconds()*1.048576)

	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tcpEchoRoundTrip(t, ns, 1<<20, uint64(100+i), time.Minute)
		}()
	}
	wg.Wait()
	c := d.counters()
	t.Logf("counters: rx tcp %d, tx tcp %d, drops %v", c.RxTCP, c.TxTCP, c.Drops)
}

// The same over a link that loses 5%, delays 2 ms, reorders 10% and
// duplicates 1% of frames in both directions (the project's fault
// middleware around the TAP device; this kernel has no netem).
func TestTCPKernelEchoImpaired(t *testing.T) {
	ns, _ := tcpKernelSetup(t, &fault.Config{Loss: 0.05, Delay: 2 * time.Millisecond, Reorder: 0.10, Duplicate: 0.01, Seed: 11})
	start := time.Now()
	tcpEchoRoundTrip(t, ns, 2<<20, 2, 3*time.Minute)
	t.Logf("2 MiB echoed over the impaired link in %v", time.Since(start).Round(time.Millisecond))
}
