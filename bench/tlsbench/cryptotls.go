package tlsbench

import (
	"crypto/tls"
	"fmt"
)

// cryptoTLSConfigs are crypto/tls's client and server configurations for
// one group and certificate: TLS 1.3 only, one group, no session tickets
// (tlsx's server sends none without TicketKeys, and a ticket is a record
// the client would have to read), no dynamic record sizing (so a 16 KiB
// Write is one full record from the first, as in tlsx). The suite is not
// configurable in crypto/tls's TLS 1.3; on a machine with AES hardware
// both ends prefer TLS_AES_128_GCM_SHA256, which the tests check.
func cryptoTLSConfigs(p *pki, g group, cert certKind) (client, server *tls.Config) {
	client = &tls.Config{
		RootCAs:                     p.roots,
		ServerName:                  serverName,
		MinVersion:                  tls.VersionTLS13,
		MaxVersion:                  tls.VersionTLS13,
		CurvePreferences:            []tls.CurveID{g.curve},
		DynamicRecordSizingDisabled: true,
	}
	server = &tls.Config{
		Certificates:                []tls.Certificate{p.leaves[cert].tlsCertificate()},
		MinVersion:                  tls.VersionTLS13,
		MaxVersion:                  tls.VersionTLS13,
		CurvePreferences:            []tls.CurveID{g.curve},
		SessionTicketsDisabled:      true,
		DynamicRecordSizingDisabled: true,
	}
	return client, server
}

// cryptoTLSHandshake makes a crypto/tls client and server over l and runs
// their handshake to the end on both sides. crypto/tls's handshake is
// blocking, so the server runs on a goroutine of its own and each flight
// wakes the other side. Run with -cpu 1 each wake is a plain goroutine
// switch (a fraction of a microsecond against a handshake's hundreds);
// with more Ps it can be a futex wake of another thread, which
// cpu-ns/op counts as well.
func cryptoTLSHandshake(l link, client, server *tls.Config) (*tls.Conn, *tls.Conn, error) {
	cc, sc := l.conns()
	cli := tls.Client(cc, client)
	srv := tls.Server(sc, server)
	done := make(chan error, 1)
	go func() {
		err := srv.Handshake()
		if err != nil {
			l.s2c.close() // unblock the client
		}
		done <- err
	}()
	cerr := cli.Handshake()
	if cerr != nil {
		l.c2s.close() // unblock the server
	}
	serr := <-done
	if cerr != nil || serr != nil {
		return nil, nil, fmt.Errorf("crypto/tls handshake: client %v, server %v", cerr, serr)
	}
	return cli, srv, nil
}
