package tlsstream

import (
	"testing"
	"time"

	"github.com/seed947b3480/legation/tlsx"
)

// BenchmarkRecordThroughStacks is one 16 KiB record from the adapter's
// client to its server, through both stacks over the in-memory link, in
// virtual time: the adapter's cost on top of the engine's and TCP's.
func BenchmarkRecordThroughStacks(b *testing.B) {
	for _, s := range []struct {
		name  string
		suite uint16
	}{{"AES128GCM", tlsx.TLS_AES_128_GCM_SHA256}, {"CHACHA20", tlsx.TLS_CHACHA20_POLY1305_SHA256}} {
		b.Run(s.name, func(b *testing.B) {
			v := newVPair(b, 256<<10, 256<<10)
			var srv *Conn
			v.accept(v.serverConfig(), Options{}, func(c *Conn) { srv = c })
			cli := v.dial(&tlsx.Config{RootCAs: v.pki.roots, ServerName: "server.test", CipherSuites: []uint16{s.suite}},
				256<<10, 256<<10, Options{})
			v.handshake(b, &srv, cli)
			msg := make([]byte, 16<<10)
			got, want := 0, 0
			srv.OnReadable(countReads(srv, &got))
			done := func() bool { return got == want }
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				n, err := cli.Write(msg)
				if err != nil {
					b.Fatal(err)
				}
				want += n
				if !v.p.R.RunUntil(time.Minute, done) {
					b.Fatal("stalled")
				}
			}
		})
	}
}
