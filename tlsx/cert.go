package tlsx

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
)

// Certificate is a certificate chain and its private key: a server's, or a
// client's for mutual TLS.
type Certificate struct {
	Chain [][]byte      // DER, leaf first
	Key   crypto.Signer // *ecdsa.PrivateKey (P-256, P-384), *rsa.PrivateKey (RSA-PSS), ed25519.PrivateKey
}

var (
	errNoCertPEM   = errors.New("tlsx: no CERTIFICATE block in PEM input")
	errNoKeyPEM    = errors.New("tlsx: no private key block in PEM input")
	errKeyType     = errors.New("tlsx: unsupported private key type (want ECDSA P-256/P-384/P-521, RSA or Ed25519)")
	errKeyNotLeaf  = errors.New("tlsx: private key does not match the leaf certificate")
	errNoCertChain = errors.New("tlsx: Certificate has no chain or no key")
)

// LoadCertificate reads a PEM chain (leaf first) and a PEM private key
// (PKCS#8, SEC1 EC or PKCS#1 RSA) and checks that the key belongs to the
// leaf.
func LoadCertificate(certPEM, keyPEM []byte) (Certificate, error) {
	var cert Certificate
	for len(certPEM) > 0 {
		var b *pem.Block
		b, certPEM = pem.Decode(certPEM)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			cert.Chain = append(cert.Chain, b.Bytes)
		}
	}
	if len(cert.Chain) == 0 {
		return Certificate{}, errNoCertPEM
	}
	var key any
	var err error
	for len(keyPEM) > 0 && key == nil {
		var b *pem.Block
		b, keyPEM = pem.Decode(keyPEM)
		if b == nil {
			break
		}
		switch b.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		default:
			continue
		}
		if err != nil {
			return Certificate{}, err
		}
	}
	if key == nil {
		return Certificate{}, errNoKeyPEM
	}
	signer, ok := key.(crypto.Signer)
	if !ok || len(keySchemes(signer.Public())) == 0 {
		return Certificate{}, errKeyType
	}
	leaf, err := x509.ParseCertificate(cert.Chain[0])
	if err != nil {
		return Certificate{}, err
	}
	if !samePublicKey(leaf.PublicKey, signer.Public()) {
		return Certificate{}, errKeyNotLeaf
	}
	cert.Key = signer
	return cert, nil
}

func samePublicKey(a, b any) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

var (
	schemesP256    = []uint16{sigECDSAP256SHA256}
	schemesP384    = []uint16{sigECDSAP384SHA384}
	schemesP521    = []uint16{sigECDSAP521SHA512}
	schemesRSA     = []uint16{sigRSAPSSRSAE256, sigRSAPSSRSAE384, sigRSAPSSRSAE512}
	schemesEd25519 = []uint16{sigEd25519}
)

// keySchemes lists the TLS 1.3 signature schemes a public key can sign
// with, most preferred first. TLS 1.3 binds an ECDSA curve to its hash and
// allows RSA only with PSS.
func keySchemes(pub crypto.PublicKey) []uint16 {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return schemesP256
		case elliptic.P384():
			return schemesP384
		case elliptic.P521():
			return schemesP521
		}
	case *rsa.PublicKey:
		if k.N.BitLen() >= 1024 {
			return schemesRSA
		}
	case ed25519.PublicKey:
		return schemesEd25519
	}
	return nil
}

// pickScheme is the first scheme the key supports that the peer listed,
// or 0.
func pickScheme(pub crypto.PublicKey, peer []uint16) uint16 {
	for _, s := range keySchemes(pub) {
		for _, p := range peer {
			if p == s {
				return s
			}
		}
	}
	return 0
}

// signHandshake signs msg (the CertificateVerify content) with scheme.
func signHandshake(key crypto.Signer, scheme uint16, rand io.Reader, msg []byte) ([]byte, error) {
	switch scheme {
	case sigECDSAP256SHA256:
		return key.Sign(rand, digest(crypto.SHA256, msg), crypto.SHA256)
	case sigECDSAP384SHA384:
		return key.Sign(rand, digest(crypto.SHA384, msg), crypto.SHA384)
	case sigECDSAP521SHA512:
		return key.Sign(rand, digest(crypto.SHA512, msg), crypto.SHA512)
	case sigRSAPSSRSAE256, sigRSAPSSRSAE384, sigRSAPSSRSAE512:
		h := crypto.SHA256
		if scheme == sigRSAPSSRSAE384 {
			h = crypto.SHA384
		} else if scheme == sigRSAPSSRSAE512 {
			h = crypto.SHA512
		}
		return key.Sign(rand, digest(h, msg), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h})
	case sigEd25519:
		return key.Sign(rand, msg, crypto.Hash(0))
	}
	return nil, errKeyType
}
