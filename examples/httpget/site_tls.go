package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tlsx"
	"github.com/seed947b3480/legation/tlsx/tlsstream"
)

// serveDemoTLS serves the demo site over https on port 443 of s (httpd
// with a tlsstream.Acceptor), with a certificate for s's address,
// legation.test and www.legation.test from a CA made now, in memory. It
// returns a pool that trusts that CA.
func serveDemoTLS(s *stack.Stack, r *reactor.Reactor) (*x509.CertPool, error) {
	cert, roots, err := demoPKI(s)
	if err != nil {
		return nil, err
	}
	srv := httpd.New(s, httpd.Config{TLS: &tlsstream.Acceptor{Config: &tlsx.Config{Certificates: []tlsx.Certificate{cert}}}})
	demoRoutes(srv)
	if err := srv.Listen(443); err != nil {
		return nil, err
	}
	srv.Spawn(r)
	return roots, nil
}

// demoPKI makes the demo's CA and its certificate for s's address and the
// legation.test names.
func demoPKI(s *stack.Stack) (tlsx.Certificate, *x509.CertPool, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tlsx.Certificate{}, nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "legation demo CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true, IsCA: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return tlsx.Certificate{}, nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return tlsx.Certificate{}, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tlsx.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "legation.test"},
		DNSNames:    []string{"legation.test", "www.legation.test"},
		IPAddresses: []net.IP{net.IP(s.Addr().Addr().AsSlice())},
		NotBefore:   now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return tlsx.Certificate{}, nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	return tlsx.Certificate{Chain: [][]byte{der}, Key: key}, roots, nil
}
