package tlsbench

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/seed947b3480/legation/tlsx"
)

// tlsxServerConfig is tlsx's server configuration: the leaf and key
// crypto/tls serves, one group, no session tickets (TicketKeys nil).
func tlsxServerConfig(p *pki, g group, cert certKind, suites []uint16) *tlsx.Config {
	l := p.leaves[cert]
	return &tlsx.Config{
		Certificates: []tlsx.Certificate{{Chain: l.chain, Key: l.key}},
		Groups:       []tlsx.Group{g.tlsx},
		CipherSuites: suites,
	}
}

func prepareTLSX(p *pki, g group, cert certKind) func(l link) (pair, error) {
	cc := tlsxClientConfig(p, g, nil)
	sc := tlsxServerConfig(p, g, cert, nil)
	return func(l link) (pair, error) {
		c, s, err := tlsxHandshake(l, cc, sc)
		return pair{c, s}, err
	}
}

// tlsxHandshake runs a tlsx client and server's handshake to the end on
// the calling goroutine, each flight moved through l as it is made: no
// goroutine, no wait.
func tlsxHandshake(l link, client, server *tlsx.Config) (*tlsx.Conn, *tlsx.Conn, error) {
	cli, err := tlsx.NewClient(client)
	if err != nil {
		return nil, nil, err
	}
	srv, err := tlsx.NewServer(server)
	if err != nil {
		return nil, nil, err
	}
	// A 1-RTT handshake is three flights; a HelloRetryRequest adds two.
	for range 4 {
		flush(cli, l.c2s)
		if _, err := feed(srv, l.c2s); err != nil {
			break
		}
		flush(srv, l.s2c)
		if _, err := feed(cli, l.s2c); err != nil {
			break
		}
		if cli.HandshakeComplete() && srv.HandshakeComplete() {
			break
		}
	}
	if cli.Err() != nil || srv.Err() != nil || !cli.HandshakeComplete() || !srv.HandshakeComplete() {
		return nil, nil, fmt.Errorf("tlsx handshake: client %v (complete %v), server %v (complete %v)",
			cli.Err(), cli.HandshakeComplete(), srv.Err(), srv.HandshakeComplete())
	}
	return cli, srv, nil
}

func startTLSXBulkLease(tb testing.TB, s suite, sink io.Writer) func([]byte) error {
	return startTLSXBulk(tb, s, sink, false)
}

func startTLSXBulkRead(tb testing.TB, s suite, sink io.Writer) func([]byte) error {
	return startTLSXBulk(tb, s, sink, true)
}

// startTLSXBulk is tlsx's bulk case: both engines on the benchmark's
// goroutine, the client's Write sealing into its output buffer, the
// record copied into the link and from it into the server's input buffer
// by Input, opened in place and lent by ReadLease: tlsx's own API, which
// saves the copy into a caller's buffer that crypto/tls's Read makes.
// With read set it makes that copy too (Read into a 16 KiB buffer), for a
// like-for-like comparison with crypto/tls's Read (impl=tlsxread).
func startTLSXBulk(tb testing.TB, s suite, sink io.Writer, read bool) func(msg []byte) error {
	tb.Helper()
	p, err := getPKI()
	if err != nil {
		tb.Fatal(err)
	}
	l := newLink()
	cli, srv, err := tlsxHandshake(l, tlsxClientConfig(p, groups[0], []uint16{s.id}), tlsxServerConfig(p, groups[0], certECDSA, nil))
	if err != nil {
		tb.Fatal(err)
	}
	if cli.CipherSuite() != s.id || srv.CipherSuite() != s.id {
		tb.Fatalf("tlsx negotiated %04x/%04x, want %s", cli.CipherSuite(), srv.CipherSuite(), s.name)
	}
	buf := make([]byte, recordSize)
	return func(msg []byte) error {
		got := 0
		for sent := 0; sent < len(msg); {
			n, err := cli.Write(msg[sent:])
			if err != nil && !errors.Is(err, tlsx.ErrWouldBlock) {
				return err
			}
			sent += n
			flush(cli, l.c2s)
			for {
				for {
					var b []byte
					var err error
					if read {
						var n int
						n, err = srv.Read(buf)
						b = buf[:n]
					} else {
						b, err = srv.ReadLease()
					}
					if err != nil {
						if !errors.Is(err, tlsx.ErrWouldBlock) {
							return err
						}
						break
					}
					if sink != nil {
						sink.Write(b)
					}
					got += len(b)
					if !read {
						srv.Consume(len(b))
					}
				}
				q := l.c2s.lease()
				if len(q) == 0 {
					break
				}
				n, err := srv.Input(q)
				l.c2s.consume(n)
				if err != nil {
					return err
				}
				if n == 0 && srv.Buffered() == 0 {
					return errShort{got, len(msg), errStalled}
				}
			}
		}
		if got != len(msg) {
			return errShort{got, len(msg), nil}
		}
		return nil
	}
}
