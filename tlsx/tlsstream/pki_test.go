package tlsstream

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"

	"github.com/seed947b3480/legation/internal/testpki"
)

// pki is a test CA and a server certificate it signed, for server.test and
// 10.0.0.2.
type pki struct {
	roots *x509.CertPool // trusts the CA
	other *x509.CertPool // trusts an unrelated CA
	leaf  tls.Certificate
}

func newPKI(t testing.TB) *pki {
	t.Helper()
	ca := testpki.NewCA(t, "legation test CA")
	leaf := ca.Leaf(t, testpki.LeafOpts{Name: "server.test", IPs: []net.IP{net.IPv4(10, 0, 0, 2)}})
	return &pki{roots: ca.Pool(), other: testpki.NewCA(t, "some other CA").Pool(), leaf: leaf.TLS()}
}
