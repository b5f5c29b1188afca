package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/seed947b3480/legation/tlsx"
	"github.com/seed947b3480/legation/tlsx/tlsstream"
)

// loadTLS makes the HTTPS server's TLS from -tls-cert and -tls-key: nil
// when neither is given. The chain and key are read once, at start.
func loadTLS(certFile, keyFile string) (*tlsstream.Acceptor, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	if certFile == "" || keyFile == "" {
		return nil, errors.New("-tls-cert and -tls-key go together")
	}
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, err
	}
	cert, err := tlsx.LoadCertificate(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("-tls-cert %s, -tls-key %s: %w", certFile, keyFile, err)
	}
	return &tlsstream.Acceptor{Config: &tlsx.Config{Certificates: []tlsx.Certificate{cert}}}, nil
}
