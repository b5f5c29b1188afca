package httpd_test

import (
	"fmt"
	"net/netip"

	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tlsx"
	"github.com/seed947b3480/legation/tlsx/tlsstream"
)

// An HTTPS server: Config.TLS is a tlsstream.Acceptor holding the
// device's certificate chain and key (PEM, as read from files), and the
// routes are what they would be over HTTP. Listen checks the certificate;
// ALPN offers "http/1.1". A program that leaves Config.TLS nil does not
// link tlsx at all.
func Example_https() {
	var certPEM, keyPEM []byte // the device's chain (leaf first) and key
	dev, _ := loopback.NewPair(loopback.Config{})
	st, err := stack.New(dev, stack.Config{Addr: netip.MustParsePrefix("192.168.7.2/24")})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := reactor.New(reactor.NewRealClock())
	st.Spawn(r)

	cert, err := tlsx.LoadCertificate(certPEM, keyPEM)
	if err != nil {
		fmt.Println("no certificate") // err says what is wrong with the PEM
		return
	}
	srv := httpd.New(st, httpd.Config{TLS: &tlsstream.Acceptor{
		Config: &tlsx.Config{Certificates: []tlsx.Certificate{cert}},
	}})
	srv.Handle("GET", "/hello", func(w *httpd.Response, r *httpd.Request) {
		w.Send(200, "text/plain", []byte("hello over TLS\n"))
	})
	if err := srv.Listen(443); err != nil {
		fmt.Println(err)
		return
	}
	srv.Spawn(r)
	// ... r.Run(ctx) turns the reactor.

	// Output: no certificate
}
