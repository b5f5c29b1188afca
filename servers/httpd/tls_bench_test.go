package httpd

import (
	"bytes"
	"testing"
	"time"
)

// Keep-alive requests over HTTP and HTTPS, and a whole HTTPS connection
// (TCP and TLS handshakes, one request, close), in virtual time: ns/op is
// the CPU of both stacks, both TLS ends and the server together.

func benchKeepAlive(b *testing.B, useTLS bool) {
	var n *testNet
	var c *client
	if useTLS {
		var pki *testPKI
		n, pki = httpsServer(b, Config{})
		c, _ = n.dialTLS(pki)
	} else {
		n = helloServer(b, Config{})
		c = n.dial()
	}
	want := []byte(`{"id":"42"}`)
	done := func() bool { return bytes.HasSuffix(c.got.Bytes(), want) }
	roundTrip := func() {
		c.got.Reset()
		c.send("GET /api/items/42 HTTP/1.1\r\nHost: x\r\n\r\n")
		if !n.r.RunUntil(time.Second, done) {
			b.Fatalf("no answer: %q", c.got.Bytes())
		}
	}
	roundTrip()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		roundTrip()
	}
}

func BenchmarkKeepAliveHTTP(b *testing.B)  { benchKeepAlive(b, false) }
func BenchmarkKeepAliveHTTPS(b *testing.B) { benchKeepAlive(b, true) }

func BenchmarkHTTPSConnection(b *testing.B) {
	n, pki := httpsServer(b, Config{})
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c, _ := n.dialTLS(pki)
		c.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if !n.r.RunUntil(time.Second, func() bool { return c.eof }) {
			b.Fatalf("no answer and close: %q", c.got.Bytes())
		}
		c.tc.Close()
	}
	b.StopTimer()
	n.r.RunUntil(time.Second, func() bool { return n.srv.Stats().Conns == 0 })
	if st := n.srv.Stats(); st.Requests != uint64(b.N) || st.HandshakeErrors != 0 {
		b.Fatalf("stats %+v after %d connections", st, b.N)
	}
}
