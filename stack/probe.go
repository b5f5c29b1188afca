package stack

import (
	"net/netip"

	"github.com/seed947b3480/legation/wire"
)

// ARP probing (RFC 5227 2.1.1): before a DHCP client takes an offered
// address it asks, from 0.0.0.0, whether anyone holds it. One probe runs at
// a time; the stack watches every ARP packet for the probed address.

type probe struct {
	ip       netip.Addr
	conflict bool
}

// ProbeARP sends one ARP probe for ip (sender address 0.0.0.0) and starts
// watching for a conflict: a later ProbeConflict(ip) reports whether any
// host has since claimed ip, or probed for it too. Calling ProbeARP again for
// the same address sends another probe without forgetting a conflict seen.
// It reports false if the device had no room or the link is down.
func (s *Stack) ProbeARP(ip netip.Addr) bool {
	if s.probe.ip != ip {
		s.probe = probe{ip: ip}
	}
	if !s.linkUp {
		return false
	}
	if !s.sendARP(wire.ARPRequest, wire.BroadcastHW, netip.IPv4Unspecified(), wire.HardwareAddr{}, ip) {
		return false
	}
	s.counters.ARPRequests++
	return true
}

// ProbeConflict reports whether a conflict for ip was seen since ProbeARP(ip).
func (s *Stack) ProbeConflict(ip netip.Addr) bool {
	return s.probe.ip == ip && s.probe.conflict
}

// EndProbe stops watching.
func (s *Stack) EndProbe() { s.probe = probe{} }

// probeSaw checks an ARP packet from another host against the probe: the
// address is in use if someone sends from it, and contested if someone else
// probes for it (RFC 5227 2.1.1).
func (s *Stack) probeSaw(r *wire.ARPRepr) {
	if !s.probe.ip.IsValid() || r.SenderHW == s.mac {
		return
	}
	if r.SenderIP == s.probe.ip ||
		r.Op == wire.ARPRequest && r.SenderIP.IsUnspecified() && r.TargetIP == s.probe.ip {
		s.probe.conflict = true
	}
}

// LinkUp reports whether the device's link was up at the latest poll.
func (s *Stack) LinkUp() bool { return s.linkUp }
