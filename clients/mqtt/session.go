package mqtt

// requeue readies the queue for the next connection after one ended:
// QoS 0 messages not yet written are dropped (they promise no more),
// QoS 1 and 2 messages sent and unacknowledged wait to be sent again,
// and QoS 2 messages past PUBREC wait for their PUBREL to be sent again.
func (c *Client) requeue() {
	q := &c.q
	c.nInflight = 0
	for off := q.head; q.n > 0 && off != q.tail; off = q.next(off) {
		switch q.state(off) {
		case eQueued:
			if q.qos(off) == AtMostOnce {
				q.setFlags(off, q.flags(off)|entryMark)
			}
		case eSent:
			q.setState(off, eQueued)
		case eRel:
			q.setFlags(off, q.flags(off)|entryRelDue)
			c.nInflight++
		}
	}
	q.send, q.rel = q.head, q.head
	c.finishMarked(ErrConnectionLost)
}

// finishMarked finishes the entries marked with entryMark, oldest first.
// It starts over from the oldest after each, as OnDelivered may publish
// and finish may reclaim.
func (c *Client) finishMarked(err error) {
	q := &c.q
	for {
		off := q.head
		for q.n > 0 && off != q.tail && q.flags(off)&entryMark == 0 {
			off = q.next(off)
		}
		if q.n == 0 || off == q.tail {
			return
		}
		q.setFlags(off, q.flags(off)&^entryMark)
		if err == ErrConnectionLost {
			c.stats.Dropped++
		}
		c.finish(off, err)
	}
}

// resumeSession applies the CONNACK's Session Present flag. With the
// session, the broker expects the unacknowledged PUBLISH packets again
// (with DUP) and the PUBRELs, in order. Without it, the broker knows
// nothing of them: QoS 2 messages past PUBREC were its to deliver and are
// done, the others go again as new messages, the QoS 2 identifiers
// received are forgotten and every subscription is made again.
func (c *Client) resumeSession() {
	q := &c.q
	q.send, q.rel = q.head, q.head
	if !c.sessionPresent {
		c.qos2.clear()
		for off := q.head; q.n > 0 && off != q.tail; off = q.next(off) {
			switch q.state(off) {
			case eQueued:
				q.setFlags(off, q.flags(off)&^entrySent)
			case eRel:
				q.setFlags(off, q.flags(off)&^entryRelDue|entryMark)
			}
		}
		c.resubscribe()
		c.finishMarked(nil)
	}
	c.flush()
}

// failQueue ends every message in the queue with err.
func (c *Client) failQueue(err error) {
	q := &c.q
	for off := q.head; q.n > 0 && off != q.tail; off = q.next(off) {
		if q.state(off) != eDone {
			q.setFlags(off, q.flags(off)|entryMark)
		}
	}
	if c.w.ent >= 0 && !c.w.done() {
		// Being written: it is finished now, and its bytes still go out
		// whole (Publish refuses from here on, so nothing reuses them).
		c.w.qos0 = -1
	}
	c.finishMarked(err)
}
