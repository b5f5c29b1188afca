package netconn_test

import (
	"net"
	"testing"

	"github.com/seed947b3480/legation/netconn"
	"golang.org/x/net/nettest"
)

// x/net's conformance suite for net.Conn implementations: basic I/O,
// ping-pong, racy reads and writes around deadlines, past, present and
// future deadlines, Close during blocked calls, concurrent methods.
func TestNetTestConn(t *testing.T) {
	a, b := newPair(t, netconn.Config{})
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		c1, c2 = pipe(t, a, b)
		return c1, c2, func() { c1.Close(); c2.Close() }, nil
	})
}
