package udp

import "net/netip"

// PacketRing is a bounded queue of datagrams stored contiguously in one byte
// buffer, with a fixed number of metadata slots. Both the byte buffer and the
// slot count are chosen by the caller, so a firmware build can size (and own)
// all socket memory up front. Nothing is allocated after NewPacketRing.
type PacketRing struct {
	meta []packetMeta
	buf  []byte
	// Metadata ring: mHead is the oldest slot, mLen the number in use.
	mHead, mLen int
	// Byte ring: bHead is where the oldest datagram's padding starts, bLen the
	// bytes in use including padding.
	bHead, bLen int
}

type packetMeta struct {
	addr netip.AddrPort // the peer: source on receive, destination on send
	pad  int            // bytes skipped at the end of buf before this datagram
	off  int
	n    int
}

// NewPacketRing returns a ring over buf holding at most slots datagrams.
func NewPacketRing(buf []byte, slots int) *PacketRing {
	if slots < 1 {
		slots = 1
	}
	return &PacketRing{meta: make([]packetMeta, slots), buf: buf}
}

// Len reports the number of queued datagrams.
func (r *PacketRing) Len() int { return r.mLen }

// Empty reports whether no datagram is queued.
func (r *PacketRing) Empty() bool { return r.mLen == 0 }

// Slots reports the capacity in datagrams.
func (r *PacketRing) Slots() int { return len(r.meta) }

// BufferLen reports the capacity in bytes.
func (r *PacketRing) BufferLen() int { return len(r.buf) }

// Fits reports whether a datagram of n bytes could ever be queued.
func (r *PacketRing) Fits(n int) bool { return n <= len(r.buf) }

// CanEnqueue reports whether Enqueue(n, ...) would succeed now.
func (r *PacketRing) CanEnqueue(n int) bool {
	_, _, ok := r.place(n)
	return ok
}

// Enqueue reserves n contiguous bytes for a datagram to or from addr and
// returns them for the caller to fill. ok is false when there is no slot or
// no room; nothing is changed then.
func (r *PacketRing) Enqueue(n int, addr netip.AddrPort) (b []byte, ok bool) {
	off, pad, ok := r.place(n)
	if !ok {
		return nil, false
	}
	if r.bLen == 0 {
		// No bytes in use (queued empty datagrams hold none): restart at the
		// beginning so the whole buffer is contiguous.
		r.bHead = 0
	}
	m := &r.meta[(r.mHead+r.mLen)%len(r.meta)]
	*m = packetMeta{addr: addr, pad: pad, off: off, n: n}
	r.mLen++
	r.bLen += pad + n
	return r.buf[off : off+n : off+n], true
}

// place finds where n bytes would go: at offset off after pad bytes skipped
// at the end of the buffer.
func (r *PacketRing) place(n int) (off, pad int, ok bool) {
	size := len(r.buf)
	switch {
	case r.mLen == len(r.meta) || n > size:
		return 0, 0, false
	case r.bLen == 0:
		return 0, 0, true
	case n == 0:
		// An empty datagram takes a slot and no bytes.
		return r.bHead, 0, true
	case r.bLen == size:
		return 0, 0, false
	}
	tail := (r.bHead + r.bLen) % size
	if tail >= r.bHead {
		// Free space is [tail, size) and then [0, bHead).
		if size-tail >= n {
			return tail, 0, true
		}
		if r.bHead >= n {
			return 0, size - tail, true
		}
		return 0, 0, false
	}
	if r.bHead-tail >= n {
		return tail, 0, true
	}
	return 0, 0, false
}

// Peek returns the oldest datagram without removing it.
func (r *PacketRing) Peek() (addr netip.AddrPort, b []byte, ok bool) {
	if r.mLen == 0 {
		return netip.AddrPort{}, nil, false
	}
	m := &r.meta[r.mHead]
	return m.addr, r.buf[m.off : m.off+m.n], true
}

// Dequeue removes the oldest datagram.
func (r *PacketRing) Dequeue() {
	if r.mLen == 0 {
		return
	}
	m := &r.meta[r.mHead]
	r.bLen -= m.pad + m.n
	if m.n > 0 {
		r.bHead = (m.off + m.n) % len(r.buf)
	}
	r.mHead = (r.mHead + 1) % len(r.meta)
	r.mLen--
	if r.mLen == 0 {
		r.bHead, r.bLen = 0, 0
	}
}

// Reset empties the ring.
func (r *PacketRing) Reset() { r.mHead, r.mLen, r.bHead, r.bLen = 0, 0, 0, 0 }
