package stream_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tcp"
)

type refusingHost struct{ err error }

func (h refusingHost) DialTCP(netip.AddrPort, tcp.Config) (*tcp.Conn, error) { return nil, h.err }

// A failed dial must come back as a nil interface, not a typed nil
// *tcp.Conn that a caller's "c != nil" would take for a stream.
func TestTCPDialErrorIsNilConn(t *testing.T) {
	want := errors.New("no route")
	d := &stream.TCP{Host: refusingHost{want}}
	c, err := d.Dial(netip.MustParseAddrPort("10.0.0.1:80"), "example.test")
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
	if c != nil {
		t.Fatalf("conn = %#v, want nil interface", c)
	}
}
