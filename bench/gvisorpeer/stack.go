package gvisorpeer

import (
	"fmt"
	"net/netip"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/link/ethernet"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
)

// NIC is the identifier of the one NIC NewStack creates.
const NIC tcpip.NICID = 1

// NewStack returns a gVisor stack speaking IPv4, ARP, TCP and UDP with
// gVisor's defaults (SACK on, receive buffer moderation on, 1 MiB buffers),
// and one NIC: link wrapped in Ethernet framing, so it must carry whole
// Ethernet frames, with addr on it and a route to addr's subnet. link's
// MTU is the Ethernet frame size without FCS (1514 for IP MTU 1500).
func NewStack(link stack.LinkEndpoint, addr netip.Prefix) (*stack.Stack, error) {
	if !addr.Addr().Is4() {
		return nil, fmt.Errorf("gvisorpeer: %v is not an IPv4 prefix", addr)
	}
	s := stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, arp.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol, udp.NewProtocol},
	})
	if err := s.CreateNIC(NIC, ethernet.New(link)); err != nil {
		s.Destroy()
		return nil, fmt.Errorf("gvisorpeer: create NIC: %v", err)
	}
	pa := tcpip.ProtocolAddress{
		Protocol:          ipv4.ProtocolNumber,
		AddressWithPrefix: tcpip.AddressWithPrefix{Address: Addr(addr.Addr()), PrefixLen: addr.Bits()},
	}
	if err := s.AddProtocolAddress(NIC, pa, stack.AddressProperties{}); err != nil {
		s.Destroy()
		return nil, fmt.Errorf("gvisorpeer: add address %v: %v", addr, err)
	}
	s.SetRouteTable([]tcpip.Route{{Destination: pa.AddressWithPrefix.Subnet(), NIC: NIC}})
	return s, nil
}

// Addr converts an IPv4 address to gVisor's form.
func Addr(a netip.Addr) tcpip.Address { return tcpip.AddrFrom4(a.As4()) }

// FullAddr converts an IPv4 address and port to gVisor's form.
func FullAddr(ap netip.AddrPort) tcpip.FullAddress {
	return tcpip.FullAddress{Addr: Addr(ap.Addr()), Port: ap.Port()}
}
