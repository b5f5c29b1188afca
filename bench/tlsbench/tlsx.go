package tlsbench

import (
	"crypto/tls"
	"errors"
	"fmt"

	"github.com/seed947b3480/legation/tlsx"
)

// tlsxClientConfig is tlsx's client configuration for one group: the
// same roots and name as crypto/tls's, one group in the ClientHello.
// suites nil offers all three, AES-128-GCM first, as crypto/tls does on
// AES hardware.
func tlsxClientConfig(p *pki, g group, suites []uint16) *tlsx.Config {
	return &tlsx.Config{
		ServerName:   serverName,
		RootCAs:      p.roots,
		Groups:       []tlsx.Group{g.tlsx},
		CipherSuites: suites,
	}
}

// flush moves everything c has to send into q.
func flush(c *tlsx.Conn, q *queue) {
	for c.Pending() > 0 {
		b := c.OutputLease()
		q.write(b)
		c.ConsumeOutput(len(b))
	}
}

// feed gives c what q holds, as much as c takes, and reports whether
// it took anything.
func feed(c *tlsx.Conn, q *queue) (bool, error) {
	moved := false
	for {
		b := q.lease()
		if len(b) == 0 {
			return moved, nil
		}
		n, err := c.Input(b)
		q.consume(n)
		if err != nil {
			return moved, err
		}
		if n == 0 {
			return moved, nil
		}
		moved = true
	}
}

var errStalled = errors.New("handshake stalled")

// tlsxClientCryptoServer is a tlsx client's handshake with a crypto/tls
// server over l: the server blocks on its own goroutine, the client is
// driven here, waiting on the link for each of the server's flights.
func tlsxClientCryptoServer(l link, client *tlsx.Config, server *tls.Config) (*tlsx.Conn, *tls.Conn, error) {
	cli, err := tlsx.NewClient(client)
	if err != nil {
		return nil, nil, err
	}
	_, sc := l.conns()
	srv := tls.Server(sc, server)
	done := make(chan error, 1)
	go func() {
		err := srv.Handshake()
		if err != nil {
			l.s2c.close()
		}
		done <- err
	}()
	var cerr error
	for cerr == nil && !cli.HandshakeComplete() {
		flush(cli, l.c2s)
		if !l.s2c.wait() {
			cerr = errStalled
			break
		}
		_, cerr = feed(cli, l.s2c)
		if cerr == nil {
			cerr = cli.Err()
		}
	}
	flush(cli, l.c2s) // the client's Finished, or its alert
	if cerr != nil {
		l.c2s.close()
	}
	serr := <-done
	if cerr != nil || serr != nil {
		return nil, nil, fmt.Errorf("tlsx client / crypto/tls server handshake: client %v, server %v", cerr, serr)
	}
	return cli, srv, nil
}
