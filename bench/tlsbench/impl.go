package tlsbench

import (
	"fmt"
	"io"
	"testing"
)

// pair is an established client and server, each as its implementation's
// own type, so the idle-memory measurement can keep or drop either.
type pair struct {
	client, server any
}

// handshakeImpl is one implementation pairing of the handshake benchmark.
// prepare builds the configurations for a group and certificate once and
// returns the op: one full handshake, client and server, over the link
// it is given (empty on entry and on return).
type handshakeImpl struct {
	name    string
	prepare func(p *pki, g group, cert certKind) func(l link) (pair, error)
}

// handshakeImpls are the handshake benchmark's columns: tlsx with tlsx,
// crypto/tls with crypto/tls, and tlsx's client against crypto/tls's
// server.
var handshakeImpls = []handshakeImpl{
	{"tlsx", prepareTLSX},
	{"cryptotls", func(p *pki, g group, cert certKind) func(l link) (pair, error) {
		cc, sc := cryptoTLSConfigs(p, g, cert)
		return func(l link) (pair, error) {
			c, s, err := cryptoTLSHandshake(l, cc, sc)
			return pair{c, s}, err
		}
	}},
	{"tlsxclient", func(p *pki, g group, cert certKind) func(l link) (pair, error) {
		_, sc := cryptoTLSConfigs(p, g, cert)
		cc := tlsxClientConfig(p, g, nil)
		return func(l link) (pair, error) {
			c, s, err := tlsxClientCryptoServer(l, cc, sc)
			return pair{c, s}, err
		}
	}},
}

// bulkImpl is one implementation of the bulk benchmark. start makes an
// established client and server over a fresh link and returns the op: the client sends msg (one record when len(msg) is
// recordSize), the server reads all of it and writes it to sink if sink
// is not nil. start does not warm the pair up; the callers do. Set-up may
// allocate; teardown belongs in tb.Cleanup.
type bulkImpl struct {
	name   string
	suites []suite // the suites it can be made to use
	start  func(tb testing.TB, s suite, sink io.Writer) (op func(msg []byte) error)
}

// bulkImpls are the bulk benchmark's columns. crypto/tls cannot be told
// which TLS 1.3 suite to use: it runs AES-128-GCM only, and so does the
// like-for-like tlsxread.
var bulkImpls = []bulkImpl{
	{"tlsx", suites, startTLSXBulkLease},
	{"tlsxread", suites[:1], startTLSXBulkRead},
	{"cryptotls", suites[:1], startCryptoTLSBulk},
}

// errShort is a bulk op that did not deliver the whole message.
type errShort struct {
	got, want int
	err       error
}

func (e errShort) Error() string {
	return fmt.Sprintf("server read %d of %d bytes: %v", e.got, e.want, e.err)
}
