package http

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	nethttp "net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tcp"
)

// fakeConn is a stream.Conn with a send ring of any size, so the head
// writer and the chunked encoder meet every wrap position, and whose
// received bytes and failures the test scripts.
type fakeConn struct {
	ring       []byte
	start, n   int
	sent       bytes.Buffer
	rx         []byte
	leaseMax   int // bytes ReadLease lends at once
	rxEOF      bool
	rxErr      error
	fut        reactor.Future[struct{}]
	onReadable func()
	onWritable func()
	aborted    bool
	released   bool
}

func (f *fakeConn) Read(p []byte) (int, error) { panic("not used") }
func (f *fakeConn) ReadLease() ([]byte, error) {
	switch {
	case len(f.rx) > 0:
		return f.rx[:min(len(f.rx), f.leaseMax)], nil
	case f.rxErr != nil:
		return nil, f.rxErr
	case f.rxEOF:
		return nil, io.EOF
	}
	return nil, tcp.ErrWouldBlock
}
func (f *fakeConn) Consume(n int)   { f.rx = f.rx[n:] }
func (f *fakeConn) Buffered() int   { return len(f.rx) }
func (f *fakeConn) SendQueued() int { return f.n }
func (f *fakeConn) Write(p []byte) (int, error) {
	a, b, err := f.WriteLease()
	if err != nil {
		return 0, err
	}
	k := copy(a, p)
	k += copy(b, p[k:])
	f.CommitWrite(k)
	return k, nil
}
func (f *fakeConn) WriteLease() (first, second []byte, err error) {
	free := len(f.ring) - f.n
	if free == 0 {
		return nil, nil, tcp.ErrWouldBlock
	}
	s := (f.start + f.n) % len(f.ring)
	first = f.ring[s:min(len(f.ring), s+free)]
	second = f.ring[:free-len(first)]
	return first, second, nil
}
func (f *fakeConn) CommitWrite(n int) { f.n += n }
func (f *fakeConn) CloseWrite() error { return nil }
func (f *fakeConn) Close() error      { return nil }
func (f *fakeConn) Abort()            { f.aborted = true }
func (f *fakeConn) Release()          { f.released = true }
func (f *fakeConn) Err() error        { return nil }
func (f *fakeConn) ConnectFuture() *reactor.Future[struct{}] {
	return &f.fut
}
func (f *fakeConn) OnReadable(fn func())    { f.onReadable = fn }
func (f *fakeConn) OnWritable(fn func())    { f.onWritable = fn }
func (f *fakeConn) OnPeerClosed(fn func())  {}
func (f *fakeConn) OnClosed(fn func(error)) {}

// drain takes everything queued off the ring, as a peer acknowledging it.
func (f *fakeConn) drain() {
	for f.n > 0 {
		k := min(f.n, len(f.ring)-f.start)
		f.sent.Write(f.ring[f.start : f.start+k])
		f.start = (f.start + k) % len(f.ring)
		f.n -= k
	}
	if f.onWritable != nil {
		f.onWritable()
	}
}

// fakeDialer makes fake connections; with a script, each answers with it
// and then ends.
type fakeDialer struct {
	conns       []*fakeConn
	ring, lease int
	script      []byte
}

func (d *fakeDialer) Dial(netip.AddrPort, string) (stream.Conn, error) {
	f := &fakeConn{ring: make([]byte, d.ring), leaseMax: d.lease}
	if d.script != nil {
		f.rx, f.rxEOF = d.script, true
	}
	f.fut.Complete(struct{}{}, nil)
	d.conns = append(d.conns, f)
	return f, nil
}

// fakeEnv runs a client over fake connections on a virtual clock.
func fakeEnv(t *testing.T, ring, lease int) (*Client, *reactor.Reactor, *fakeDialer) {
	d := &fakeDialer{ring: ring, lease: lease}
	r := reactor.New(reactor.NewVirtualClock(0))
	c, err := New(nil, Config{Dialer: d})
	if err != nil {
		t.Fatal(err)
	}
	c.Spawn(r)
	return c, r, d
}

// The request as sent through rings of every small size, with a chunked
// body in pieces of varied sizes, reads back as the same request through
// net/http's request parser.
func TestRequestThroughTinyRings(t *testing.T) {
	body := pattern(3000)
	for ring := 9; ring <= 80; ring++ {
		for _, sized := range []bool{false, true} {
			c, r, d := fakeEnv(t, ring, 1<<20)
			src := body
			step := ring
			req := &Request{Method: "PATCH", URL: "http://10.0.0.1:8080/p/a/t/h?q=1", Header: []Field{{"X-A", "b"}},
				Into: make([]byte, 0, 64),
				BodyFunc: func(p []byte) (int, bool, error) {
					step = step%23 + 1
					k := copy(p[:min(len(p), step)], src)
					src = src[k:]
					return k, len(src) == 0, nil
				}}
			if sized {
				req.ContentLength = int64(len(body))
			}
			f := c.Do(req)
			for i := 0; i < 100000 && c.slots[0].wphase != writeDone; i++ {
				r.Step()
				if len(d.conns) > 0 {
					d.conns[0].drain()
				}
			}
			fc := d.conns[0]
			got, err := nethttp.ReadRequest(bufio.NewReader(bytes.NewReader(fc.sent.Bytes())))
			if err != nil {
				t.Fatalf("ring %d: %v\n%q", ring, err, fc.sent.Bytes())
			}
			b, err := io.ReadAll(got.Body)
			if err != nil || !bytes.Equal(b, body) || got.Method != "PATCH" || got.RequestURI != "/p/a/t/h?q=1" ||
				got.Host != "10.0.0.1:8080" || got.Header.Get("X-A") != "b" || (got.ContentLength == int64(len(body))) != sized {
				t.Fatalf("ring %d sized %v: %v %d bytes, %+v", ring, sized, err, len(b), got)
			}
			// Answer in leases of one byte.
			fc.leaseMax = 1
			fc.rx = []byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n")
			fc.onReadable()
			r.Step()
			resp, err := f.Result()
			if tr, _ := resp.Trailer("T"); !f.Done() || err != nil || string(resp.Body) != "abc" || tr != "1" {
				t.Fatalf("ring %d: %v %v %+v", ring, f.Done(), err, resp)
			}
		}
	}
}

// A stream's own error (not one of tcp's) comes back as a StreamError
// with the phase's kind.
func TestForeignStreamError(t *testing.T) {
	c, r, d := fakeEnv(t, 4096, 4096)
	f := c.Do(&Request{URL: "http://10.0.0.1/"})
	r.Step()
	bad := errors.New("bad record MAC")
	d.conns[0].rxErr = bad
	d.conns[0].onReadable()
	r.Step()
	var se *StreamError
	if err := f.Err(); !errors.As(err, &se) || !errors.Is(err, ErrReset) || !errors.Is(err, bad) || !d.conns[0].aborted || !d.conns[0].released {
		t.Fatalf("%v %+v", err, d.conns[0])
	}
	_ = time.Second
}
