package tlsbench

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"sync"

	"github.com/seed947b3480/legation/internal/testpki"
)

// serverName is the name in every leaf's SAN, sent in SNI and checked by
// both clients.
const serverName = "server.test"

// certKind names a server certificate: the leaf's key type (no trailing
// "-digits" in the name, which benchstat would take for GOMAXPROCS). The CA is
// ECDSA P-256 in both cases, so only the leaf's CertificateVerify and the
// chain's last signature check change with it.
type certKind string

const (
	certECDSA certKind = "ECDSAP256"
	certRSA   certKind = "RSA2048"
)

// pki is a test CA and one leaf per certKind, each usable by both
// implementations: the same DER chain and the same key.
type pki struct {
	caDER  []byte
	roots  *x509.CertPool
	leaves map[certKind]leaf
}

type leaf struct {
	chain  [][]byte // leaf, then the CA (sent as a real server would)
	key    crypto.Signer
	parsed *x509.Certificate
}

var (
	pkiOnce sync.Once
	pkiVal  *pki
	pkiErr  error
)

// getPKI makes the CA and leaves once per process: RSA key generation
// alone takes longer than many handshakes.
func getPKI() (*pki, error) {
	pkiOnce.Do(func() { pkiVal, pkiErr = makePKI() })
	return pkiVal, pkiErr
}

// makePKI returns testpki's panic (a broken crypto/rand) as an error.
func makePKI() (p *pki, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("%v", r)
		}
	}()
	ca := testpki.NewCA(nil, "tlsbench test CA")
	p = &pki{caDER: ca.DER, roots: ca.Pool(), leaves: map[certKind]leaf{}}
	for kind, kt := range map[certKind]testpki.KeyType{certECDSA: testpki.ECDSAP256, certRSA: testpki.RSA2048} {
		l := ca.Leaf(nil, testpki.LeafOpts{Name: serverName, KeyType: kt})
		p.leaves[kind] = leaf{chain: l.Chain, key: l.Key, parsed: l.Cert}
	}
	return p, nil
}

// tlsCertificate is the leaf as crypto/tls wants it, its Leaf filled in
// as tls.X509KeyPair does, so no handshake parses it again.
func (l leaf) tlsCertificate() tls.Certificate {
	return tls.Certificate{Certificate: l.chain, PrivateKey: l.key, Leaf: l.parsed}
}
