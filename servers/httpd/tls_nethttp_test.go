package httpd

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/netconn"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd/websocket"
	"github.com/seed947b3480/legation/servers/httpd/websocket/wstest"
	"github.com/seed947b3480/legation/stack"
)

// realNet is the server stack and a client stack on one reactor turning
// on its own goroutine on the real clock, so that Go's crypto/tls and
// net/http, on the test's goroutines, reach the server through netconn.
// (netconn's callers wait in real time: on a virtual clock the reactor
// would jump to the next deadline whenever a client is busy computing.)
type realNet struct {
	t   *testing.T
	r   *reactor.Reactor
	srv *Server
	net *netconn.Net
}

// newRealNet starts srv's stack and a client stack; setup registers the
// server's routes, on the reactor goroutine before it turns.
func newRealNet(t *testing.T, cfg Config, setup func(*Server)) *realNet {
	t.Helper()
	devA, devB := loopback.NewPair(loopback.Config{})
	r := reactor.New(reactor.NewRealClock())
	a, err := stack.New(devA, stack.Config{Addr: netip.PrefixFrom(serverAddr, 24), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := stack.New(devB, stack.Config{Addr: netip.PrefixFrom(clientAddr, 24), Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	a.Spawn(r)
	b.Spawn(r)
	srv := New(a, cfg)
	setup(srv)
	if err := srv.Listen(443); err != nil {
		t.Fatal(err)
	}
	srv.Spawn(r)
	n := &realNet{t: t, r: r, srv: srv, net: netconn.New(b, r, netconn.Config{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return n
}

// stats reads the server's counters on the reactor goroutine.
func (n *realNet) stats() Stats {
	ch := make(chan Stats, 1)
	n.r.Post(func() { ch <- n.srv.Stats() })
	return <-ch
}

// httpsRoutes registers what the HTTPS tests fetch: /hello, 1 MiB of
// pseudo-random bytes by length and chunked, an upload that answers the
// SHA-256 of its body, and a WebSocket echo on /ws.
func httpsRoutes(download []byte) func(*Server) {
	return func(s *Server) {
		s.Handle("GET", "/hello", func(w *Response, r *Request) {
			w.Send(200, "text/plain", []byte("hello, world\n"))
		})
		for _, chunked := range []bool{true, false} {
			path, length := "/download/length", int64(len(download))
			if chunked {
				path, length = "/download/chunked", -1
			}
			s.Handle("GET", path, func(w *Response, r *Request) {
				rest := download
				w.Stream(200, "application/octet-stream", length, func(p []byte) (int, bool) {
					k := copy(p, rest)
					rest = rest[k:]
					return k, len(rest) == 0
				})
			})
		}
		h := sha256.New()
		var sum [sha256.Size]byte
		s.HandleStream("POST", "/upload", &StreamHandler{
			MaxBody: -1,
			Start:   func(w *Response, r *Request) { h.Reset() },
			Data:    func(r *Request, p []byte) { h.Write(p) },
			End: func(w *Response, r *Request) {
				w.Send(200, "text/plain", hex.AppendEncode(w.Scratch(), h.Sum(sum[:0])))
			},
		})
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
		zw.Write(download)
		zw.Close()
		if st, err := NewStatic("application/octet-stream", gz.Bytes()); err == nil {
			s.HandleStatic("/static.bin", st)
		}
		s.Handle("GET", "/remote", func(w *Response, r *Request) {
			w.Send(200, "text/plain", r.RemoteAddr().Addr().AppendTo(w.Scratch()))
		})
		s.WebSocket("/ws", websocket.NewGroup(websocket.Config{MaxMessage: wstest.MaxMessage}, wstest.NewEcho(64).Handler()))
	}
}

func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Go's net/http client over crypto/tls fetching from the server over
// HTTPS: TLS 1.3 with ALPN http/1.1, verified against the test CA;
// statuses and SHA-256 of 1 MiB each way; every request on one
// keep-alive connection.
func TestHTTPSNetHTTPClient(t *testing.T) {
	pki := newTestPKI(t)
	download := randomBytes(1<<20, 7)
	n := newRealNet(t, Config{TLS: pki.serverConfig()}, httpsRoutes(download))
	tr := &http.Transport{
		DialContext:        n.net.DialContext,
		TLSClientConfig:    &tls.Config{RootCAs: pki.roots, ServerName: testServerName, NextProtos: []string{"http/1.1"}},
		DisableCompression: true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	reused := 0
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		if i.Reused {
			reused++
		}
	}}
	do := func(method, path string, body []byte) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace),
			method, "https://"+serverAddr.String()+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body == nil {
			req.Body = nil
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("%s %s: reading the body: %v", method, path, err)
		}
		return resp, b
	}

	start := time.Now()
	resp, body := do("GET", "/hello", nil)
	if resp.StatusCode != 200 || string(body) != "hello, world\n" {
		t.Fatalf("GET /hello: %d %q", resp.StatusCode, body)
	}
	if cs := resp.TLS; cs == nil || cs.Version != tls.VersionTLS13 || cs.NegotiatedProtocol != "http/1.1" {
		t.Fatalf("TLS state %+v: want TLS 1.3 with ALPN http/1.1", cs)
	}
	for _, path := range []string{"/download/length", "/download/chunked"} {
		resp, body := do("GET", path, nil)
		if resp.StatusCode != 200 || hexSum(body) != hexSum(download) {
			t.Fatalf("GET %s: %d, %d bytes, SHA-256 %.16s; want %d bytes %.16s", path, resp.StatusCode, len(body),
				hexSum(body), len(download), hexSum(download))
		}
	}
	// The static resource, decompressed by the server as it is sent: this
	// client does not ask for gzip. (curl takes it as stored, gzip, in
	// interop/httpd_tls_test.go.)
	resp, body = do("GET", "/static.bin", nil)
	if resp.StatusCode != 200 || hexSum(body) != hexSum(download) {
		t.Fatalf("GET /static.bin: %d, %d bytes", resp.StatusCode, len(body))
	}
	upload := randomBytes(1<<20, 8)
	resp, body = do("POST", "/upload", upload)
	if resp.StatusCode != 200 || string(body) != hexSum(upload) {
		t.Fatalf("POST /upload: %d %q; want %s", resp.StatusCode, body, hexSum(upload))
	}
	resp, body = do("GET", "/remote", nil)
	if resp.StatusCode != 200 || string(body) != clientAddr.String() {
		t.Fatalf("GET /remote: %d %q; want the client's address through the TLS session", resp.StatusCode, body)
	}
	resp, _ = do("GET", "/no/such", nil)
	if resp.StatusCode != 404 {
		t.Fatalf("GET /no/such: %d", resp.StatusCode)
	}
	t.Logf("3 MiB down, 1 MiB up over HTTPS in %v", time.Since(start).Round(time.Millisecond))
	if st := n.stats(); st.Accepted != 1 || reused != 6 || st.HandshakeErrors != 0 || st.Requests != 7 {
		t.Fatalf("stats %+v, %d reused: want 7 requests on one connection", st, reused)
	}
}

// A client that checks the name and finds another refuses the handshake;
// the server counts a handshake error and keeps serving.
func TestHTTPSWrongNameRefused(t *testing.T) {
	pki := newTestPKI(t)
	n := newRealNet(t, Config{TLS: pki.serverConfig()}, httpsRoutes(nil))
	tr := &http.Transport{
		DialContext:     n.net.DialContext,
		TLSClientConfig: &tls.Config{RootCAs: pki.roots, ServerName: "other.test"},
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	_, err := client.Get("https://" + serverAddr.String() + "/hello")
	var herr x509.HostnameError
	if err == nil || !errors.As(err, &herr) {
		t.Fatalf("GET with the wrong name: %v; want a host name error", err)
	}
	// The same client with the right name is served. The server has read
	// the first connection's alert by then: the link and the reactor
	// keep the order of what the client sent.
	tr.TLSClientConfig.ServerName = testServerName
	resp, err := client.Get("https://" + serverAddr.String() + "/hello")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET with the right name after: %v", err)
	}
	resp.Body.Close()
	if st := n.stats(); st.Accepted != 2 || st.HandshakeErrors != 1 || st.Requests != 1 {
		t.Fatalf("stats %+v: want one handshake refused, one request served", st)
	}
}

// A WebSocket echo over TLS: crypto/tls on netconn writes the opening
// handshake and masked frames by hand (the websocket package has no
// client) and reads the echoes back, SHA-256 checked, sizes across the
// 7-bit, 16-bit and 64-bit length forms and larger than a TLS record (the
// echo sends those with SendPart, one record's worth at a time).
func TestWSSEcho(t *testing.T) {
	pki := newTestPKI(t)
	n := newRealNet(t, Config{TLS: pki.serverConfig()}, httpsRoutes(nil))
	raw, err := n.net.DialContext(context.Background(), "tcp", serverAddr.String()+":443")
	if err != nil {
		t.Fatal(err)
	}
	c := tls.Client(raw, &tls.Config{RootCAs: pki.roots, ServerName: testServerName, NextProtos: []string{"http/1.1"}})
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	io.WriteString(c, upgradeRequest)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 101 || resp.Header.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("upgrade: %d %v", resp.StatusCode, resp.Header)
	}
	if p := c.ConnectionState().NegotiatedProtocol; p != "http/1.1" {
		t.Fatalf("ALPN %q", p)
	}
	for i, size := range []int{0, 5, 125, 126, 4000, 20000, 65535, 70000, 1 << 20} {
		msg := randomBytes(size, uint64(i))
		if _, err := c.Write(clientFrame(2, msg)); err != nil {
			t.Fatal(err)
		}
		op, got := readServerMessage(t, br)
		if op != 2 || hexSum(got) != hexSum(msg) {
			t.Fatalf("echo of %d bytes: opcode %d, %d bytes %.16s; want %.16s", size, op, len(got), hexSum(got), hexSum(msg))
		}
	}
	// The closing handshake: the server answers 1000 and closes.
	c.Write(clientFrame(8, []byte{0x03, 0xe8}))
	if op, p := readServerMessage(t, br); op != 8 || !bytes.Equal(p, []byte{0x03, 0xe8}) {
		t.Fatalf("close answer: opcode %d %x", op, p)
	}
	if b, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the close: %x %v; want EOF", b, err)
	}
	if st := n.stats(); st.Upgraded != 1 || st.HandshakeErrors != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// clientFrame encodes a final, masked frame.
func clientFrame(op byte, payload []byte) []byte {
	b := []byte{0x80 | op}
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	key := [4]byte{0x11, 0x22, 0x33, 0x44}
	b = append(b, key[:]...)
	for i, c := range payload {
		b = append(b, c^key[i%4])
	}
	return b
}

// readServerMessage reads one message, reassembling its fragments.
func readServerMessage(t *testing.T, br *bufio.Reader) (op byte, payload []byte) {
	t.Helper()
	for {
		fin, o, p := readServerFrame(t, br)
		if o != 0 {
			op = o
		}
		payload = append(payload, p...)
		if fin {
			return op, payload
		}
	}
}

// readServerFrame reads one unmasked frame.
func readServerFrame(t *testing.T, br *bufio.Reader) (fin bool, op byte, payload []byte) {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		t.Fatalf("frame header: %v", err)
	}
	if h[1]&0x80 != 0 {
		t.Fatalf("frame header %x: want unmasked", h)
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		io.ReadFull(br, l[:])
		n = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		io.ReadFull(br, l[:])
		n = binary.BigEndian.Uint64(l[:])
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(br, payload); err != nil {
		t.Fatalf("frame payload: %v", err)
	}
	return h[0]&0x80 != 0, h[0] & 0x0f, payload
}
