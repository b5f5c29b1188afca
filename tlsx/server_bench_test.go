package tlsx

import (
	"testing"
)

// BenchmarkServerHandshake is one full handshake, tlsx client against tlsx
// server in memory (ECDSA P-256 leaf, X25519, AES-128-GCM), and the same
// resumed from a ticket.
func BenchmarkServerHandshake(b *testing.B) {
	p := getServerPKI(b)
	keys, err := NewTicketKeys(nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, resume := range []bool{false, true} {
		name := "full"
		if resume {
			name = "resumed"
		}
		b.Run(name, func(b *testing.B) {
			scfg := serverConfig(p, "ecdsa-p256")
			ccfg := &Config{ServerName: "server.test", RootCAs: p.roots}
			if resume {
				scfg.TicketKeys, ccfg.SessionCache = keys, NewSessionCache(1)
				enginePair(b, ccfg, scfg)
			}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				cli, srv := enginePair(b, ccfg, scfg)
				if !srv.HandshakeComplete() || srv.DidResume() != resume {
					b.Fatalf("server %v client %v", srv.Err(), cli.Err())
				}
			}
		})
	}
}
