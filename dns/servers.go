package dns

import "net/netip"

// refreshServers reads the server list: the configured one, else the
// stack's, IPv4 only (the stack speaks no IPv6 yet).
func (r *Resolver) refreshServers() {
	r.nservers = 0
	if len(r.cfg.Servers) > 0 {
		for _, s := range r.cfg.Servers {
			r.addServer(s)
		}
	} else {
		for _, a := range r.host.DNS() {
			r.addServer(netip.AddrPortFrom(a, 53))
		}
	}
	if r.preferred >= r.nservers {
		r.preferred = 0
	}
}

func (r *Resolver) addServer(s netip.AddrPort) {
	a := s.Addr().Unmap()
	if r.nservers == MaxServers || !a.Is4() || s.Port() == 0 {
		return
	}
	r.servers[r.nservers] = netip.AddrPortFrom(a, s.Port())
	r.nservers++
}
