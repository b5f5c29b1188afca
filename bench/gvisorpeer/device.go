package gvisorpeer

import (
	"sync/atomic"

	"github.com/seed947b3480/legation/hal"
	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// Device is the legation end of the link to a Peer: a hal.Device whose
// received frames are the ones gVisor's NIC sent (read from its
// channel.Endpoint) and whose transmitted frames are injected into gVisor's
// NIC. Like any hal.Device it is used from the reactor goroutine; gVisor's
// goroutines only wake it.
//
// Injection is synchronous: Commit runs gVisor's receive path (Ethernet, ARP,
// IPv4, the TCP demultiplexer) on the calling goroutine before it returns,
// and gVisor may queue replies for Receive meanwhile.
type Device struct {
	ep    *channel.Endpoint
	mac   hal.HardwareAddr
	mtu   int
	rx    []byte
	tx    []byte
	waker atomic.Pointer[hal.Waker]
	note  *channel.NotificationHandle

	// Counters, reactor goroutine only.
	rxFrames, txFrames, rxTruncated uint64
}

var _ hal.Device = (*Device)(nil)

func newDevice(ep *channel.Endpoint, mac hal.HardwareAddr, mtu int) *Device {
	d := &Device{ep: ep, mac: mac, mtu: mtu, rx: make([]byte, mtu), tx: make([]byte, mtu)}
	d.note = ep.AddNotify(notifier{d})
	return d
}

// notifier wakes the reactor when gVisor queues a frame.
type notifier struct{ d *Device }

func (n notifier) WriteNotify() {
	if w := n.d.waker.Load(); w != nil {
		(*w).Wake()
	}
}

// Receive lends the next frame gVisor sent, copied out of its packet buffer.
// A frame longer than the MTU (which gVisor, told the MTU, does not send) is
// dropped and counted.
func (d *Device) Receive() ([]byte, bool) {
	for {
		pkt := d.ep.Read()
		if pkt == nil {
			return nil, false
		}
		n, fits := 0, pkt.Size() <= d.mtu
		if fits {
			for _, s := range pkt.AsSlices() {
				n += copy(d.rx[n:], s)
			}
		}
		pkt.DecRef()
		if !fits {
			d.rxTruncated++
			continue
		}
		d.rxFrames++
		return d.rx[:n], true
	}
}

// ReleaseRx does nothing: the receive buffer is reused by the next Receive.
func (d *Device) ReleaseRx() {}

// Transmit lends a buffer of MTU bytes; gVisor always takes a frame.
func (d *Device) Transmit() ([]byte, bool) { return d.tx, true }

// Commit hands the first n bytes to gVisor's NIC as a received frame.
func (d *Device) Commit(n int) {
	if n <= 0 {
		return
	}
	n = min(n, d.mtu)
	pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: buffer.MakeWithData(d.tx[:n])})
	// The Ethernet endpoint above the channel reads the EtherType itself.
	d.ep.InjectInbound(header.IPv4ProtocolNumber, pkt)
	pkt.DecRef()
	d.txFrames++
}

// Capabilities reports the MTU and no offload: gVisor fills and checks every
// checksum, and so must legation.
func (d *Device) Capabilities() hal.Capabilities { return hal.Capabilities{MTU: d.mtu} }

// LinkState reports the link up: it has no cable to pull.
func (d *Device) LinkState() hal.LinkState { return hal.LinkUp }

// HardwareAddr reports the legation side's MAC address.
func (d *Device) HardwareAddr() hal.HardwareAddr { return d.mac }

// SetWaker registers who gVisor's sends wake.
func (d *Device) SetWaker(w hal.Waker) {
	if w == nil {
		d.waker.Store(nil)
		return
	}
	d.waker.Store(&w)
	if d.ep.NumQueued() > 0 {
		w.Wake()
	}
}

// DeviceStats counts frames through a Device.
type DeviceStats struct {
	// ToLegation and ToGVisor count frames delivered each way.
	ToLegation, ToGVisor uint64
	// Oversize counts frames gVisor sent beyond the MTU, dropped.
	Oversize uint64
}

// Stats returns the counters. Reactor goroutine only.
func (d *Device) Stats() DeviceStats {
	return DeviceStats{ToLegation: d.rxFrames, ToGVisor: d.txFrames, Oversize: d.rxTruncated}
}
