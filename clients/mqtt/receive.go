package mqtt

import (
	"io"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
	"github.com/seed947b3480/legation/tcp"
)

// readInput reads and handles every whole packet the stream holds. A
// packet inside one contiguous run of the receive ring is decoded in
// place; one split by the ring's wrap (or still arriving) is gathered in
// the reassembly buffer, which MaxPacketSize bounds. Input pauses while
// the control buffer lacks room for the acknowledgement a packet may
// need, so a broker that does not read cannot make the client buffer
// without bound: TCP's window pushes back instead.
func (c *Client) readInput() {
	conn := c.conn
	for c.conn == conn && conn != nil && c.state != stClosed {
		if c.ctrlLen+ctrlReserve > ctrlSize {
			c.flush()
			if c.ioErr != nil || c.ctrlLen+ctrlReserve > ctrlSize {
				return
			}
		}
		b, err := conn.ReadLease()
		if len(b) == 0 {
			switch err {
			case tcp.ErrWouldBlock:
			case io.EOF:
				c.lost(ErrBrokerClosed)
			default:
				c.lost(err)
			}
			return
		}
		if c.asmLen == 0 {
			h, err := packet.ReadHeader(b)
			switch {
			case err == nil && h.Size() > c.cfg.MaxPacketSize:
				c.lost(ErrPacketTooLarge)
				return
			case err == nil && len(b) >= h.Size():
				size := h.Size()
				c.stats.BytesReceived += uint64(size)
				err = packet.DecodeBody(h, b[h.Len:size], c.cfg.Version, &c.in)
				if err == nil {
					err = c.handle(&c.in)
				}
				if err != nil {
					c.lost(err)
					return
				}
				if c.conn == conn {
					conn.Consume(size)
				}
				continue
			case err != nil && err != packet.ErrIncomplete:
				c.lost(err)
				return
			}
		}
		if !c.gather(b) {
			return
		}
	}
}

// gather copies bytes of a split packet into the reassembly buffer,
// consumes them, and handles the packet once it is whole; false when the
// connection ended.
func (c *Client) gather(b []byte) bool {
	conn := c.conn
	if c.asmNeed == 0 {
		// The header is not all in yet: take it a byte at a time, since
		// it says how far the packet goes.
		c.asm[c.asmLen] = b[0]
		c.asmLen++
		conn.Consume(1)
		h, err := packet.ReadHeader(c.asm[:c.asmLen])
		switch {
		case err == packet.ErrIncomplete:
			return true
		case err != nil:
			c.lost(err)
			return false
		case h.Size() > c.cfg.MaxPacketSize:
			c.lost(ErrPacketTooLarge)
			return false
		}
		c.asmNeed = h.Size()
	} else {
		n := copy(c.asm[c.asmLen:c.asmNeed], b)
		c.asmLen += n
		conn.Consume(n)
	}
	if c.asmLen < c.asmNeed {
		return true
	}
	size := c.asmNeed
	c.asmLen, c.asmNeed = 0, 0
	c.stats.BytesReceived += uint64(size)
	h, _ := packet.ReadHeader(c.asm[:size])
	err := packet.DecodeBody(h, c.asm[h.Len:size], c.cfg.Version, &c.in)
	if err == nil {
		err = c.handle(&c.in)
	}
	if err != nil {
		c.lost(err)
		return false
	}
	return c.conn == conn
}

// handle acts on one decoded packet from the broker.
func (c *Client) handle(p *packet.Packet) error {
	if c.state == stConnecting {
		if p.Type != packet.CONNACK {
			return errUnexpected
		}
		return c.onConnack(&p.Connack)
	}
	switch p.Type {
	case packet.PUBLISH:
		return c.onPublish(&p.Publish)
	case packet.PUBACK:
		return c.onPuback(&p.Ack)
	case packet.PUBREC:
		return c.onPubrec(&p.Ack)
	case packet.PUBREL:
		return c.onPubrel(&p.Ack)
	case packet.PUBCOMP:
		return c.onPubcomp(&p.Ack)
	case packet.SUBACK:
		return c.onSuback(&p.Suback)
	case packet.UNSUBACK:
		return c.onUnsuback(&p.Unsuback)
	case packet.PINGRESP:
		if c.pingOut {
			c.pingOut = false
			c.stats.PingsAnswered++
		}
		return nil
	case packet.DISCONNECT:
		return reasonError(ErrDisconnected, p.Disconnect.Code, &p.Disconnect.Props)
	}
	// CONNECT, CONNACK again, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, AUTH (the
	// client starts no enhanced authentication).
	return errUnexpected
}
