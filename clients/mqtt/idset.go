package mqtt

// idSet is a set of packet identifiers: a bit per identifier (8 KiB),
// for the QoS 2 messages received and awaiting their PUBREL. A bitmap
// rather than a table sized by ReceiveMaximum because a 3.1.1 broker is
// not bound by it: every identifier may be in use, and the set must
// neither overflow nor forget one (forgetting means delivering twice).
type idSet struct {
	bits [1024]uint64
	n    int
}

func (s *idSet) has(id uint16) bool { return s.bits[id>>6]&(1<<(id&63)) != 0 }

func (s *idSet) add(id uint16) {
	if !s.has(id) {
		s.bits[id>>6] |= 1 << (id & 63)
		s.n++
	}
}

func (s *idSet) remove(id uint16) {
	if s.has(id) {
		s.bits[id>>6] &^= 1 << (id & 63)
		s.n--
	}
}

func (s *idSet) clear() {
	if s.n > 0 {
		clear(s.bits[:])
		s.n = 0
	}
}

// slot holds a packet identifier for a queue entry, from its first send
// until it is finished (also across reconnections).
type slot struct {
	pid uint16
	off int32
}

func (c *Client) findSlot(pid uint16) int {
	for i := range c.slots {
		if c.slots[i].pid == pid {
			return i
		}
	}
	return -1
}

// idInUse reports whether pid is held by a queue entry or an operation.
func (c *Client) idInUse(pid uint16) bool {
	if c.findSlot(pid) >= 0 {
		return true
	}
	for _, o := range c.ops {
		if o.pid == pid {
			return true
		}
	}
	return false
}

// allocID returns a packet identifier not in use, or false if all are.
func (c *Client) allocID() (uint16, bool) {
	for range 0xffff {
		c.nextID++
		if c.nextID == 0 {
			c.nextID = 1
		}
		if !c.idInUse(c.nextID) {
			return c.nextID, true
		}
	}
	return 0, false
}
