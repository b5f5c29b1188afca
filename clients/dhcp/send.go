package dhcp

import (
	"net/netip"

	"github.com/seed947b3480/legation/wire"
)

// Which fields and options each message carries follows RFC 2131 table 5.

var (
	limitedBroadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})
	declineText      = []byte("address in use (ARP probe answered)")
)

// request returns the fields every client message shares.
func (c *Client) request(t wire.DHCPv4MessageType) wire.DHCPv4Repr {
	return wire.DHCPv4Repr{
		Op:          wire.DHCPv4BootRequest,
		MessageType: t,
		XID:         c.xid,
		ClientHW:    c.mac,
		ClientID:    c.cid,
	}
}

// withParams adds what DISCOVER and REQUEST carry: the parameter request
// list, hostname, maximum message size, secs and, while the stack has no
// address, the broadcast flag (RFC 2131 4.1: the client cannot receive
// unicast yet).
func (c *Client) withParams(m *wire.DHCPv4Repr) {
	m.Secs = c.secs()
	m.Broadcast = !c.configured
	m.ParamRequest = c.cfg.ParamRequest
	m.Hostname = c.host
	m.MaxMessageSize = c.maxMsg
}

func (c *Client) sendDiscover() {
	m := c.request(wire.DHCPDiscover)
	c.withParams(&m)
	m.RequestedIP = c.hint // "may" (RFC 2131 4.4.1): ask for the last address again
	c.transmit(&m, limitedBroadcast)
	c.stats.Discovers++
	c.attempts++
	c.nextSend = c.now.Add(c.backoff())
}

// sendRequest sends the REQUEST of the current state.
func (c *Client) sendRequest() {
	m := c.request(wire.DHCPRequest)
	c.withParams(&m)
	dst := limitedBroadcast
	switch c.state {
	case StateRequesting: // SELECTING: name the chosen server and address
		m.ServerID = c.pending.Server
		m.RequestedIP = c.pending.Addr.Addr()
	case StateRebooting:
		m.RequestedIP = c.hint
	case StateRenewing:
		m.ClientAddr = c.lease.Addr.Addr()
		dst = c.lease.Server
	case StateRebinding:
		m.ClientAddr = c.lease.Addr.Addr()
	}
	c.transmit(&m, dst)
	c.stats.Requests++
	c.attempts++
	switch c.state {
	case StateRenewing:
		c.nextSend = c.renewWait(c.lease.Rebind)
	case StateRebinding:
		c.nextSend = c.renewWait(c.lease.Expires)
	default:
		c.nextSend = c.now.Add(c.backoff())
	}
}

// sendDecline refuses the address being probed, by broadcast: the client
// has no address to send from.
func (c *Client) sendDecline() {
	m := c.request(wire.DHCPDecline)
	m.RequestedIP = c.pending.Addr.Addr()
	m.ServerID = c.pending.Server
	m.Message = declineText
	c.transmit(&m, limitedBroadcast)
	c.stats.Declines++
}

// sendRelease gives the lease back, by unicast to its server.
func (c *Client) sendRelease() {
	c.newXID()
	m := c.request(wire.DHCPRelease)
	m.ClientAddr = c.lease.Addr.Addr()
	m.ServerID = c.lease.Server
	c.transmit(&m, c.lease.Server)
	c.stats.Releases++
}

// maxSend is the length of the longest message the client sends: every
// option any of them carries at once. Sized by the configuration (a
// hostname and a client ID of up to 255 bytes each), the build buffer is
// a few hundred bytes for most devices rather than a frame's worth.
func (c *Client) maxSend() int {
	m := c.request(wire.DHCPRequest)
	c.withParams(&m)
	a := netip.IPv4Unspecified()
	m.RequestedIP, m.ServerID, m.ClientAddr = a, a, a
	m.Message = declineText
	return m.Len()
}

func (c *Client) transmit(m *wire.DHCPv4Repr, dst netip.Addr) {
	if m.Len() > len(c.txBuf) {
		return // cannot happen (maxSend); lost like a full ring below
	}
	n := m.Emit(c.txBuf)
	// A full send ring (the link is stuck) loses this transmission; the
	// retransmission timer covers it like a loss on the wire.
	_ = c.sock.SendTo(c.txBuf[:n], netip.AddrPortFrom(dst, wire.DHCPv4ServerPort))
}
