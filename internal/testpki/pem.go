package testpki

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
)

// CertsPEM is the DER certificates as PEM "CERTIFICATE" blocks, in order.
func CertsPEM(ders ...[]byte) []byte {
	var b bytes.Buffer
	for _, d := range ders {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: d})
	}
	return b.Bytes()
}

// KeyPEM is key (any key x509.MarshalPKCS8PrivateKey takes) in PKCS#8
// PEM ("PRIVATE KEY").
func KeyPEM(tb TB, key any) []byte {
	if tb != nil {
		tb.Helper()
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		fail(tb, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// WriteFile writes b to dir/name and returns the path, for peers that
// read keys and certificates by path. The mode is 0644: a peer may read
// them after dropping to its own user (mosquitto does).
func WriteFile(tb TB, dir, name string, b []byte) string {
	if tb != nil {
		tb.Helper()
	}
	f := filepath.Join(dir, name)
	if err := os.WriteFile(f, b, 0o644); err != nil {
		fail(tb, err)
	}
	return f
}
