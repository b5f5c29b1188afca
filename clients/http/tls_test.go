package http

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"io"
	"log"
	"net"
	nethttp "net/http"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/testpki"
	"github.com/seed947b3480/legation/netconn"
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/tlsx"
	"github.com/seed947b3480/legation/tlsx/tlsstream"
)

// https through a tlsstream.Dialer against Go's net/http HTTPS server on
// the peer stack (through netconn): bodies with their SHA-256, keep-alive
// reuse of the TLS connection, and refusals as typed tlsx errors inside
// ErrRefused.
func TestHTTPSAgainstNetHTTP(t *testing.T) {
	cert, roots := testCert(t)
	var e *realEnv
	dialer := func(cfg *tlsx.Config) *tlsstream.Dialer {
		return &tlsstream.Dialer{Inner: &stream.TCP{Host: e.cli, Config: tcp.Config{NoDelay: true}}, Config: cfg}
	}
	// The env's client is the trusting one; others are made below.
	var lazy lazyDialer
	e = newRealEnv(t, Config{TLSDialer: &lazy})
	lazy.d = dialer(&tlsx.Config{RootCAs: roots})

	l, err := netconn.New(e.srv, e.r, netconn.Config{}).Listen("tcp", ":443")
	if err != nil {
		t.Fatal(err)
	}
	newConns := make(chan struct{}, 100)
	mux := nethttp.NewServeMux()
	mux.HandleFunc("/data", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(pattern(n))
	})
	// Failed handshakes are expected below; the log would only be noise.
	hs := &nethttp.Server{Handler: mux, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
		ErrorLog: log.New(io.Discard, "", 0),
		ConnState: func(_ net.Conn, s nethttp.ConnState) {
			if s == nethttp.StateNew {
				newConns <- struct{}{}
			}
		}}
	go hs.ServeTLS(l, "", "")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
	})

	for i, n := range []int{0, 1000, 1 << 20, 5} {
		h := sha256.New()
		req := &Request{URL: "https://10.9.0.1/data?n=" + strconv.Itoa(n), OnData: func(p []byte) error { h.Write(p); return nil }}
		e.do(req, func(resp *Response, err error) {
			switch {
			case err != nil:
				t.Errorf("%d bytes: %v", n, err)
			case resp.Status != 200 || resp.BodyLen != int64(n) || hex.EncodeToString(h.Sum(nil)) != sum(pattern(n)):
				t.Errorf("%d bytes: status %d, %d bytes, wrong hash", n, resp.Status, resp.BodyLen)
			case resp.Reused != (i > 0):
				t.Errorf("%d bytes: Reused %v", n, resp.Reused)
			}
		})
	}
	if n := len(newConns); n != 1 {
		t.Errorf("server saw %d TLS connections, want 1 kept alive", n)
	}

	for _, tc := range []struct {
		name string
		cfg  *tlsx.Config
		want error
	}{
		{"unknown CA", &tlsx.Config{RootCAs: x509.NewCertPool()}, tlsx.ErrUnknownCA},
		{"host name", &tlsx.Config{RootCAs: roots, ServerName: "elsewhere.test"}, tlsx.ErrHostName},
	} {
		swapped := make(chan struct{})
		e.r.Post(func() { lazy.d = dialer(tc.cfg); e.c.CloseIdle(); close(swapped) })
		<-swapped
		e.do(&Request{URL: "https://10.9.0.1/data?n=1"}, func(_ *Response, err error) {
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrRefused) {
				t.Errorf("%s: %v, want %v inside ErrRefused", tc.name, err, tc.want)
			}
		})
	}
}

// lazyDialer lets the test swap the TLS configuration of a running client.
type lazyDialer struct{ d stream.Dialer }

func (l *lazyDialer) Dial(remote netip.AddrPort, name string) (stream.Conn, error) {
	return l.d.Dial(remote, name)
}

// testCert makes a self-signed certificate for 10.9.0.1 and a pool that
// trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	c := testpki.SelfSigned(t, testpki.LeafOpts{Name: "10.9.0.1", IPs: []net.IP{net.IP(serverAddr.AsSlice())}})
	return c.TLS(), c.Pool()
}
