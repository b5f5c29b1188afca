package tlsx

import (
	"crypto/tls"
	"io"
	"net"
	"testing"
)

// BenchmarkRecordRoundTrip is one 16 KiB record: Write, Output, the
// peer's Input and ReadLease, between two engines.
func BenchmarkRecordRoundTrip(b *testing.B) {
	for _, s := range []struct {
		name string
		id   uint16
	}{{"AES128GCM", TLS_AES_128_GCM_SHA256}, {"AES256GCM", TLS_AES_256_GCM_SHA384}, {"CHACHA20", TLS_CHACHA20_POLY1305_SHA256}} {
		b.Run("tlsx/"+s.name, func(b *testing.B) {
			x, y := connectedPair(b, s.id)
			msg := make([]byte, maxPlaintext)
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				x.Write(msg)
				move(b, x, y)
				readAvailable(y)
			}
		})
	}
	// crypto/tls over net.Pipe for comparison (includes its locking and
	// the pipe's goroutine handoff, which is the cost a blocking API has).
	b.Run("crypto-tls/AES128GCM", func(b *testing.B) {
		p := getPKI(b)
		c1, c2 := net.Pipe()
		srv := tls.Server(c2, &tls.Config{Certificates: []tls.Certificate{p.leaves["ecdsa-p256"]}, MinVersion: tls.VersionTLS13})
		go io.Copy(io.Discard, srv)
		cli := tls.Client(c1, &tls.Config{RootCAs: p.roots, ServerName: "server.test",
			CipherSuites: []uint16{tls.TLS_AES_128_GCM_SHA256}})
		msg := make([]byte, maxPlaintext)
		if _, err := cli.Write(msg); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			cli.Write(msg)
		}
		b.StopTimer()
		cli.Close()
	})
}
