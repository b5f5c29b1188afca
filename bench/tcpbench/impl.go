package tcpbench

import (
	"slices"
	"testing"
)

// transport is one TCP/IP implementation in the side-by-side benchmarks.
// Each lives in a file of its own (legation.go, gvisor.go, kernel.go,
// lneto.go) and registers itself from an init function:
//
//	func init() { register("lneto", lnetoTransport{}) }
//
// The name becomes the /impl= part of every benchmark's name, so
// `benchstat -col /impl` puts the implementations side by side.
//
// Every method sets up a fresh pair of endpoints (a client and a server,
// each on its own stack, joined by the implementation's own in-process link
// or the host's loopback) and returns an op, which the benchmark calls once
// per iteration. Set-up may allocate and take time; it is not measured.
// Teardown belongs in tb.Cleanup. An op must do exactly the work its method
// names, check that it happened (byte counts; an op that silently does less
// is a bug), and return an error instead of calling tb.Fatal, since ops also
// run inside TestTransports. An op should allocate nothing that the
// implementation itself does not: the benchmarks report allocs/op.
//
// Implementations driven on one goroutine (legation, lneto) step both
// stacks in the op until the work is done, on a virtual clock; those with
// goroutines of their own (gVisor, the kernel) block in the op while their
// goroutines work. Either way an op returns only when the receiving
// application holds the data.
type transport interface {
	// mtu reports the IP MTU of the link the endpoints talk over (1500 for
	// an Ethernet link; the kernel's loopback has 65536). It is reported
	// with BenchmarkTCPBulk as the link-MTU metric.
	mtu() int

	// bulk connects a client to a server and returns an op that sends src
	// from the client and returns once the server's application has read
	// all of it into dst (len(dst) == len(src)), so that afterwards dst
	// equals src. The connection stays open from op to op.
	bulk(tb testing.TB, src, dst []byte) (op func() error)

	// pingPong connects a client to a server that echoes what it reads,
	// and returns an op that sends req from the client and returns once the
	// client has read the echo into resp (len(resp) == len(req)).
	pingPong(tb testing.TB, req, resp []byte) (op func() error)

	// connect starts a server that accepts connections, reads each until
	// the client's FIN and then closes it, and returns an op that opens one
	// connection (the three-way handshake), closes it from the client, and
	// returns once the server has seen the FIN and closed its side. The
	// rest of the teardown (the last ACK, TIME-WAIT) may finish during the
	// next op.
	connect(tb testing.TB) (op func() error)
}

// registered holds the transports by name.
var registered = map[string]transport{}

func register(name string, t transport) {
	if _, dup := registered[name]; dup {
		panic("tcpbench: transport " + name + " registered twice")
	}
	registered[name] = t
}

// order is the column order for the known implementations; any other
// registered one follows, by name.
var order = []string{"legation", "lneto", "gvisor", "kernel"}

type named struct {
	name string
	t    transport
}

// transports returns the registered transports in order.
func transports() []named {
	var out []named
	for _, n := range order {
		if t, ok := registered[n]; ok {
			out = append(out, named{n, t})
		}
	}
	var rest []string
	for n := range registered {
		if !slices.Contains(order, n) {
			rest = append(rest, n)
		}
	}
	slices.Sort(rest)
	for _, n := range rest {
		out = append(out, named{n, registered[n]})
	}
	return out
}
