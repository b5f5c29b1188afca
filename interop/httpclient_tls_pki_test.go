package interop

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"

	"github.com/seed947b3480/legation/internal/testpki"
)

// hctPKI is a test CA made for one test, a server certificate it signed
// (for the kernel's address and server.test), an unrelated CA, and all of
// it as PEM files for peers configured by path (mosquitto).
type hctPKI struct {
	roots, other *x509.CertPool
	server       tls.Certificate
	ca           *testpki.CA
	caFile       string // the CA, PEM
	certFile     string // the server's certificate, PEM
	keyFile      string // the server's key, PKCS#8 PEM
}

func hctNewPKI(t *testing.T, ips ...net.IP) *hctPKI {
	t.Helper()
	ca := testpki.NewCA(t, "legation interop CA")
	p := &hctPKI{roots: ca.Pool(), other: testpki.NewCA(t, "unrelated CA").Pool(), ca: ca}
	srv := ca.Leaf(t, testpki.LeafOpts{Name: "server.test", IPs: ips, LeafOnly: true})
	p.server = srv.TLS()
	dir := t.TempDir()
	p.caFile = testpki.WriteFile(t, dir, "ca.pem", ca.PEM())
	p.certFile = testpki.WriteFile(t, dir, "server.pem", srv.CertPEM())
	p.keyFile = testpki.WriteFile(t, dir, "server.key", srv.KeyPEM(t))
	return p
}
