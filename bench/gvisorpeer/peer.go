package gvisorpeer

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/seed947b3480/legation/hal"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// Defaults for the zero Config fields.
const (
	DefaultMTU   = 1514 // Ethernet frame without FCS, IP MTU 1500
	DefaultQueue = 1024 // frames gVisor may queue for the legation side
)

// Default hardware addresses, locally administered: the legation side and
// gVisor's NIC.
var (
	DefaultLocalMAC = hal.HardwareAddr{0x02, 0, 0, 0, 0x1e, 0x01}
	DefaultPeerMAC  = hal.HardwareAddr{0x02, 0, 0, 0, 0x9f, 0x02}
)

// Config sets up a Peer. Addr is required; zero fields take the defaults.
type Config struct {
	// Addr is gVisor's address and prefix, e.g. 10.0.0.2/24.
	Addr netip.Prefix
	// LocalMAC is the legation side's hardware address (Device reports it);
	// PeerMAC is gVisor's.
	LocalMAC, PeerMAC hal.HardwareAddr
	// MTU is the Ethernet frame size, header included, without FCS.
	MTU int
	// Queue bounds the frames gVisor may have sent that the legation side
	// has not received yet; beyond it gVisor's sends are dropped (and its
	// TCP retransmits), as on a NIC whose transmit ring is full.
	Queue int
}

// Peer is a gVisor stack on the far end of a Device.
type Peer struct {
	// Stack is gVisor's stack, for anything the helpers below do not cover.
	Stack *stack.Stack
	ep    *channel.Endpoint
	dev   *Device
}

// New starts a gVisor stack on a fresh link; give Device to a legation stack.
func New(cfg Config) (*Peer, error) {
	if cfg.MTU == 0 {
		cfg.MTU = DefaultMTU
	}
	if cfg.Queue == 0 {
		cfg.Queue = DefaultQueue
	}
	if cfg.LocalMAC == (hal.HardwareAddr{}) {
		cfg.LocalMAC = DefaultLocalMAC
	}
	if cfg.PeerMAC == (hal.HardwareAddr{}) {
		cfg.PeerMAC = DefaultPeerMAC
	}
	if cfg.MTU < 64 || cfg.Queue < 1 {
		return nil, fmt.Errorf("gvisorpeer: bad MTU %d or queue %d", cfg.MTU, cfg.Queue)
	}
	ep := channel.New(cfg.Queue, uint32(cfg.MTU), tcpip.LinkAddress(cfg.PeerMAC[:]))
	s, err := NewStack(ep, cfg.Addr)
	if err != nil {
		return nil, err
	}
	return &Peer{Stack: s, ep: ep, dev: newDevice(ep, cfg.LocalMAC, cfg.MTU)}, nil
}

// Device returns the legation end of the link.
func (p *Peer) Device() *Device { return p.dev }

// DialTCP opens a TCP connection from gVisor to remote.
func (p *Peer) DialTCP(ctx context.Context, remote netip.AddrPort) (*gonet.TCPConn, error) {
	return gonet.DialContextTCP(ctx, p.Stack, FullAddr(remote), ipv4.ProtocolNumber)
}

// ListenTCP listens on port on every gVisor address.
func (p *Peer) ListenTCP(port uint16) (*gonet.TCPListener, error) {
	return gonet.ListenTCP(p.Stack, tcpip.FullAddress{Port: port}, ipv4.ProtocolNumber)
}

// ListenUDP binds a UDP socket to port on every gVisor address.
func (p *Peer) ListenUDP(port uint16) (*gonet.UDPConn, error) {
	return gonet.DialUDP(p.Stack, &tcpip.FullAddress{Port: port}, nil, ipv4.ProtocolNumber)
}

// Close stops gVisor's stack and waits for its goroutines; queued frames are
// dropped.
func (p *Peer) Close() {
	p.ep.RemoveNotify(p.dev.note)
	p.Stack.Destroy()
	p.ep.Close()
}
