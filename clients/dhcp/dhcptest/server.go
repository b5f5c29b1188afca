// Package dhcptest is a small scripted DHCPv4 server: the peer of the DHCP
// client's virtual-time tests and of the loopback demo's -dhcp. It leases
// addresses from a small pool (DISCOVER/OFFER, REQUEST/ACK or NAK, DECLINE,
// RELEASE) and lets a test see every message, with its IP source and
// destination, and decide per message to answer, stay silent or refuse.
//
// The server is middleware on the device of an ordinary legation stack:
// it takes the DHCP datagrams addressed to port 67 out of the frames the
// stack would receive and answers them itself, and passes every other
// frame through, so the stack still answers ARP (and probes: a pool
// address the stack holds makes a client decline it), pings and its own
// sockets. It sits below the stack because a stack drops datagrams from
// 0.0.0.0, the source of every message a client sends before it has an
// address.
//
// It is not a production server: it keeps no lease database, never expires
// a binding, ignores relays, and answers by broadcast unless the client
// has an address (RFC 2131 4.1 allows that).
package dhcptest

import (
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// Action is what the server does with a message.
type Action uint8

const (
	Answer Action = iota // the normal answer (none for DECLINE and RELEASE)
	Drop                 // no answer, as if the message were lost
	Refuse               // a NAK, for a REQUEST
)

// Message is a client message the server received.
type Message struct {
	At       reactor.Instant // the stack's latest instant
	Src, Dst netip.Addr      // IP source and destination
	DHCP     *wire.DHCPv4Repr
}

// Config describes the server and the leases it hands out.
type Config struct {
	// Addr is the server's address and subnet: the stack's own. Required.
	Addr netip.Prefix
	// PoolStart and PoolSize are the addresses leased. Default: host 100
	// of the subnet, 16 addresses.
	PoolStart netip.Addr
	PoolSize  int
	// Routers, DNS and NTP are sent as options 3, 6 and 42. nil: the
	// server's own address for routers and DNS, none for NTP; an empty
	// non-nil slice sends none.
	Routers, DNS, NTP []netip.Addr
	// Lease is the lease time (default 1 h); T1 and T2 are sent as options
	// 58 and 59 when not zero.
	Lease, T1, T2 time.Duration
	// OnMessage sees every valid client message before the server acts and
	// chooses the action. m and m.DHCP are valid only during the call.
	OnMessage func(m *Message) Action
}

type bindState uint8

const (
	free bindState = iota
	offered
	bound
	declined
)

type binding struct {
	hw    wire.HardwareAddr
	state bindState
}

// Server is the scripted server, a hal.Device wrapping the server stack's
// device. Like any device it is used from the reactor goroutine.
type Server struct {
	dev     hal.Device
	clocked hal.Clocked
	cfg     Config
	mac     wire.HardwareAddr
	now     reactor.Instant
	pool    []binding
	msg     Message
	in      wire.DHCPv4Repr // a field, so hooks cannot make it escape
	out     wire.DHCPv4Repr
	counts  [9]int
}

var (
	_ hal.Device  = (*Server)(nil)
	_ hal.Clocked = (*Server)(nil)
)

// New wraps dev, the device of the stack at cfg.Addr. Build that stack
// over the returned Server.
func New(dev hal.Device, cfg Config) *Server {
	if !cfg.PoolStart.IsValid() {
		cfg.PoolStart = addrAdd(cfg.Addr.Masked().Addr(), 100)
	}
	if cfg.PoolSize <= 0 {
		cfg.PoolSize = 16
	}
	if cfg.Routers == nil {
		cfg.Routers = []netip.Addr{cfg.Addr.Addr()}
	}
	if cfg.DNS == nil {
		cfg.DNS = []netip.Addr{cfg.Addr.Addr()}
	}
	if cfg.Lease <= 0 {
		cfg.Lease = time.Hour
	}
	srv := &Server{dev: dev, cfg: cfg, mac: wire.HardwareAddr(dev.HardwareAddr()), pool: make([]binding, cfg.PoolSize)}
	srv.clocked, _ = dev.(hal.Clocked)
	srv.msg.DHCP = &srv.in
	return srv
}

// Count reports how many messages of type t the server has received.
func (srv *Server) Count(t wire.DHCPv4MessageType) int {
	if int(t) < len(srv.counts) {
		return srv.counts[t]
	}
	return 0
}

// Bound reports the address bound to hw, if any.
func (srv *Server) Bound(hw wire.HardwareAddr) (netip.Addr, bool) {
	for i, b := range srv.pool {
		if b.state == bound && b.hw == hw {
			return addrAdd(srv.cfg.PoolStart, i), true
		}
	}
	return netip.Addr{}, false
}

// Receive lends the next frame that is not a DHCP message for the server;
// those it answers and releases on the way.
func (srv *Server) Receive() ([]byte, bool) {
	for {
		f, ok := srv.dev.Receive()
		if !ok || !srv.intercept(f) {
			return f, ok
		}
		srv.dev.ReleaseRx()
	}
}

// The rest of hal.Device forwards to the wrapped device.

func (srv *Server) ReleaseRx()                     { srv.dev.ReleaseRx() }
func (srv *Server) Transmit() ([]byte, bool)       { return srv.dev.Transmit() }
func (srv *Server) Commit(n int)                   { srv.dev.Commit(n) }
func (srv *Server) Capabilities() hal.Capabilities { return srv.dev.Capabilities() }
func (srv *Server) LinkState() hal.LinkState       { return srv.dev.LinkState() }
func (srv *Server) HardwareAddr() hal.HardwareAddr { return srv.dev.HardwareAddr() }
func (srv *Server) SetWaker(w hal.Waker)           { srv.dev.SetWaker(w) }

// Tick keeps the stack's instant for Message.At and forwards.
func (srv *Server) Tick(nowNanos int64) (int64, bool) {
	srv.now = reactor.Instant(nowNanos)
	if srv.clocked != nil {
		return srv.clocked.Tick(nowNanos)
	}
	return 0, false
}

// intercept handles f if it is a UDP datagram to port 67 and reports
// whether it did.
func (srv *Server) intercept(f []byte) bool {
	eth, err := wire.NewEthernetFrame(f)
	if err != nil || eth.EtherType() != wire.EtherTypeIPv4 || eth.Dst() != srv.mac && !eth.Dst().IsBroadcast() {
		return false
	}
	ip, err := wire.NewIPv4Packet(eth.Payload())
	if err != nil || ip.Protocol() != wire.IPProtocolUDP || ip.MoreFrags() || ip.FragOffset() != 0 {
		return false
	}
	u, err := wire.NewUDPPacket(ip.Payload())
	if err != nil || u.DstPort() != wire.DHCPv4ServerPort {
		return false
	}
	if u.VerifyChecksum(ip.Src(), ip.Dst()) {
		srv.msg.At, srv.msg.Src, srv.msg.Dst = srv.now, ip.Src(), ip.Dst()
		srv.handle(u.Payload())
	}
	return true
}

func (srv *Server) handle(b []byte) {
	p, err := wire.NewDHCPv4Packet(b)
	m := &srv.in
	if err != nil || m.Parse(p) != nil || m.Op != wire.DHCPv4BootRequest {
		return
	}
	if int(m.MessageType) < len(srv.counts) {
		srv.counts[m.MessageType]++
	}
	act := Answer
	if srv.cfg.OnMessage != nil {
		act = srv.cfg.OnMessage(&srv.msg)
	}
	if act == Drop {
		return
	}
	switch m.MessageType {
	case wire.DHCPDiscover:
		if i, ok := srv.pick(m.ClientHW, m.RequestedIP); ok {
			srv.pool[i].hw, srv.pool[i].state = m.ClientHW, max(srv.pool[i].state, offered)
			srv.reply(wire.DHCPOffer, addrAdd(srv.cfg.PoolStart, i))
		}
	case wire.DHCPRequest:
		srv.request(act == Refuse)
	case wire.DHCPDecline:
		if i, ok := srv.index(m.RequestedIP); ok && srv.pool[i].hw == m.ClientHW {
			srv.pool[i].state = declined
		}
	case wire.DHCPRelease:
		if i, ok := srv.index(m.ClientAddr); ok && srv.pool[i].hw == m.ClientHW {
			srv.pool[i] = binding{}
		}
	}
}

func (srv *Server) request(refuse bool) {
	m := &srv.in
	if m.ServerID.IsValid() && m.ServerID != srv.cfg.Addr.Addr() {
		return // the client chose another server
	}
	want := m.RequestedIP // SELECTING and INIT-REBOOT
	if m.ClientAddr.IsValid() && !m.ClientAddr.IsUnspecified() {
		want = m.ClientAddr // RENEWING and REBINDING
	}
	i, ok := srv.index(want)
	if !refuse && ok && srv.pool[i].state != declined && (srv.pool[i].state == free || srv.pool[i].hw == m.ClientHW) {
		srv.pool[i] = binding{hw: m.ClientHW, state: bound}
		srv.reply(wire.DHCPAck, want)
		return
	}
	srv.reply(wire.DHCPNak, netip.Addr{})
}

// pick chooses an address for hw: its binding, the one it asks for if
// free, else the first free one.
func (srv *Server) pick(hw wire.HardwareAddr, want netip.Addr) (int, bool) {
	for i, b := range srv.pool {
		if b.hw == hw && (b.state == offered || b.state == bound) {
			return i, true
		}
	}
	if i, ok := srv.index(want); ok && srv.pool[i].state == free {
		return i, true
	}
	for i, b := range srv.pool {
		if b.state == free {
			return i, true
		}
	}
	return 0, false
}

func (srv *Server) index(a netip.Addr) (int, bool) {
	if !a.Is4() {
		return 0, false
	}
	d := int64(u32(a.As4())) - int64(u32(srv.cfg.PoolStart.As4()))
	return int(d), d >= 0 && d < int64(len(srv.pool))
}

// reply answers the message in srv.in. Without a client address the answer
// is broadcast at both layers; with one it is unicast to it, at the MAC
// in chaddr, so the server needs no ARP.
func (srv *Server) reply(t wire.DHCPv4MessageType, yi netip.Addr) {
	in, out := &srv.in, &srv.out
	*out = wire.DHCPv4Repr{
		Op:          wire.DHCPv4BootReply,
		MessageType: t,
		XID:         in.XID,
		Broadcast:   in.Broadcast,
		ClientHW:    in.ClientHW,
		ServerID:    srv.cfg.Addr.Addr(),
	}
	dst, dstHW := netip.AddrFrom4([4]byte{255, 255, 255, 255}), wire.BroadcastHW
	if t != wire.DHCPNak {
		out.YourAddr = yi
		out.ClientAddr = in.ClientAddr
		out.LeaseTime = uint32(srv.cfg.Lease / time.Second)
		out.RenewalTime = uint32(srv.cfg.T1 / time.Second)
		out.RebindingTime = uint32(srv.cfg.T2 / time.Second)
		out.SubnetMask = maskOf(srv.cfg.Addr.Bits())
		addList(&out.Routers, srv.cfg.Routers)
		addList(&out.DNS, srv.cfg.DNS)
		addList(&out.NTP, srv.cfg.NTP)
		if a := in.ClientAddr; a.IsValid() && !a.IsUnspecified() {
			dst, dstHW = a, in.ClientHW
		}
	}
	srv.send(dst, dstHW)
}

// send puts srv.out on the wire: Ethernet, IPv4 and UDP around it.
func (srv *Server) send(dst netip.Addr, dstHW wire.HardwareAddr) {
	buf, ok := srv.dev.Transmit()
	if !ok {
		return // no room: the client retransmits, as after a loss
	}
	const l4 = wire.EthernetHeaderLen + wire.IPv4HeaderLen
	n := srv.out.Emit(buf[l4+wire.UDPHeaderLen:])
	src := srv.cfg.Addr.Addr()
	u := wire.UDPRepr{SrcPort: wire.DHCPv4ServerPort, DstPort: wire.DHCPv4ClientPort}
	u.Emit(buf[l4:], n, src, dst)
	ip := wire.IPv4Repr{Src: src, Dst: dst, Protocol: wire.IPProtocolUDP, TTL: 64, PayloadLen: wire.UDPHeaderLen + n}
	ip.Emit(buf[wire.EthernetHeaderLen:])
	eth := wire.EthernetRepr{Dst: dstHW, Src: srv.mac, EtherType: wire.EtherTypeIPv4}
	eth.Emit(buf)
	srv.dev.Commit(l4 + wire.UDPHeaderLen + n)
}

func addList(l *wire.DHCPv4AddrList, as []netip.Addr) {
	for _, a := range as {
		l.Add(a)
	}
}

func maskOf(bits int) netip.Addr {
	m := ^uint32(0) << (32 - bits)
	return netip.AddrFrom4([4]byte{byte(m >> 24), byte(m >> 16), byte(m >> 8), byte(m)})
}

func u32(b [4]byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func addrAdd(a netip.Addr, n int) netip.Addr {
	v := u32(a.As4()) + uint32(n)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
