package tlsx

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"errors"
	"time"
)

var errKeyMismatch = errors.New("signature scheme does not match the certificate key")

// verifyPeerChain checks the peer's chain against roots at now for the
// key usage of its side and, for a server's, the host name; it maps
// x509's verdict to a typed error and alert.
func verifyPeerChain(now time.Time, roots *x509.CertPool, name string, usage x509.ExtKeyUsage, certs []*x509.Certificate) *Error {
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		DNSName:       name,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{usage},
	})
	if err == nil {
		return nil
	}
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &ua):
		return newError(KindUnknownCA, AlertUnknownCA, err)
	case errors.As(err, &hn):
		return newError(KindHostName, AlertBadCertificate, err)
	case errors.As(err, &ci) && ci.Reason == x509.Expired:
		return newError(KindCertificateExpired, AlertCertificateExpired, err)
	}
	return newError(KindBadCertificate, AlertBadCertificate, err)
}

func digest(h crypto.Hash, msg []byte) []byte {
	switch h {
	case crypto.SHA256:
		d := sha256.Sum256(msg)
		return d[:]
	case crypto.SHA384:
		d := sha512.Sum384(msg)
		return d[:]
	default:
		d := sha512.Sum512(msg)
		return d[:]
	}
}

func verifySignature(pub any, alg uint16, msg, sig []byte) error {
	switch alg {
	case sigECDSAP256SHA256, sigECDSAP384SHA384, sigECDSAP521SHA512:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return errKeyMismatch
		}
		h, bits := crypto.SHA256, 256
		if alg == sigECDSAP384SHA384 {
			h, bits = crypto.SHA384, 384
		} else if alg == sigECDSAP521SHA512 {
			h, bits = crypto.SHA512, 521
		}
		// TLS 1.3 binds the curve to the scheme.
		if k.Curve.Params().BitSize != bits {
			return errKeyMismatch
		}
		if !ecdsa.VerifyASN1(k, digest(h, msg), sig) {
			return errors.New("bad ECDSA signature")
		}
		return nil
	case sigRSAPSSRSAE256, sigRSAPSSRSAE384, sigRSAPSSRSAE512:
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return errKeyMismatch
		}
		h := crypto.SHA256
		if alg == sigRSAPSSRSAE384 {
			h = crypto.SHA384
		} else if alg == sigRSAPSSRSAE512 {
			h = crypto.SHA512
		}
		return rsa.VerifyPSS(k, h, digest(h, msg), sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case sigEd25519:
		k, ok := pub.(ed25519.PublicKey)
		if !ok {
			return errKeyMismatch
		}
		if !ed25519.Verify(k, msg, sig) {
			return errors.New("bad Ed25519 signature")
		}
		return nil
	}
	return errors.New("unsupported signature scheme")
}
