package mqtt

import "encoding/binary"

// queue is the outgoing queue: PUBLISH packets, encoded, in a fixed ring
// of Config.QueueBytes, from Publish until written (QoS 0) or
// acknowledged (QoS 1 and 2). Entries are contiguous (one that would
// straddle the end of the ring starts again at the front, after a filler)
// so a packet can be rewritten in place (its packet identifier, its DUP
// flag) and written out in one piece. They are sent in order; space comes
// back only from the oldest, so an unacknowledged message holds the space
// of every younger one, which the inflight window bounds.
//
// Each entry starts with a 12-byte header:
//
//	0  uint32 size of the entry, header included
//	4  uint32 token
//	8  uint16 packet identifier (0 until first sent)
//	10 uint8  state
//	11 uint8  flags: QoS in bits 0-1, entrySent
type queue struct {
	buf  []byte
	head int // the oldest entry, or tail when empty
	tail int // where the next entry goes
	used int // bytes held, fillers included
	n    int // entries
	send int // the next entry to send
	rel  int // the next entry to look at for a PUBREL due
}

const metaLen = 12

// Entry states.
const (
	eQueued uint8 = iota // waiting to be sent on this connection
	eSent                // QoS 1 or 2 PUBLISH sent, PUBACK or PUBREC awaited
	eRel                 // QoS 2: PUBREL sent (or to be sent again), PUBCOMP awaited
	eDone                // finished: its space is reclaimed once it is the oldest
	eWrap                // filler to the end of the ring
)

// Entry flags beside the QoS.
const (
	entrySent   = 0x04 // sent on some connection: re-sent with DUP while the session lasts
	entryRelDue = 0x08 // eRel whose PUBREL is still to be written on this connection
	entryMark   = 0x10 // to be finished by finishMarked
)

func newQueue(n int) queue { return queue{buf: make([]byte, n)} }

func (q *queue) size(off int) int          { return int(binary.LittleEndian.Uint32(q.buf[off:])) }
func (q *queue) token(off int) Token       { return Token(binary.LittleEndian.Uint32(q.buf[off+4:])) }
func (q *queue) pid(off int) uint16        { return binary.LittleEndian.Uint16(q.buf[off+8:]) }
func (q *queue) state(off int) uint8       { return q.buf[off+10] }
func (q *queue) flags(off int) uint8       { return q.buf[off+11] }
func (q *queue) qos(off int) QoS           { return QoS(q.buf[off+11] & 3) }
func (q *queue) setState(off int, s uint8) { q.buf[off+10] = s }
func (q *queue) setFlags(off int, f uint8) { q.buf[off+11] = f }
func (q *queue) setPID(off int, id uint16) {
	binary.LittleEndian.PutUint16(q.buf[off+8:], id)
}

// packet returns the entry's encoded packet.
func (q *queue) packet(off int) []byte { return q.buf[off+metaLen : off+q.size(off)] }

// alloc reserves an entry for a packet of n bytes and returns its offset
// (header included), or false if the ring has no contiguous room. The
// ring never fills completely: tail stays short of head, so that tail ==
// head means empty and a cursor at tail means "nothing after".
func (q *queue) alloc(n int) (int, bool) {
	total := metaLen + n
	if q.n == 0 {
		q.head, q.tail, q.send, q.rel, q.used = 0, 0, 0, 0, 0
	}
	var off int
	switch {
	case q.tail >= q.head:
		// Free: [tail, len) and [0, head). Ending exactly at len would
		// put tail at 0, onto a head at 0.
		if end := len(q.buf) - q.tail; end > total || (end == total && q.head > 0) {
			off = q.tail
			break
		}
		if q.head <= total {
			return 0, false
		}
		// Fill to the end and start again at the front.
		if len(q.buf)-q.tail >= metaLen {
			binary.LittleEndian.PutUint32(q.buf[q.tail:], uint32(len(q.buf)-q.tail))
			q.buf[q.tail+10] = eWrap
		}
		q.used += len(q.buf) - q.tail
		if q.send == q.tail {
			q.send = 0
		}
		if q.rel == q.tail {
			q.rel = 0
		}
		off = 0
	default:
		if q.head-q.tail <= total {
			return 0, false
		}
		off = q.tail
	}
	binary.LittleEndian.PutUint32(q.buf[off:], uint32(total))
	q.used += total
	q.n++
	q.tail = off + total
	if q.tail == len(q.buf) {
		q.tail = 0
	}
	return off, true
}

// next returns the entry after off, or tail.
func (q *queue) next(off int) int {
	off += q.size(off)
	if off == q.tail {
		return off
	}
	if off+metaLen > len(q.buf) || q.buf[off+10] == eWrap {
		return 0
	}
	return off
}

// reclaim frees the oldest entries while they are done.
func (q *queue) reclaim() {
	for q.n > 0 && q.state(q.head) == eDone {
		nh := q.next(q.head)
		if q.send == q.head {
			q.send = nh
		}
		if q.rel == q.head {
			q.rel = nh
		}
		q.n--
		if q.n == 0 {
			q.head, q.tail, q.send, q.rel, q.used = 0, 0, 0, 0, 0
			return
		}
		q.used -= (nh - q.head + len(q.buf)) % len(q.buf)
		q.head = nh
	}
}

// fits reports whether an entry for an n-byte packet could ever fit
// (in an empty ring, which keeps one byte free).
func (q *queue) fits(n int) bool { return metaLen+n < len(q.buf) }
