package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/examples/device/app"
	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/internal/testpki"
	"github.com/seed947b3480/legation/netconn"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd/websocket/wstest"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tlsx"
)

// testDeviceName is on the device's certificate, besides its address.
const testDeviceName = "device.test"

var (
	testDevAddr  = netip.MustParsePrefix("192.168.7.2/24")
	testPeerAddr = netip.MustParsePrefix("192.168.7.1/24")
)

// testPKI writes a device certificate (alone, without its CA) and its key
// as PEM files, as -tls-cert and -tls-key take them, and returns the pool
// that trusts the CA that signed it.
func testPKI(t *testing.T) (roots *x509.CertPool, certFile, keyFile string) {
	t.Helper()
	ca := testpki.NewCA(t, "device test CA")
	l := ca.Leaf(t, testpki.LeafOpts{Name: testDeviceName, IPs: []net.IP{testDevAddr.Addr().AsSlice()}, LeafOnly: true})
	dir := t.TempDir()
	return ca.Pool(), testpki.WriteFile(t, dir, "device.crt", l.CertPEM()), testpki.WriteFile(t, dir, "device.key", l.KeyPEM(t))
}

// tlsRig is the device with -tls-cert and -tls-key on the loopback link,
// on a real clock (Go's crypto/tls computes on the test's goroutine), and
// the peer stack the host's forwarders reach it through.
type tlsRig struct {
	r     *reactor.Reactor
	d     *app.Device
	nn    *netconn.Net // the peer's side, for the forwarders
	pool  *tlsx.BufferPool
	roots *x509.CertPool
}

// newTLSRig starts the device with cfg and the test PKI, its record
// buffers shared in a pool of poolBuffers (sharePool, as main does), and
// its stack sized as main sizes it on the loopback link without MQTT if
// sized (else with the stack's defaults). The reactor runs until the
// test's cleanup.
func newTLSRig(t *testing.T, cfg app.Config, poolBuffers int, sized bool) *tlsRig {
	t.Helper()
	roots, certFile, keyFile := testPKI(t)
	acc, err := loadTLS(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	a, b := loopback.NewPair(loopback.Config{})
	r := reactor.New(reactor.NewRealClock())
	pool := sharePool(acc, poolBuffers, r)
	cfg.TLS = acc
	var res *stack.Resources
	if sized {
		res = stack.NewResources(stackSizes(cfg, true, "off", ""))
	}
	st, err := stack.New(a, stack.Config{Addr: testDevAddr, Seed: 1, Resources: res})
	if err != nil {
		t.Fatal(err)
	}
	peer, err := stack.New(b, stack.Config{Addr: testPeerAddr, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	st.Spawn(r)
	peer.Spawn(r)
	d, err := app.New(r, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return &tlsRig{r: r, d: d, nn: netconn.New(peer, r, netconn.Config{}), pool: pool, roots: roots}
}

// forward listens on a host port and forwards to the device's port, as
// main's -listen and -listen-https do, until the test's cleanup (before
// the reactor stops).
func (rg *tlsRig) forward(t *testing.T, port uint16) *forwarder {
	t.Helper()
	f, err := startForwarder("127.0.0.1:0", rg.nn, netip.AddrPortFrom(testDevAddr.Addr(), port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.stopAccepting(); f.closeAll(2 * time.Second) })
	return f
}

// tlsConfig is Go's TLS client trusting the test's CA, asking for the
// device by name and for HTTP/1.1.
func (rg *tlsRig) tlsConfig() *tls.Config {
	return &tls.Config{RootCAs: rg.roots, ServerName: testDeviceName, NextProtos: []string{"http/1.1"}}
}

// onReactor runs f on the reactor goroutine and waits for it.
func (rg *tlsRig) onReactor(f func()) {
	ran := make(chan struct{})
	rg.r.Post(func() { f(); close(ran) })
	<-ran
}

// wsOpen sends a WebSocket opening handshake for path on c and checks the
// 101 answer (RFC 6455 4.1).
func wsOpen(t *testing.T, c net.Conn, path string) *bufio.Reader {
	t.Helper()
	br, err := wstest.Open(c, testDeviceName, path)
	if err != nil {
		t.Fatal(err)
	}
	return br
}

// wsRead reads one unfragmented, unmasked server message, which must be
// text.
func wsRead(t *testing.T, br io.Reader) []byte {
	t.Helper()
	f, err := wstest.ReadFrame(br, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if f.Head != 0x81 {
		t.Fatalf("frame header %x: want a final text frame", f.Head)
	}
	return f.Payload
}
