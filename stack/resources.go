package stack

import (
	"unsafe"

	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/udp"
)

// Sizes chooses, up front, how much of everything a stack may hold: the
// role of embassy-net's StackResources<N>. Zero fields take Config's
// defaults (TCPConns and UDPSockets: none reserved).
type Sizes struct {
	// TCPConns is the number of TCP connection records: connections open,
	// being accepted, and closing in the background (FIN-WAIT, TIME-WAIT:
	// count TimeWait divided by how often a connection is replaced). 0
	// leaves TCP unsized: each connection is allocated when it is made, as
	// without Resources.
	TCPConns int
	// TCPBufferSize, if above 0, gives every record a receive and a send
	// ring of this many bytes, used by connections whose tcp.Config (or
	// AcceptBuffers) supplies none and which name no Pool. Without it,
	// give every connection buffers (or a tcp.BufferPool, preallocated):
	// a connection left to allocate its own makes the steady state
	// allocate.
	TCPBufferSize int
	// UDPSockets sizes the port table for that many bound sockets. The
	// sockets themselves belong to their owners (the resolver and the DHCP
	// client make theirs when they are made).
	UDPSockets int

	// ARPEntries, ARPPending, ReassemblySlots and ReassemblyMaxSize are
	// Config's ARPCacheSize, ARPPendingPackets, ReassemblySlots and
	// ReassemblyMaxSize, which they replace.
	ARPEntries, ARPPending             int
	ReassemblySlots, ReassemblyMaxSize int
	// MTU is the largest frame of the device, Ethernet header included:
	// the size of each pending packet's buffer. Default 1514. A device
	// with a larger MTU makes New fail with ErrBadConfig.
	MTU int
}

// Resources is the memory of one stack, allocated once by NewResources,
// at start or in a package-level variable, and handed to New through
// Config.Resources:
//
//	var netRes = stack.NewResources(stack.Sizes{TCPConns: 8, TCPBufferSize: 2048})
//
// It holds what the stack itself keeps: the TCP connection records (each a
// tcp.Conn with its reassembly table and futures, the stack's entry for
// it, and optionally its rings), the ARP cache with the packets awaiting
// resolution, the IPv4 reassembly slots and the tables that index them.
// Protocol modules size their own state in their Configs and allocate it
// in their New (the resolver's cache, sockets and lookup slots; the DHCP
// client's one socket and lease), so a device is built from a handful of
// News at start and nothing afterwards: each module stays usable alone,
// and this type does not have to know every module there is.
//
// With TCPConns set, DialTCP takes a free record or fails with
// ErrNoTCPSlot; a SYN that finds every record taken (by connections and by
// handshakes completed and waiting for Accept) is refused with a reset and
// counted (Counters.TCPRefused, DropNoTCPSlot); Accept with no record free
// returns false and leaves the connection queued. A record comes back
// once its connection is CLOSED and its owner has called tcp.Conn.Release
// (Release may come first: the close then finishes in the background):
// a record is never reused while anyone may still hold the old *tcp.Conn.
// Owners of a sized stack must therefore Release every connection, after
// Close or instead of it.
//
// A Resources serves one stack; New refuses one already in use.
type Resources struct {
	sizes   Sizes
	inUse   bool
	arp     []arpEntry
	pending []pendingFrame
	frag    []fragSlot
	tcp     []tcpSlot
	free    []int32 // free records, a stack
}

// tcpSlot is one TCP connection record of a Resources.
type tcpSlot struct {
	e      tcpEntry
	c      tcp.Conn
	rx, tx []byte
	idx    int32
	busy   bool
}

// NewResources allocates everything z asks for.
func NewResources(z Sizes) *Resources {
	cfg := Config{
		ARPCacheSize: z.ARPEntries, ARPPendingPackets: z.ARPPending,
		ReassemblySlots: z.ReassemblySlots, ReassemblyMaxSize: z.ReassemblyMaxSize,
	}
	cfg.setDefaults()
	z.ARPEntries, z.ARPPending = cfg.ARPCacheSize, cfg.ARPPendingPackets
	z.ReassemblySlots, z.ReassemblyMaxSize = cfg.ReassemblySlots, cfg.ReassemblyMaxSize
	if z.MTU <= 0 {
		z.MTU = 1514
	}
	z.TCPConns = max(z.TCPConns, 0)
	z.TCPBufferSize = max(z.TCPBufferSize, 0)
	z.UDPSockets = max(z.UDPSockets, 0)

	r := &Resources{sizes: z}
	r.arp = make([]arpEntry, z.ARPEntries)
	r.pending = make([]pendingFrame, z.ARPPending)
	block := make([]byte, z.ARPPending*z.MTU)
	for i := range r.pending {
		r.pending[i].buf = block[i*z.MTU : (i+1)*z.MTU : (i+1)*z.MTU]
	}
	var frag reassembler
	frag.init(z.ReassemblySlots, z.ReassemblyMaxSize)
	r.frag = frag.slots

	r.tcp = make([]tcpSlot, z.TCPConns)
	r.free = make([]int32, z.TCPConns)
	bufs := make([]byte, 2*z.TCPConns*z.TCPBufferSize)
	none := []byte{}
	for i := range r.tcp {
		sl := &r.tcp[i]
		sl.idx = int32(i)
		if n := z.TCPBufferSize; n > 0 {
			sl.rx = bufs[2*i*n : (2*i+1)*n : (2*i+1)*n]
			sl.tx = bufs[(2*i+1)*n : (2*i+2)*n : (2*i+2)*n]
		}
		// Made now, the reassembly table and the futures are reused by
		// every connection the record carries (tcp.Conn.Reinit).
		sl.c.Reinit(tcp.Config{RxBuffer: none, TxBuffer: none})
		sl.c.ConnectFuture()
		r.free[i] = int32(z.TCPConns - 1 - i)
	}
	return r
}

// Sizes reports the sizes the Resources were made with, defaults filled in.
func (r *Resources) Sizes() Sizes { return r.sizes }

// Footprint is what each part of a Resources costs, in bytes of Go heap
// (before the allocator rounds each block up to its size class).
type Footprint struct {
	TCPRecords int // connection records: tcp.Conn, reassembly table, futures, the stack's entry
	TCPBuffers int // the records' own rings (Sizes.TCPBufferSize)
	ARP        int // neighbour entries and the packets held for resolution
	Reassembly int // IPv4 reassembly slots with their buffers
	Total      int
}

// Footprint reports what r holds.
func (r *Resources) Footprint() Footprint {
	var f Footprint
	for i := range r.tcp {
		sl := &r.tcp[i]
		f.TCPRecords += int(unsafe.Sizeof(*sl)) - int(unsafe.Sizeof(sl.c)) + sl.c.RecordBytes()
		f.TCPBuffers += cap(sl.rx) + cap(sl.tx)
	}
	f.TCPRecords += cap(r.free) * int(unsafe.Sizeof(int32(0)))
	f.ARP = len(r.arp)*int(unsafe.Sizeof(arpEntry{})) + len(r.pending)*(int(unsafe.Sizeof(pendingFrame{}))+r.sizes.MTU)
	for i := range r.frag {
		f.Reassembly += int(unsafe.Sizeof(r.frag[i])) + cap(r.frag[i].buf) + 8*cap(r.frag[i].have)
	}
	f.Total = f.TCPRecords + f.TCPBuffers + f.ARP + f.Reassembly
	return f
}

// FreeTCP reports the TCP records free now.
func (r *Resources) FreeTCP() int { return len(r.free) }

// takeTCP returns a free record, marked busy, or nil.
func (r *Resources) takeTCP() *tcpSlot {
	n := len(r.free)
	if n == 0 {
		return nil
	}
	sl := &r.tcp[r.free[n-1]]
	r.free = r.free[:n-1]
	sl.busy = true
	return sl
}

// putTCP gives record i back.
func (r *Resources) putTCP(i int32) {
	sl := &r.tcp[i]
	if !sl.busy {
		return
	}
	sl.busy = false
	sl.e = tcpEntry{}
	r.free = append(r.free, i)
}

// connConfig fills in the record's rings where cfg leaves them to be
// allocated.
func (sl *tcpSlot) connConfig(cfg tcp.Config) tcp.Config {
	if cfg.Pool == nil && sl.rx != nil {
		if cfg.RxBuffer == nil {
			cfg.RxBuffer = sl.rx
		}
		if cfg.TxBuffer == nil {
			cfg.TxBuffer = sl.tx
		}
	}
	return cfg
}

// adopt makes res the stack's memory.
func (s *Stack) adopt(res *Resources) {
	z := res.sizes
	s.res = res
	s.cfg.ARPCacheSize, s.cfg.ARPPendingPackets = z.ARPEntries, z.ARPPending
	s.cfg.ReassemblySlots, s.cfg.ReassemblyMaxSize = z.ReassemblySlots, z.ReassemblyMaxSize
	s.tcp.init(z.TCPConns)
	s.arp.entries = res.arp
	s.arp.clear()
	s.pending = res.pending
	s.frag.slots = res.frag
	for i := range s.frag.slots {
		s.frag.slots[i].used = false
	}
	s.udpPorts = make(map[uint16]*udp.Socket, z.UDPSockets)
	s.udpTimers = make([]*udp.Socket, 0, z.UDPSockets)
}
