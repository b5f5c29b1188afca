package tlsx

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"testing"
)

// TestServerMutualTLS: crypto/tls clients with a good certificate, none,
// and one from an untrusted CA against RequireAndVerifyClientCert, and the
// weaker policies.
func TestServerMutualTLS(t *testing.T) {
	p := getServerPKI(t)
	payload := testPayload(5000)
	want := sha256.Sum256(payload)
	cases := []struct {
		name   string
		policy ClientAuth
		cert   *tls.Certificate
		want   error
		alert  Alert
	}{
		{"verified", RequireAndVerifyClientCert, &p.client, nil, 0},
		{"no cert", RequireAndVerifyClientCert, nil, ErrCertificateRequired, AlertCertificateRequired},
		{"untrusted", RequireAndVerifyClientCert, &p.untrusted, ErrUnknownCA, AlertUnknownCA},
		{"if given, none", VerifyClientCertIfGiven, nil, nil, 0},
		{"if given, untrusted", VerifyClientCertIfGiven, &p.untrusted, ErrUnknownCA, AlertUnknownCA},
		{"require any, untrusted", RequireClientCert, &p.untrusted, nil, 0},
		{"require any, none", RequireClientCert, nil, ErrCertificateRequired, AlertCertificateRequired},
		{"request, none", RequestClientCert, nil, nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := serverConfig(p, "ecdsa-p256")
			cfg.ClientAuth = tc.policy
			cfg.ClientCAs = p.clientCAs
			ccfg := goClientConfig(p)
			if tc.cert != nil {
				// Bypass crypto/tls's filter on certificate_authorities,
				// which would hold back the untrusted certificate.
				ccfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return tc.cert, nil }
			}
			c, r, ssum, _, err := runGoClient(t, cfg, ccfg, payload)
			if tc.want == nil {
				if err != nil || r.err != nil || ssum != want || r.sum != want {
					t.Fatalf("server %v client %v echo ok %v", err, r.err, r.sum == want)
				}
				got := c.PeerCertificates()
				if tc.cert == nil && got != nil || tc.cert != nil && (len(got) != 1 || !bytes.Equal(got[0], tc.cert.Certificate[0])) {
					t.Fatalf("PeerCertificates = %d certs", len(got))
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("server err = %v, want %v", err, tc.want)
			}
			var e *Error
			if errors.As(err, &e); e.Alert != tc.alert {
				t.Fatalf("alert %v, want %v", e.Alert, tc.alert)
			}
			if r.err == nil || !bytes.Contains([]byte(r.err.Error()), []byte(goAlertText[tc.alert])) {
				t.Fatalf("client err = %v, want alert %v", r.err, tc.alert)
			}
		})
	}
}

// TestServerCertificateRequestCAs: the CertificateRequest names ClientCAs'
// subjects, which crypto/tls shows the client in CertificateRequestInfo.
func TestServerCertificateRequestCAs(t *testing.T) {
	p := getServerPKI(t)
	cfg := serverConfig(p, "ecdsa-p256")
	cfg.ClientAuth = RequireAndVerifyClientCert
	cfg.ClientCAs = p.clientCAs
	ccfg := goClientConfig(p)
	var seen [][]byte
	ccfg.GetClientCertificate = func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
		seen = cri.AcceptableCAs
		if err := cri.SupportsCertificate(&p.client); err != nil {
			return nil, err
		}
		return &p.client, nil
	}
	_, r, _, _, err := runGoClient(t, cfg, ccfg, []byte("hi"))
	if err != nil || r.err != nil {
		t.Fatalf("server %v client %v", err, r.err)
	}
	if len(seen) != 1 || !bytes.Equal(seen[0], p.ca.Cert.RawSubject) {
		t.Fatalf("AcceptableCAs = %q", seen)
	}
}
