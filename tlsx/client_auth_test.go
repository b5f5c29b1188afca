package tlsx

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"errors"
	"testing"

	"github.com/seed947b3480/legation/internal/testpki"
)

// clientCert makes a client-auth certificate for key, issued by the test
// CA or, with other, by a CA the server does not know.
func clientCert(t *testing.T, key crypto.Signer, other bool) Certificate {
	ca := getPKI(t).ca
	if other {
		ca = testpki.NewCA(t, "stranger CA")
	}
	l := ca.Leaf(t, testpki.LeafOpts{Name: "client.test", Key: key, Client: true})
	return Certificate{Chain: l.Chain, Key: key}
}

func TestClientAuthGoServer(t *testing.T) {
	p := getPKI(t)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	good := map[string]Certificate{
		"ecdsa": clientCert(t, p256, false), "rsa": clientCert(t, rsaKey, false), "ed25519": clientCert(t, edKey, false)}
	stranger := clientCert(t, p256, true)
	payload := bytes.Repeat([]byte("mtls"), 4000)
	for name, cert := range good {
		t.Run(name, func(t *testing.T) {
			addr, res := goServerN(t, &tls.Config{Certificates: []tls.Certificate{p.leaves["ecdsa-p256"]},
				MinVersion: tls.VersionTLS13, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: p.roots},
				1, int64(len(payload)))
			// The stranger's chain comes first: the server names its CA in
			// certificate_authorities, so the client skips it.
			_, err := dialRun(t, addr, &Config{ServerName: "server.test", RootCAs: p.roots,
				Certificates: []Certificate{stranger, cert}}, payload)
			r := <-res
			if err != nil || r.err != nil {
				t.Fatalf("client %v, server %v", err, r.err)
			}
			if len(r.state.PeerCertificates) != 2 || !bytes.Equal(r.state.PeerCertificates[0].Raw, cert.Chain[0]) {
				t.Fatal("the server did not get our certificate")
			}
		})
	}
	t.Run("no certificate", func(t *testing.T) {
		addr, res := goServerN(t, &tls.Config{Certificates: []tls.Certificate{p.leaves["ecdsa-p256"]},
			MinVersion: tls.VersionTLS13, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: p.roots}, 1, 10)
		// Only a stranger's certificate: none fits, so an empty
		// Certificate goes and the server refuses.
		_, err := dialRun(t, addr, &Config{ServerName: "server.test", RootCAs: p.roots,
			Certificates: []Certificate{stranger}}, []byte("0123456789"))
		r := <-res
		var e *Error
		if !errors.Is(err, ErrPeerAlert) || !errors.As(err, &e) || e.Alert != AlertCertificateRequired || r.err == nil {
			t.Fatalf("client %v, server %v", err, r.err)
		}
	})
}

func TestClientAuthOpenSSL(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	cert := clientCert(t, key, false)
	addr := sserver(t, 2, "-Verify", "1", "-CAfile", "$DIR/ca")
	p := getPKI(t)
	page, c, _ := fetch(t, addr, &Config{ServerName: "server.test", RootCAs: p.roots, Certificates: []Certificate{cert}})
	if c.Err() != nil || !bytes.Contains(page, []byte("HTTP/1.0 200 ok")) || !bytes.Contains(page, []byte("client.test")) {
		t.Fatalf("err %v, page %.2000q", c.Err(), page)
	}
	// Without a certificate s_server -Verify refuses.
	nc := dialT(t, addr)
	c2, _ := NewClient(&Config{ServerName: "server.test", RootCAs: p.roots})
	_, _, err := run(c2, nc, []byte("GET / HTTP/1.0\r\n\r\n"))
	var e *Error
	if !errors.As(err, &e) || !e.Remote {
		t.Fatalf("no certificate: %v", err)
	}
	t.Logf("refused with %v", err)
}
