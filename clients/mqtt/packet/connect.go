package packet

// Connect is a CONNECT packet (3.1.1 section 3.1, 5.0 section 3.1).
type Connect struct {
	Version    Version
	CleanStart bool // 3.1.1: Clean Session
	KeepAlive  uint16
	Props      Properties // 5.0
	ClientID   []byte

	Will        bool
	WillQoS     QoS
	WillRetain  bool
	WillProps   Properties // 5.0
	WillTopic   []byte
	WillPayload []byte

	HasUsername bool
	Username    []byte
	HasPassword bool
	Password    []byte
}

var protocolName = []byte("MQTT")

func (c *Connect) decode(r *reader, flags uint8) {
	if flags != 0 {
		r.fail(ErrBadFlags)
		return
	}
	name := r.bin()
	level := Version(r.u8())
	f := r.u8()
	c.KeepAlive = r.u16()
	if r.err != nil {
		return
	}
	if string(name) != "MQTT" {
		r.fail(ErrBadProtocolName)
		return
	}
	if level != V311 && level != V5 {
		r.fail(ErrUnsupportedVersion)
		return
	}
	c.Version = level
	c.CleanStart = f&0x02 != 0
	c.Will = f&0x04 != 0
	c.WillQoS = QoS(f >> 3 & 3)
	c.WillRetain = f&0x20 != 0
	c.HasPassword = f&0x40 != 0
	c.HasUsername = f&0x80 != 0
	switch {
	case f&0x01 != 0, // reserved
		!c.Will && (c.WillQoS != 0 || c.WillRetain),
		c.WillQoS > 2,
		level == V311 && c.HasPassword && !c.HasUsername:
		r.fail(ErrBadConnectFlags)
		return
	}
	if level == V5 {
		c.Props.decode(r, int(CONNECT))
	} else {
		c.Props = Properties{}
	}
	c.ClientID = r.str()
	c.WillProps, c.WillTopic, c.WillPayload = Properties{}, nil, nil
	if c.Will {
		if level == V5 {
			c.WillProps.decode(r, willContext)
		}
		c.WillTopic = r.str()
		c.WillPayload = r.bin()
		if r.err == nil && ValidTopicName(c.WillTopic) != nil {
			r.fail(ErrBadTopicName)
		}
	}
	c.Username, c.Password = nil, nil
	if c.HasUsername {
		c.Username = r.str()
	}
	if c.HasPassword {
		c.Password = r.bin()
	}
}

// remaining returns the remaining length and checks the fields' lengths.
func (c *Connect) remaining() (int, error) {
	n := 2 + 4 + 1 + 1 + 2 + 2 + len(c.ClientID)
	long := len(c.ClientID) > 0xffff
	if c.Version == V5 {
		if err := c.Props.check(int(CONNECT)); err != nil {
			return 0, err
		}
		n += c.Props.Section()
	}
	if c.Will {
		if c.Version == V5 {
			if err := c.WillProps.check(willContext); err != nil {
				return 0, err
			}
			n += c.WillProps.Section()
		}
		n += 2 + len(c.WillTopic) + 2 + len(c.WillPayload)
		long = long || len(c.WillTopic) > 0xffff || len(c.WillPayload) > 0xffff
	}
	if c.HasUsername {
		n += 2 + len(c.Username)
		long = long || len(c.Username) > 0xffff
	}
	if c.HasPassword {
		n += 2 + len(c.Password)
		long = long || len(c.Password) > 0xffff
	}
	if long {
		return 0, ErrStringTooLong
	}
	return n, checkRemaining(n)
}

// Size returns the encoded length of the packet.
func (c *Connect) Size() (int, error) {
	n, err := c.remaining()
	return HeaderLen(n) + n, err
}

// Append appends the encoded packet to dst. It checks lengths, not the
// contents of strings (ValidString, ValidTopicName do).
func (c *Connect) Append(dst []byte) ([]byte, error) {
	n, err := c.remaining()
	if err != nil {
		return dst, err
	}
	if c.Version != V311 && c.Version != V5 {
		return dst, ErrUnsupportedVersion
	}
	dst = grow(dst, HeaderLen(n)+n)
	dst = AppendHeader(dst, CONNECT, 0, n)
	dst = appendBin(dst, protocolName)
	dst = append(dst, byte(c.Version))
	var f byte
	if c.CleanStart {
		f |= 0x02
	}
	if c.Will {
		f |= 0x04 | byte(c.WillQoS&3)<<3
		if c.WillRetain {
			f |= 0x20
		}
	}
	if c.HasPassword {
		f |= 0x40
	}
	if c.HasUsername {
		f |= 0x80
	}
	dst = append(dst, f)
	dst = appendU16(dst, c.KeepAlive)
	if c.Version == V5 {
		dst = c.Props.appendTo(dst, c.Props.Len())
	}
	dst = appendBin(dst, c.ClientID)
	if c.Will {
		if c.Version == V5 {
			dst = c.WillProps.appendTo(dst, c.WillProps.Len())
		}
		dst = appendBin(dst, c.WillTopic)
		dst = appendBin(dst, c.WillPayload)
	}
	if c.HasUsername {
		dst = appendBin(dst, c.Username)
	}
	if c.HasPassword {
		dst = appendBin(dst, c.Password)
	}
	return dst, nil
}
