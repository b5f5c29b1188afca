package httpd

import (
	"crypto/x509"
	"net"
	"testing"

	"github.com/seed947b3480/legation/internal/testpki"
	"github.com/seed947b3480/legation/tlsx"
	"github.com/seed947b3480/legation/tlsx/tlsstream"
)

// testServerName is the name on the test server's certificate, besides
// serverAddr.
const testServerName = "device.test"

// testPKI is a test CA and a server certificate it signed for
// testServerName and serverAddr.
type testPKI struct {
	roots *x509.CertPool // trusts the CA
	cert  tlsx.Certificate
}

// newTestPKI makes a fresh ECDSA P-256 CA and server certificate.
func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	ca := testpki.NewCA(t, "legation httpd test CA")
	l := ca.Leaf(t, testpki.LeafOpts{Name: testServerName, IPs: []net.IP{serverAddr.AsSlice()}, LeafOnly: true})
	return &testPKI{roots: ca.Pool(), cert: tlsx.Certificate{Chain: l.Chain, Key: l.Key}}
}

// serverConfig is a TLS server (Config.TLS) with the certificate.
func (p *testPKI) serverConfig() *tlsstream.Acceptor {
	return &tlsstream.Acceptor{Config: &tlsx.Config{Certificates: []tlsx.Certificate{p.cert}}}
}
