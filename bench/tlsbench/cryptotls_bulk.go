package tlsbench

import (
	"crypto/tls"
	"io"
	"testing"
)

// startCryptoTLSBulk is crypto/tls's bulk case. After the handshake, both
// ends run on the benchmark's goroutine: the link never blocks a writer,
// so the client's Write returns once its record is queued, and the
// server's Read then finds the whole record queued and does not block
// either. No goroutine handoff is in the op; what is measured is
// crypto/tls's Write (seal into its send buffer, one copy into the link)
// and Read (one copy from the link into its record buffer, open in place,
// one copy into the caller's buffer).
func startCryptoTLSBulk(tb testing.TB, s suite, sink io.Writer) func(msg []byte) error {
	tb.Helper()
	p, err := getPKI()
	if err != nil {
		tb.Fatal(err)
	}
	cc, sc := cryptoTLSConfigs(p, groups[0], certECDSA)
	l := newLink()
	cli, srv, err := cryptoTLSHandshake(l, cc, sc)
	if err != nil {
		tb.Fatal(err)
	}
	if got := cli.ConnectionState().CipherSuite; got != s.id {
		tb.Fatalf("crypto/tls negotiated suite %s, want %s", tls.CipherSuiteName(got), s.name)
	}
	l.c2s.mu.Lock()
	l.c2s.noWait = true
	l.c2s.mu.Unlock()
	tb.Cleanup(func() { l.c2s.close(); l.s2c.close() })
	buf := make([]byte, recordSize)
	op := func(msg []byte) error {
		if _, err := cli.Write(msg); err != nil {
			return err
		}
		got := 0
		for got < len(msg) {
			n, err := srv.Read(buf)
			if err != nil {
				return errShort{got, len(msg), err}
			}
			if sink != nil {
				sink.Write(buf[:n])
			}
			got += n
		}
		return nil
	}
	return op
}
