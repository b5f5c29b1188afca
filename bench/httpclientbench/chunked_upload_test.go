package httpclientbench

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	lhttp "github.com/seed947b3480/legation/clients/http"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tcp"
)

// TestChunkedUploadAcrossRingWrap is a regression test of clients/http
// found by the interop tests (interop/httpclient_test.go, the chunked
// streamed upload), here made deterministic in virtual time: a chunked
// BodyFunc body, produced in pieces of 1 to 64 bytes, to servers/httpd.
// Each piece is one chunk framed in place in the send ring; when the ring's
// first free piece is 1 to 6 bytes long (the chunk's size line takes all
// of it) the data window's first part is empty, and the client took that
// for a paused BodyFunc and waited for a Resume that never comes: the
// upload stalled until IOTimeout. It belongs beside the client's own tests
// and can move there.
func TestChunkedUploadAcrossRingWrap(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { chunkedUpload(t, seed, 256<<10) })
	}
}

func chunkedUpload(t *testing.T, seed uint64, size int) {
	n := newLegationNet(t, reactor.NewVirtualClock(0))
	srv := httpd.New(n.srv, httpd.Config{})
	var got hash.Hash
	var gotLen int
	srv.HandleStream("PUT", "/sink", &httpd.StreamHandler{MaxBody: -1,
		Start: func(w *httpd.Response, r *httpd.Request) { got, gotLen = sha256.New(), 0 },
		Data:  func(r *httpd.Request, p []byte) { got.Write(p); gotLen += len(p) },
		End:   func(w *httpd.Response, r *httpd.Request) { w.Send(200, "text/plain", []byte("ok")) },
	})
	if err := srv.Listen(serverPort); err != nil {
		t.Fatal(err)
	}
	srv.Spawn(n.r)
	spy := &leaseSpy{d: &stream.TCP{Host: n.cli, Config: tcp.Config{NoDelay: true}}}
	c, err := lhttp.New(n.cli, lhttp.Config{Dialer: spy, IOTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c.Spawn(n.r)

	data := make([]byte, size)
	rand.NewChaCha8([32]byte{byte(seed)}).Read(data)
	rng := rand.New(rand.NewPCG(seed, 3))
	off := 0
	req := &lhttp.Request{Method: "PUT", URL: fmt.Sprintf("http://%s:%d/sink", serverAddr, serverPort),
		BodyFunc: func(p []byte) (int, bool, error) {
			k := copy(p, data[off:min(len(data), off+1+rng.IntN(64))])
			off += k
			return k, off == len(data), nil
		}}
	f := c.Do(req)
	if !n.r.RunUntil(time.Minute, f.Done) {
		t.Fatal("no result within a minute of virtual time")
	}
	resp, err := f.Result()
	if err != nil || resp.Status != 200 {
		t.Fatalf("%v (status %d) after producing %d of %d bytes; the last WriteLease lent %d + %d bytes",
			err, resp.Status, off, size, spy.c.first, spy.c.second)
	}
	if want := sha256.Sum256(data); gotLen != size || [32]byte(got.Sum(nil)) != want {
		t.Fatalf("the server got %d of %d bytes, SHA-256 equal %v", gotLen, size, [32]byte(got.Sum(nil)) == want)
	}
}

// leaseSpy dials plain TCP and remembers what the stream's latest
// WriteLease lent, to show where the ring stood when a body stalled.
type leaseSpy struct {
	d *stream.TCP
	c *leaseSpyConn
}

func (d *leaseSpy) Dial(remote netip.AddrPort, name string) (stream.Conn, error) {
	c, err := d.d.Dial(remote, name)
	if err != nil {
		return nil, err
	}
	d.c = &leaseSpyConn{Conn: c}
	return d.c, nil
}

type leaseSpyConn struct {
	stream.Conn
	first, second int
}

func (c *leaseSpyConn) WriteLease() ([]byte, []byte, error) {
	a, b, err := c.Conn.WriteLease()
	c.first, c.second = len(a), len(b)
	return a, b, err
}
