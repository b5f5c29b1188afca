package qemu

import (
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"
)

// echoStream sends every length-prefixed frame back as it came, from
// preallocated memory so that the echo itself allocates nothing.
func echoStream(c net.Conn) {
	buf := make([]byte, lenPrefix+MaxMTU)
	for {
		if _, err := io.ReadFull(c, buf[:lenPrefix]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint32(buf[:lenPrefix]))
		if n > MaxMTU {
			return
		}
		if _, err := io.ReadFull(c, buf[lenPrefix:lenPrefix+n]); err != nil {
			return
		}
		if _, err := c.Write(buf[:lenPrefix+n]); err != nil {
			return
		}
	}
}

// echoDatagrams sends every datagram back to its sender, allocation-free.
func echoDatagrams(c *net.UDPConn) {
	buf := make([]byte, 1<<16)
	for {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		if _, err := c.WriteToUDPAddrPort(buf[:n], from); err != nil {
			return
		}
	}
}

// roundTripAllocs measures one frame out and its echo back. AllocsPerRun
// counts every goroutine's allocations, so the driver's loops, the runtime
// poller and the echo peer are all measured.
func roundTripAllocs(t *testing.T, d *Device, w chanWaker) {
	t.Helper()
	frame := pattern(1, 200)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	failed := false
	allocs := testing.AllocsPerRun(100, func() {
		buf, ok := d.Transmit()
		if !ok {
			failed = true
			return
		}
		d.Commit(copy(buf, frame))
		timer.Reset(waitTimeout)
		for {
			if f, ok := d.Receive(); ok {
				if len(f) != len(frame) {
					failed = true
				}
				d.ReleaseRx()
				timer.Stop()
				return
			}
			select {
			case <-w:
			case <-timer.C:
				failed = true
				return
			}
		}
	})
	if failed {
		t.Fatalf("a round trip failed (stats %+v)", d.Stats())
	}
	if allocs > 0 {
		t.Fatalf("%v allocations per round trip, want 0", allocs)
	}
}

func TestStreamRoundTripAllocs(t *testing.T) {
	d, peer, w := streamPair(t, Config{})
	go echoStream(peer)
	roundTripAllocs(t, d, w)
}

func TestDatagramRoundTripAllocs(t *testing.T) {
	d, peer, w := datagramPair(t, Config{})
	go echoDatagrams(peer)
	roundTripAllocs(t, d, w)
}
