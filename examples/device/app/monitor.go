package app

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/seed947b3480/legation/clients/dhcp"
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
	dhcpState dhcp.State
	dhcpKnown bool // dhcpState was read once
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
			gw := st.Gateway()
			log.AppendTo(dashboard.LevelInfo, func(b []byte) []byte {
				b = append(b, "address "...)
				b = appendPrefix(b, a)
				b = append(b, " (was "...)
				b = appendPrefix(b, m.addr)
				b = append(b, "), gateway "...)
				return appendAddr(b, gw)
			})
		} else {
			log.AppendTo(dashboard.LevelWarn, func(b []byte) []byte {
				b = append(b, "address "...)
				b = appendPrefix(b, m.addr)
				return append(b, " removed"...)
			})
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
		if s := c.State(); !m.dhcpKnown || s != m.dhcpState {
			if m.dhcpKnown {
				was := m.dhcpState
				log.AppendTo(dashboard.LevelInfo, func(b []byte) []byte {
					b = append(b, "dhcp: "...)
					b = append(b, was.String()...)
					b = append(b, " -> "...)
					return append(b, s.String()...)
				})
			}
			m.dhcpState, m.dhcpKnown = s, true
		}
		if l, ok := c.Lease(); ok && l.Start != m.leaseAt {
			log.AppendTo(dashboard.LevelInfo, func(b []byte) []byte {
				b = append(b, "dhcp: "...)
				b = append(b, l.Event.String()...)
				b = append(b, ' ')
				b = appendPrefix(b, l.Addr)
				b = append(b, " from "...)
				b = appendAddr(b, l.Server)
				b = append(b, " for "...)
				return appendDuration(b, l.Duration)
			})
			m.leaseAt = l.Start
		}
	}
	m.d.pollNTPStart()
	next := now.Add(checkEvery)
	if m.every > 0 {
		if !now.Before(m.nextBeat) {
			m.beats++
			h := m.d.srv.Stats()
			views := m.d.liveViews()
			log.AppendTo(dashboard.LevelDebug, func(b []byte) []byte {
				b = append(b, "heartbeat "...)
				b = appendUint(b, m.beats)
				b = append(b, ": "...)
				b = appendUint(b, h.Requests)
				b = append(b, " requests, "...)
				b = strconv.AppendInt(b, int64(h.Conns), 10)
				b = append(b, " connections, "...)
				b = strconv.AppendInt(b, int64(views), 10)
				return append(b, " live views"...)
			})
			m.nextBeat = now.Add(m.every)
		}
		next = reactor.Min(next, m.nextBeat)
	}
	if m.d.mq != nil {
		next = reactor.Min(next, m.d.mq.tick(now))
	}
	return next
}
