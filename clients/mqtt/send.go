package mqtt

import (
	"github.com/seed947b3480/legation/clients/mqtt/packet"
	"github.com/seed947b3480/legation/tcp"
)

// pieces is the packet being written to the stream: up to four byte
// slices written in order (a PUBLISH given a topic alias is its queued
// bytes with a new header and property section spliced in). Once a packet
// has started, nothing else is written until it is done.
type pieces struct {
	p    [4][]byte
	i, n int // the piece being written, and how many there are
	off  int // bytes of p[i] written
	qos0 int // queue entry of a QoS 0 PUBLISH to finish when written, or -1
	ent  int // queue entry being written, or -1
	a    [8]byte
	b    [12]byte
}

func (w *pieces) reset() { w.i, w.n, w.off, w.qos0, w.ent = 0, 0, 0, -1, -1 }

func (w *pieces) done() bool { return w.i >= w.n }

func (w *pieces) set(b ...[]byte) {
	w.reset()
	for _, s := range b {
		if len(s) > 0 {
			w.p[w.n] = s
			w.n++
		}
	}
}

// flush writes as much as the stream takes, in this order: the packet
// under way, the control packets, PUBRELs due after a reconnection,
// SUBSCRIBE and UNSUBSCRIBE, the DISCONNECT of Disconnect, and the queued
// PUBLISH packets the inflight window lets through. It stops when the
// stream's send ring is full; OnWritable brings it back.
func (c *Client) flush() {
	if c.flushing || c.conn == nil {
		return
	}
	c.flushing = true
	defer func() { c.flushing = false }()
	for c.conn != nil && c.ioErr == nil {
		if !c.w.done() {
			if !c.writePieces() {
				return
			}
			continue
		}
		if c.ctrlLen > 0 {
			if !c.writeCtrl() {
				return
			}
			continue
		}
		if c.state == stClosing {
			if c.discDue {
				c.writeDisconnect()
				continue
			}
			return
		}
		if c.state != stConnected {
			return
		}
		if c.q.rel != c.q.tail && c.nextRel() {
			continue
		}
		if c.nextOp() {
			continue
		}
		if !c.nextPublish() {
			return
		}
	}
}

// writePieces writes the packet under way; true when it is all out.
func (c *Client) writePieces() bool {
	w := &c.w
	for !w.done() {
		first, second, err := c.conn.WriteLease()
		if err != nil {
			if err != tcp.ErrWouldBlock {
				c.ioErr = err
			}
			return false
		}
		n := w.fill(first)
		if len(second) > 0 && !w.done() {
			n += w.fill(second)
		}
		c.conn.CommitWrite(n)
		c.sent(n)
	}
	c.finishWrite()
	return true
}

// fill copies what remains of the pieces into dst, and returns how much.
func (w *pieces) fill(dst []byte) int {
	n := 0
	for n < len(dst) && !w.done() {
		k := copy(dst[n:], w.p[w.i][w.off:])
		n += k
		w.off += k
		if w.off == len(w.p[w.i]) {
			w.i++
			w.off = 0
		}
	}
	return n
}

func (c *Client) sent(n int) {
	if n > 0 {
		c.stats.BytesSent += uint64(n)
		c.lastSent = c.now
	}
}

// finishWrite completes what waited for the packet to be out: a QoS 0
// message is delivered.
func (c *Client) finishWrite() {
	off := c.w.qos0
	c.w.reset()
	if off >= 0 {
		c.finish(off, nil)
	}
}

// writeCtrl writes the control packets, whole ones only, so the stream is
// always at a packet boundary after it; true when ctrl is empty.
func (c *Client) writeCtrl() bool {
	first, second, err := c.conn.WriteLease()
	if err != nil {
		if err != tcp.ErrWouldBlock {
			c.ioErr = err
		}
		return false
	}
	room := len(first) + len(second)
	n := 0
	for n < c.ctrlLen {
		size := 2 + int(c.ctrl[n+1]) // every control packet's length fits one byte
		if n+size > room {
			break
		}
		n += size
	}
	k := copy(first, c.ctrl[:n])
	copy(second, c.ctrl[k:n])
	c.conn.CommitWrite(n)
	c.sent(n)
	copy(c.ctrl[:], c.ctrl[n:c.ctrlLen])
	c.ctrlLen -= n
	return c.ctrlLen == 0
}

// ctrlAppend queues a control packet of at most 8 bytes; the reserve
// checked before a packet is read guarantees the room.
func (c *Client) ctrlAppend(b []byte) {
	if c.ctrlLen+len(b) <= ctrlSize {
		c.ctrlLen += copy(c.ctrl[c.ctrlLen:], b)
	}
}

func (c *Client) ctrlAck(t packet.Type, id uint16, code ReasonCode) {
	var b [8]byte
	c.ctrlAppend(packet.AppendAck(b[:0], t, id, code, c.cfg.Version))
}

func (c *Client) writeDisconnect() {
	c.discDue = false
	d := packet.Disconnect{Code: c.discCode}
	var b [8]byte
	pkt, _ := d.Append(b[:0], c.cfg.Version)
	c.ctrlAppend(pkt)
}

// nextRel queues the next PUBREL due after a reconnection with the
// session present; false when there is none or no room yet.
func (c *Client) nextRel() bool {
	q := &c.q
	for q.rel != q.tail {
		off := q.rel
		if q.state(off) == eRel && q.flags(off)&entryRelDue != 0 {
			if c.ctrlLen+ctrlReserve > ctrlSize {
				return false
			}
			q.setFlags(off, q.flags(off)&^entryRelDue)
			c.ctrlAck(packet.PUBREL, q.pid(off), packet.Success)
			c.stats.Retransmitted++
			q.rel = q.next(off)
			return true
		}
		q.rel = q.next(off)
	}
	return false
}

// nextPublish starts writing the next queued PUBLISH the window allows;
// false when there is none.
func (c *Client) nextPublish() bool {
	q := &c.q
	for q.send != q.tail {
		off := q.send
		if q.state(off) != eQueued {
			q.send = q.next(off)
			continue
		}
		pkt := q.packet(off)
		if c.brokerMax > 0 && len(pkt) > c.brokerMax {
			q.send = q.next(off)
			c.finish(off, ErrPacketTooLarge)
			continue
		}
		qos := q.qos(off)
		if qos > 0 {
			if c.nInflight >= c.window {
				return false
			}
			pid := q.pid(off)
			if pid == 0 {
				var ok bool
				if pid, ok = c.allocID(); !ok {
					return false
				}
				i := c.findSlot(0)
				if i < 0 {
					return false
				}
				c.slots[i] = slot{pid: pid, off: int32(off)}
				q.setPID(off, pid)
				setPublishID(pkt, pid)
			}
			if q.flags(off)&entrySent != 0 {
				pkt[0] |= 0x08 // DUP
				c.stats.Retransmitted++
			} else {
				pkt[0] &^= 0x08
			}
			q.setFlags(off, q.flags(off)|entrySent)
			q.setState(off, eSent)
			c.nInflight++
		}
		q.send = q.next(off)
		c.publishPieces(pkt)
		c.w.ent = off
		if qos == 0 {
			c.w.qos0 = off
		}
		return true
	}
	return false
}

// publishLayout finds the parts of an encoded PUBLISH: the fixed header's
// length, the topic, and where the packet identifier (QoS > 0) or the
// property section begins.
func publishLayout(pkt []byte) (hl int, topic []byte, after int) {
	_, n, _ := packet.ReadVarint(pkt[1:])
	hl = 1 + n
	tl := int(pkt[hl])<<8 | int(pkt[hl+1])
	return hl, pkt[hl+2 : hl+2+tl], hl + 2 + tl
}

func setPublishID(pkt []byte, pid uint16) {
	_, _, after := publishLayout(pkt)
	pkt[after], pkt[after+1] = byte(pid>>8), byte(pid)
}

// publishPieces sets the PUBLISH in pkt up for writing, with a topic
// alias (5.0) when the broker accepts them: the first PUBLISH on a topic
// carries the topic and a new alias, later ones an empty topic and the
// alias.
func (c *Client) publishPieces(pkt []byte) {
	if c.brokerAliases == 0 {
		c.w.set(pkt)
		return
	}
	hl, topic, after := publishLayout(pkt)
	if QoS(pkt[0]>>1&3) > 0 {
		after += 2
	}
	plen, pn, _ := packet.ReadVarint(pkt[after:])
	rest := pkt[after+pn:] // old properties and payload
	alias, known := c.outAlias[string(topic)]
	if !known && len(c.outAlias) >= c.brokerAliases {
		c.w.set(pkt)
		return
	}
	newTopic := topic
	if known {
		newTopic = topic[:0]
	} else {
		alias = uint16(len(c.outAlias) + 1)
	}
	nplen := plen + 3
	rem := 2 + len(newTopic) + (after - hl - 2 - len(topic)) + packet.VarintLen(nplen) + len(rest) + 3
	if c.brokerMax > 0 && packet.HeaderLen(rem)+rem > c.brokerMax {
		c.w.set(pkt)
		return
	}
	if !known {
		c.outAlias[string(topic)] = alias
	}
	a := packet.AppendVarint(append(c.w.a[:0], pkt[0]), rem)
	a = append(a, byte(len(newTopic)>>8), byte(len(newTopic)))
	b := append(c.w.b[:0], pkt[hl+2+len(topic):after]...) // packet identifier, if any
	b = packet.AppendVarint(b, nplen)
	b = append(b, byte(packet.PropTopicAlias), byte(alias>>8), byte(alias))
	c.w.set(a, newTopic, b, rest)
}
