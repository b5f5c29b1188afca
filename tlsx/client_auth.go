package tlsx

import (
	"bytes"
	"crypto/x509"

	"golang.org/x/crypto/cryptobyte"
)

// certificateRequest is what a client keeps of a CertificateRequest
// (section 4.3.2).
type certificateRequest struct {
	ctx     []byte
	sigAlgs []uint16
	cas     [][]byte // DER distinguished names; empty means any
}

// parseCertRequestFull parses a CertificateRequest body into a copy (the
// body lives in the receive buffer). signature_algorithms is mandatory.
func parseCertRequestFull(body []byte) (*certificateRequest, *Error) {
	s := cryptobyte.String(body)
	var ctx []byte
	var exts cryptobyte.String
	if !s.ReadUint8LengthPrefixed((*cryptobyte.String)(&ctx)) || !s.ReadUint16LengthPrefixed(&exts) || !s.Empty() {
		return nil, newError(KindDecode, AlertDecodeError, nil)
	}
	cr := &certificateRequest{ctx: append([]byte(nil), ctx...)}
	seen := map[uint16]bool{}
	for !exts.Empty() {
		var typ uint16
		var data cryptobyte.String
		if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&data) || seen[typ] {
			return nil, newError(KindDecode, AlertDecodeError, nil)
		}
		seen[typ] = true
		switch typ {
		case extSignatureAlgorithms:
			var list cryptobyte.String
			if !data.ReadUint16LengthPrefixed(&list) || !data.Empty() || list.Empty() {
				return nil, newError(KindDecode, AlertDecodeError, nil)
			}
			for !list.Empty() {
				var a uint16
				if !list.ReadUint16(&a) {
					return nil, newError(KindDecode, AlertDecodeError, nil)
				}
				cr.sigAlgs = append(cr.sigAlgs, a)
			}
		case extCertificateAuthorities:
			var list cryptobyte.String
			if !data.ReadUint16LengthPrefixed(&list) || !data.Empty() || list.Empty() {
				return nil, newError(KindDecode, AlertDecodeError, nil)
			}
			for !list.Empty() {
				var dn []byte
				if !list.ReadUint16LengthPrefixed((*cryptobyte.String)(&dn)) || len(dn) == 0 {
					return nil, newError(KindDecode, AlertDecodeError, nil)
				}
				cr.cas = append(cr.cas, append([]byte(nil), dn...))
			}
		}
	}
	if cr.sigAlgs == nil {
		return nil, newError(KindDecode, AlertMissingExtension, nil)
	}
	return cr, nil
}

// pickClientCert is the first of Config.Certificates whose key signs with
// a scheme the server asked for and, when the server named CAs, whose
// chain was issued by one of them; nil when none fits.
func (c *Conn) pickClientCert(cr *certificateRequest) (*Certificate, uint16) {
	for i := range c.cfg.Certificates {
		cert := &c.cfg.Certificates[i]
		if cert.Key == nil || len(cert.Chain) == 0 {
			continue
		}
		scheme := pickScheme(cert.Key.Public(), cr.sigAlgs)
		if scheme == 0 || (len(cr.cas) > 0 && !issuedByOneOf(cert.Chain, cr.cas)) {
			continue
		}
		return cert, scheme
	}
	return nil, 0
}

// issuedByOneOf reports whether any certificate of the chain names one of
// the distinguished names as its issuer, as crypto/tls decides.
func issuedByOneOf(chain [][]byte, cas [][]byte) bool {
	for _, der := range chain {
		x, err := x509.ParseCertificate(der)
		if err != nil {
			continue
		}
		for _, dn := range cas {
			if bytes.Equal(x.RawIssuer, dn) {
				return true
			}
		}
	}
	return false
}

// clientCertificate answers a CertificateRequest under the client
// handshake key: with no fitting certificate the Certificate is empty and
// the server decides (section 4.4.2).
func (c *Conn) clientCertificate() bool {
	hs := c.hs
	cert, scheme := c.pickClientCert(hs.certReq)
	return c.sendCertificate(hs.transcript, hs.certReq.ctx, cert, scheme, false)
}
