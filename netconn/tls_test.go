package netconn_test

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/testpki"
	"github.com/seed947b3480/legation/netconn"
)

// selfSigned makes a certificate for server.test and 10.0.0.2 and a pool
// that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	c := testpki.SelfSigned(t, testpki.LeafOpts{Name: "server.test", IPs: []net.IP{net.IPv4(10, 0, 0, 2)}})
	return c.TLS(), c.Pool()
}

// crypto/tls on both ends over netconn: HTTPS with verification on, 2 MiB
// bodies each way, and the TLS close_notify on a plain tls.Conn.
func TestTLS(t *testing.T) {
	a, b := newPair(t, netconn.Config{})
	cert, pool := selfSigned(t)
	l, err := b.net.Listen("tcp", ":443")
	if err != nil {
		t.Fatal(err)
	}
	tl := tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert}})
	serveHTTP(t, &http.Server{Handler: bodyHandler()}, tl)

	tr := &http.Transport{
		DialContext:     a.net.DialContext,
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "server.test"},
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	start := time.Now()
	getAndPost(t, client, "https://10.0.0.2", 2<<20)
	t.Logf("8 MiB over HTTPS in %v", time.Since(start).Round(time.Millisecond))

	// A raw TLS conversation that the client ends with close_notify and a
	// half-close: the server sees EOF, answers, and closes.
	l2, err := b.net.Listen("tcp", ":8443")
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	go func() {
		c, err := l2.Accept()
		if err != nil {
			t.Error(err)
			return
		}
		s := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
		defer s.Close()
		buf := make([]byte, 100)
		n, _ := s.Read(buf)
		s.Write(append([]byte("re: "), buf[:n]...))
	}()
	raw, err := a.net.Dial("tcp", "10.0.0.2:8443")
	if err != nil {
		t.Fatal(err)
	}
	c := tls.Client(raw, &tls.Config{RootCAs: pool, ServerName: "server.test"})
	defer c.Close()
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != "re: hello" {
		t.Fatalf("TLS answer %q, %v", buf[:n], err)
	}
	if st := c.ConnectionState(); st.Version != tls.VersionTLS13 || !st.HandshakeComplete {
		t.Errorf("TLS state: version %x, handshake complete %v", st.Version, st.HandshakeComplete)
	}
}
