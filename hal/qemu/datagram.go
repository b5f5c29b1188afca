package qemu

import (
	"errors"
	"fmt"
	"net"

	"github.com/seed947b3480/legation/hal"
)

// datagramScratch holds any UDP datagram whole, so an oversized one is
// consumed in one read and counted.
const datagramScratch = 64 << 10

// DialDatagram exchanges frames with QEMU as UDP datagrams, one frame each
// and no prefix (`-netdev dgram,local.*=REMOTE,remote.*=LOCAL` or `-netdev
// socket,udp=LOCAL,localaddr=REMOTE`). local is the address to bind, "" or a
// port of 0 for an ephemeral one (Addr reports it); remote is QEMU's. The
// socket is connected, so datagrams from anyone but remote are ignored by the
// kernel. There is no connection to lose: the link is up until Close.
func DialDatagram(local, remote string, cfg Config) (*Device, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	var laddr *net.UDPAddr
	if local != "" {
		if laddr, err = net.ResolveUDPAddr("udp", local); err != nil {
			return nil, fmt.Errorf("%w: local %q: %w", ErrConfig, local, err)
		}
	}
	raddr, err := net.ResolveUDPAddr("udp", remote)
	if err != nil {
		return nil, fmt.Errorf("%w: remote %q: %w", ErrConfig, remote, err)
	}
	c, err := net.DialUDP("udp", laddr, raddr)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDial, err)
	}
	d := newDevice(cfg, 0, datagramScratch)
	d.local = c.LocalAddr()
	d.conn.Store(&connBox{c})
	d.drv.SetLink(hal.LinkUp) // no waker yet: nobody to wake
	d.start(func() { d.readDatagrams(c) })
	return d, nil
}

// readDatagrams reads one frame per datagram into the receive ring until c
// is closed.
func (d *Device) readDatagrams(c *net.UDPConn) {
	for {
		slot, ok := d.drv.LeaseRx()
		buf := d.scratch
		if ok {
			buf = slot // MTU+1 bytes: a datagram that fills it is too long
		}
		n, err := c.Read(buf)
		if err != nil {
			if d.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			// A connected UDP socket reports the ICMP errors its sends
			// caused (port unreachable while QEMU is not up yet) on a later
			// read, once each: count them and go on.
			d.drv.RxError()
			continue
		}
		// An empty datagram is no frame; one that filled the slot's spare
		// byte is longer than the MTU and dropped.
		d.drv.Received(n, ok)
	}
}
