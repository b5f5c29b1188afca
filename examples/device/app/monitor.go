package app

import (
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/dashboard"
)

// monitor is a reactor task that writes to the dashboard's log when the
// device's address, link or DHCP state changes, and a heartbeat now and
// then, so the log view has something to show.
type monitor struct {
	d     *Device
	every time.Duration

	started   bool
	addr      netip.Prefix
	linkUp    bool
	dhcpState string
	leaseAt   reactor.Instant
	beats     uint64
	nextBeat  reactor.Instant
}

const checkEvery = 250 * time.Millisecond

// Poll checks for changes every checkEvery and beats every m.every.
func (m *monitor) Poll(now reactor.Instant) reactor.Instant {
	st, log := m.d.st, &m.d.log
	if !m.started {
		m.started = true
		m.addr, m.linkUp = st.Addr(), st.LinkUp()
		m.nextBeat = now.Add(m.every)
	}
	if a := st.Addr(); a != m.addr {
		if a.IsValid() {
			log.Printf(dashboard.LevelInfo, "address %s (was %s), gateway %s", a, m.addr, st.Gateway())
		} else {
			log.Printf(dashboard.LevelWarn, "address %s removed", m.addr)
		}
		m.addr = a
	}
	if up := st.LinkUp(); up != m.linkUp {
		if up {
			log.AppendString(dashboard.LevelInfo, "link up")
		} else {
			log.AppendString(dashboard.LevelWarn, "link down")
		}
		m.linkUp = up
	}
	if c := m.d.cfg.DHCP; c != nil {
		if s := c.State().String(); s != m.dhcpState {
			if m.dhcpState != "" {
				log.Printf(dashboard.LevelInfo, "dhcp: %s -> %s", m.dhcpState, s)
			}
			m.dhcpState = s
		}
		if l, ok := c.Lease(); ok && l.Start != m.leaseAt {
			log.Printf(dashboard.LevelInfo, "dhcp: %s %s from %s for %v", l.Event, l.Addr, l.Server, l.Duration)
			m.leaseAt = l.Start
		}
	}
	m.d.pollNTPStart()
	next := now.Add(checkEvery)
	if m.every > 0 {
		if !now.Before(m.nextBeat) {
			m.beats++
			h := m.d.srv.Stats()
			log.Printf(dashboard.LevelDebug, "heartbeat %d: %d requests, %d connections, %d live views",
				m.beats, h.Requests, h.Conns, m.d.liveViews())
			m.nextBeat = now.Add(m.every)
		}
		next = reactor.Min(next, m.nextBeat)
	}
	if m.d.mq != nil {
		next = reactor.Min(next, m.d.mq.tick(now))
	}
	return next
}
