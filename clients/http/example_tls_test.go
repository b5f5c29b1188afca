package http_test

import (
	"fmt"
	"net/netip"

	"github.com/seed947b3480/legation/clients/http"
	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/tlsx"
	"github.com/seed947b3480/legation/tlsx/tlsstream"
)

// An HTTPS client: the TLSDialer runs tlsx over TCP streams from the same
// stack and trusts the roots in caPEM. Requests to https:// URLs then go
// through it; the URL's host is the name the certificate must carry.
func Example_https() {
	var caPEM []byte // the PEM certificates of the CAs to trust
	dev, _ := loopback.NewPair(loopback.Config{})
	st, err := stack.New(dev, stack.Config{Addr: netip.MustParsePrefix("192.168.7.2/24")})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := reactor.New(reactor.NewRealClock())
	st.Spawn(r)

	roots, err := tlsx.RootsFromPEM(caPEM)
	if err != nil {
		fmt.Println("no roots:", err)
		return
	}
	c, err := http.New(st, http.Config{TLSDialer: &tlsstream.Dialer{
		Inner:  &stream.TCP{Host: st, Config: tcp.Config{NoDelay: true}},
		Config: &tlsx.Config{RootCAs: roots},
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	c.Spawn(r)
	req := &http.Request{URL: "https://192.168.7.1/status", Into: make([]byte, 0, 4096)}
	c.Do(req).OnComplete(func(resp *http.Response, err error) {
		if err != nil {
			fmt.Println(err) // errors.Is(err, tlsx.ErrUnknownCA), ...
			return
		}
		fmt.Println(resp.Status, string(resp.Body))
	})
	// ... r.Run(ctx) turns the reactor.

	// Output: no roots: tlsx: no certificate in PEM input
}
