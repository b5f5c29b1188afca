package udp_test

import "github.com/seed947b3480/legation/udp"

// fakeHost stands in for the stack: a port table, a record of what the
// socket told it, and a settable link limit.
type fakeHost struct {
	ports      map[uint16]*udp.Socket
	ephemeral  uint16 // the next port a port-0 bind gets; 0: none left
	maxPayload int

	sendReady    int // UDPSendReady calls
	timerChanged int // UDPTimerChanged calls
	unbound      int // UnbindUDP calls
}

func newFakeHost() *fakeHost {
	return &fakeHost{ports: map[uint16]*udp.Socket{}, ephemeral: 50000, maxPayload: 1472}
}

func (h *fakeHost) BindUDP(s *udp.Socket, port uint16) (uint16, error) {
	if port == 0 {
		if h.ephemeral == 0 {
			return 0, udp.ErrNoPorts
		}
		port = h.ephemeral
		h.ephemeral++
	}
	if h.ports[port] != nil {
		return 0, udp.ErrAddressInUse
	}
	h.ports[port] = s
	return port, nil
}

func (h *fakeHost) UnbindUDP(s *udp.Socket) {
	h.unbound++
	delete(h.ports, s.LocalAddr().Port())
}

func (h *fakeHost) UDPSendReady(*udp.Socket)    { h.sendReady++ }
func (h *fakeHost) UDPMaxPayload() int          { return h.maxPayload }
func (h *fakeHost) UDPTimerChanged(*udp.Socket) { h.timerChanged++ }
