package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/seed947b3480/legation/examples/device/app"
	"github.com/seed947b3480/legation/reactor"
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

// httpsPoolBuffers is the limit of the HTTPS sessions' record buffer pool
// (sharePool).
const httpsPoolBuffers = 4

// sharePool makes acc's sessions share their record buffers: a
// tlsx.BufferPool of limit full-record buffers, made now. An idle session
// then holds none, where each would otherwise keep a 16 KB record buffer
// each way: 4 buffers are 64 KiB where the eight sessions of
// app.DefaultHTTPSMaxConns owning theirs take 288 KiB.
//
// A session waiting for one of httpd's exchanges may hold a receive buffer
// (a request read, not yet answered), so the pool needs more buffers than
// sessions can wait at once: at least MaxConns - MaxActive + 1, or the
// waiting ones could pin every buffer and starve the one being answered.
// The device's HTTPS server has an exchange for every connection (httpd's
// MaxActive, 16, is above DefaultHTTPSMaxConns), so its floor is 1; 4 let
// four sessions move records at once (handshakes, pages, live views). A
// session refused a buffer waits, it is not dropped.
//
// The sessions resume from a task on r once a buffer is given back, so
// the pool needs the reactor; r may be nil here and set later
// (acc.Options.Reactor) as long as it is before the first session.
func sharePool(acc *tlsstream.Acceptor, limit int, r *reactor.Reactor) *tlsx.BufferPool {
	pool := tlsx.NewBufferPool(0, limit)
	// Room in the wait lists for both directions of every session.
	pool.Preallocate(2 * app.DefaultHTTPSMaxConns)
	acc.Config.Buffers = pool
	acc.Options = tlsstream.Options{Reactor: r, HandshakeTimeout: -1}
	return pool
}
