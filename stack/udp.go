package stack

import (
	"encoding/binary"
	"net/netip"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/udp"
	"github.com/seed947b3480/legation/wire"
)

// NewUDPSocket returns an unbound UDP socket carried by this stack.
func (s *Stack) NewUDPSocket(cfg udp.Config) *udp.Socket {
	return udp.NewSocket(&s.udpHost, cfg)
}

// udpHost implements udp.Host; a separate type keeps those methods out of
// Stack's own API.
type udpHost struct{ s *Stack }

func (h *udpHost) BindUDP(sock *udp.Socket, port uint16) (uint16, error) {
	s := h.s
	if port != 0 {
		if _, taken := s.udpPorts[port]; taken {
			return 0, udp.ErrAddressInUse
		}
		s.udpPorts[port] = sock
		s.udpSend.grow(len(s.udpPorts))
		return port, nil
	}
	first, last := uint32(s.cfg.EphemeralFirst), uint32(s.cfg.EphemeralLast)
	span := last - first + 1
	// Random start, then a linear probe (RFC 6056 algorithm 1's spirit):
	// unpredictable, and bounded even when the range is nearly full.
	start := s.rng.Uint32N(span)
	for i := uint32(0); i < span; i++ {
		p := uint16(first + (start+i)%span)
		if _, taken := s.udpPorts[p]; !taken {
			s.udpPorts[p] = sock
			s.udpSend.grow(len(s.udpPorts))
			return p, nil
		}
	}
	return 0, udp.ErrNoPorts
}

func (h *udpHost) UnbindUDP(sock *udp.Socket) {
	s := h.s
	if p := sock.LocalAddr().Port(); s.udpPorts[p] == sock {
		delete(s.udpPorts, p)
	}
	s.udpSend.remove(sock)
	sock.SendQueued = false
	for i, t := range s.udpTimers {
		if t == sock {
			s.udpTimers = append(s.udpTimers[:i], s.udpTimers[i+1:]...)
			sock.TimerQueued = false
			break
		}
	}
}

func (h *udpHost) UDPSendReady(sock *udp.Socket) {
	if !sock.SendQueued {
		sock.SendQueued = true
		h.s.udpSend.push(sock)
	}
	h.s.wake()
}

func (h *udpHost) UDPMaxPayload() int {
	return h.s.mtu - wire.EthernetHeaderLen - wire.IPv4HeaderLen - wire.UDPHeaderLen
}

func (h *udpHost) UDPTimerChanged(sock *udp.Socket) {
	if !sock.TimerQueued {
		sock.TimerQueued = true
		h.s.udpTimers = append(h.s.udpTimers, sock)
	}
	h.s.wake()
}

func (s *Stack) receiveUDP(m *ipMeta, b []byte) {
	p, err := wire.NewUDPPacket(b)
	if err != nil {
		s.drop(wireDropReason(err))
		return
	}
	if s.offload&hal.OffloadRxL4 == 0 && !p.VerifyChecksum(m.src, m.dst) {
		s.drop(DropBadChecksum)
		return
	}
	s.counters.RxUDP++
	src := netip.AddrPortFrom(m.src, p.SrcPort())
	sock := s.udpPorts[p.DstPort()]
	if sock == nil || !sock.Accepts(src, m.dst) {
		s.drop(DropNoSocket)
		if s.sendICMPError(m, b, wire.ICMPv4DestUnreachable, wire.ICMPv4CodePortUnreachable) {
			s.counters.UDPPortUnreachable++
		}
		return
	}
	if !sock.Deliver(src, m.dst, p.Payload()) {
		s.drop(DropSocketFull)
	}
}

// sendUDP sends up to budget datagrams, one per socket in turn so a busy
// socket cannot starve the others. It reports whether work remains that the
// budget cut short (so the caller polls again at once).
//
// A socket whose next datagram waits on ARP with the pending queue full is
// set aside for the rest of this poll: the ARP reply, or the give-up, brings
// the stack back to it. The loop ends when the budget is spent, the queue is
// empty, or every socket left in it has been set aside since the last
// datagram went out.
func (s *Stack) sendUDP(budget int) bool {
	waiting := 0 // sockets requeued in a row without a datagram sent
	for budget > 0 && s.udpSend.len() > waiting {
		sock := s.udpSend.pop()
		dst, payload, ok := sock.PeekSend()
		if !ok {
			sock.SendQueued = false
			continue
		}
		why, sent := s.sendDatagram(sock, dst, payload)
		if !sent && why == DropDeviceBusy {
			// Keep it queued, first in line; the device wakes us.
			s.udpSend.pushFront(sock)
			return false
		}
		if !sent && why == DropARPPendingFull {
			s.udpSend.push(sock) // let the others try their next hops
			waiting++
			continue
		}
		if !sent {
			s.drop(why)
		}
		waiting = 0
		budget--
		sock.PopSend(sent)
		if _, _, more := sock.PeekSend(); more {
			s.udpSend.push(sock)
		} else {
			sock.SendQueued = false
		}
	}
	return s.udpSend.len() > 0 && budget == 0
}

func (s *Stack) sendDatagram(sock *udp.Socket, dst netip.AddrPort, payload []byte) (DropReason, bool) {
	if !s.addr.IsValid() && dst.Addr() != limitedBroadcast {
		return DropUnconfigured, false
	}
	src := s.srcAddr()
	var hdr [wire.UDPHeaderLen]byte
	length := uint16(wire.UDPHeaderLen + len(payload))
	binary.BigEndian.PutUint16(hdr[0:2], sock.LocalAddr().Port())
	binary.BigEndian.PutUint16(hdr[2:4], dst.Port())
	binary.BigEndian.PutUint16(hdr[4:6], length)
	if s.offload&hal.OffloadTxL4 == 0 {
		sum := wire.PseudoHeaderSumIPv4(src, dst.Addr(), wire.IPProtocolUDP, length)
		c := ^wire.Checksum(payload, uint32(wire.Checksum(hdr[:], sum)))
		if c == 0 {
			c = 0xffff
		}
		binary.BigEndian.PutUint16(hdr[6:8], c)
	}
	why, ok := s.sendIPv4(dst.Addr(), wire.IPProtocolUDP, hdr[:], payload)
	if ok {
		s.counters.TxUDP++
	}
	return why, ok
}

func (s *Stack) pollUDPTimers() {
	for i := 0; i < len(s.udpTimers); {
		sock := s.udpTimers[i]
		sock.Poll(s.now)
		if sock.PollAt() == reactor.Never {
			sock.TimerQueued = false
			last := len(s.udpTimers) - 1
			s.udpTimers[i] = s.udpTimers[last]
			s.udpTimers[last] = nil
			s.udpTimers = s.udpTimers[:last]
			continue
		}
		i++
	}
}

func (s *Stack) udpTimerDeadline() reactor.Instant {
	next := reactor.Never
	for _, sock := range s.udpTimers {
		next = reactor.Min(next, sock.PollAt())
	}
	return next
}

// sockQueue is a ring of sockets with datagrams to send, sized to the number
// of bound sockets so pushes never allocate on the data path.
type sockQueue struct {
	q          []*udp.Socket
	head, size int
}

func (q *sockQueue) len() int { return q.size }

func (q *sockQueue) grow(n int) {
	if n <= len(q.q) {
		return
	}
	nq := make([]*udp.Socket, max(n, 2*len(q.q)))
	for i := 0; i < q.size; i++ {
		nq[i] = q.q[(q.head+i)%len(q.q)]
	}
	q.q, q.head = nq, 0
}

func (q *sockQueue) push(s *udp.Socket) {
	q.grow(q.size + 1)
	q.q[(q.head+q.size)%len(q.q)] = s
	q.size++
}

func (q *sockQueue) pushFront(s *udp.Socket) {
	q.grow(q.size + 1)
	q.head = (q.head - 1 + len(q.q)) % len(q.q)
	q.q[q.head] = s
	q.size++
}

func (q *sockQueue) pop() *udp.Socket {
	s := q.q[q.head]
	q.q[q.head] = nil
	q.head = (q.head + 1) % len(q.q)
	q.size--
	return s
}

func (q *sockQueue) remove(s *udp.Socket) {
	n := q.size
	for i := 0; i < n; i++ {
		x := q.pop()
		if x != s {
			q.push(x)
		}
	}
}
