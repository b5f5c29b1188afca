package stack_test

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

// A firmware build claims the stack's memory in a package-level variable:
// eight TCP records with 2 KiB rings each, a small ARP cache, one
// reassembly slot.
var netRes = stack.NewResources(stack.Sizes{
	TCPConns: 8, TCPBufferSize: 2048,
	ARPEntries: 4, ARPPending: 2, ReassemblySlots: 1, ReassemblyMaxSize: 1480,
})

func ExampleNewResources() {
	dev, _ := loopback.NewPair(loopback.Config{})
	st, err := stack.New(dev, stack.Config{Addr: netip.MustParsePrefix("192.168.7.2/24"), Resources: netRes})
	if err != nil {
		panic(err)
	}
	f := netRes.Footprint()
	fmt.Println("TCP rings:", f.TCPBuffers, "bytes; records free:", netRes.FreeTCP())

	// Every record taken: the ninth dial is refused with a typed error.
	peer := netip.MustParseAddrPort("192.168.7.1:80")
	var conns []*tcp.Conn
	for {
		c, err := st.DialTCP(peer, tcp.Config{})
		if err != nil {
			fmt.Println("dial", len(conns)+1, "refused:", err, errors.Is(err, stack.ErrNoTCPSlot))
			break
		}
		conns = append(conns, c)
	}
	// Output:
	// TCP rings: 32768 bytes; records free: 8
	// dial 9 refused: stack: no TCP connection record free true
}
