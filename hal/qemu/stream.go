package qemu

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"

	"github.com/seed947b3480/legation/hal"
)

// streamReadBuffer batches the kernel reads of a stream: many small frames
// (ARP, TCP acks) arrive per read instead of two reads per frame.
const streamReadBuffer = 16 << 10

func streamNetwork(network string) error {
	switch network {
	case "tcp", "tcp4", "tcp6", "unix":
		return nil
	}
	return fmt.Errorf("%w: stream network %q (want tcp, tcp4, tcp6 or unix)", ErrConfig, network)
}

func newStreamDevice(cfg Config) (*Device, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	d := newDevice(cfg, lenPrefix, cfg.MTU)
	d.br = bufio.NewReaderSize(nil, streamReadBuffer)
	return d, nil
}

// Dial connects to QEMU listening on a stream socket (`-netdev
// socket,listen=HOST:PORT` or `-netdev stream,server=on,...`); network is
// "tcp" or "unix". The link is up while the connection lasts; when it ends
// the link goes down for good (the driver does not redial: see the package
// comment).
func Dial(network, addr string, cfg Config) (*Device, error) {
	return DialContext(context.Background(), network, addr, cfg)
}

// DialContext is Dial with a context bounding the connection attempt.
func DialContext(ctx context.Context, network, addr string, cfg Config) (*Device, error) {
	if err := streamNetwork(network); err != nil {
		return nil, err
	}
	if _, err := cfg.withDefaults(); err != nil {
		return nil, err
	}
	var dialer net.Dialer
	c, err := dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDial, err)
	}
	return NewStream(c, cfg)
}

// NewStream makes a device of an already connected stream, such as one end
// of a socketpair whose other end QEMU was given as `-netdev socket,fd=N`.
// The device owns c from here on and closes it. Like Dial, it does not
// outlive the connection.
func NewStream(c net.Conn, cfg Config) (*Device, error) {
	d, err := newStreamDevice(cfg)
	if err != nil {
		c.Close()
		return nil, err
	}
	d.local = c.LocalAddr()
	d.attach(c) // up before NewStream returns, so the caller can transmit at once
	d.start(func() { d.serve(c) })
	return d, nil
}

// Listen waits on a stream socket for QEMU to connect (`-netdev
// socket,connect=HOST:PORT` or `-netdev stream,server=off,...`); network is
// "tcp" or "unix". The link is down until a peer connects and up while it
// stays connected; after a disconnect the next connection is accepted.
// Connections are served one at a time: a second peer waits in the backlog
// until the first is gone. Addr reports the bound address.
func Listen(network, addr string, cfg Config) (*Device, error) {
	if err := streamNetwork(network); err != nil {
		return nil, err
	}
	d, err := newStreamDevice(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrListen, err)
	}
	d.ln, d.local = ln, ln.Addr()
	d.start(d.acceptLoop)
	return d, nil
}

// acceptLoop serves one connection after another until the listener fails,
// which Close makes it do. An accept error the runtime does not retry itself
// (running out of fds) ends the loop too: without a clock there is no
// backoff, and retrying at once would spin.
func (d *Device) acceptLoop() {
	for {
		c, err := d.ln.Accept()
		if err != nil {
			if !d.closed.Load() {
				d.drv.RxError()
			}
			return
		}
		if d.attach(c) {
			d.serve(c)
		}
	}
}

// attach installs c as the connection and takes the link up. It reports
// false, with c closed, if the device was closed meanwhile.
func (d *Device) attach(c net.Conn) bool {
	d.conn.Store(&connBox{c})
	if d.closed.Load() {
		// Close ran before the Store and could not see c: close it here.
		c.Close()
		d.conn.Store(nil)
		return false
	}
	d.n.connects.Add(1)
	d.drv.SetLink(hal.LinkUp)
	return true
}

// serve reads frames from an attached connection until it ends, then
// releases it and takes the link down.
func (d *Device) serve(c net.Conn) {
	d.readStream(c)
	// Closed here as well as by Close, so that a connection ended by a
	// protocol error or by the peer is released at once.
	c.Close()
	d.conn.Store(nil)
	d.n.disconnects.Add(1)
	d.drv.SetLink(hal.LinkDown)
}

// readStream reads length-prefixed frames from c into the receive ring until
// the stream ends or breaks the protocol. A length is checked against the
// MTU before anything is read on its account, and frames always land in
// preallocated memory: a ring slot, or scratch when the ring is full.
func (d *Device) readStream(c net.Conn) error {
	d.br.Reset(c)
	for {
		if _, err := io.ReadFull(d.br, d.hdr[:]); err != nil {
			return err
		}
		n := binary.BigEndian.Uint32(d.hdr[:])
		if n == 0 || n > uint32(d.mtu) {
			d.n.protocolErrors.Add(1)
			return ErrFrameLength
		}
		slot, ok := d.drv.LeaseRx()
		dst := d.scratch
		if ok {
			dst = slot
		}
		if _, err := io.ReadFull(d.br, dst[:n]); err != nil {
			return err
		}
		// n is in [1, MTU]: the port publishes the frame or, if it went to
		// scratch, counts the drop; either way it wakes the reactor.
		d.drv.Received(int(n), ok)
	}
}
