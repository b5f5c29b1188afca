package packet

// Packet is a decoded packet: its fixed header and, for its type, one of
// the bodies below (the others keep whatever they held). Byte slices
// point into the buffer that was decoded. A Packet is meant to be reused:
// decoding into it allocates nothing.
type Packet struct {
	Header
	Connect     Connect
	Connack     Connack
	Publish     Publish
	Ack         Ack // PUBACK, PUBREC, PUBREL, PUBCOMP
	Subscribe   Subscribe
	Suback      Suback
	Unsubscribe Unsubscribe
	Unsuback    Unsuback
	Disconnect  Disconnect
	Auth        Auth
}

// Decode decodes the packet at the front of b, for protocol version v
// (a CONNECT declares its own), into p, and returns its length. b may
// hold more than one packet. max, if positive, is the largest packet
// accepted: a larger one is ErrPacketTooLarge before its body is read
// (the length returned is then the packet's, so a caller may skip it).
// ErrIncomplete means b ends before the packet does.
//
// Every rule of the encoding is checked: reserved types and flags,
// lengths, strings (well-formed UTF-8 without U+0000), properties
// (allowed for the type, not repeated unless repeatable, values in range),
// reason codes allowed for the type, topic names and filters, packet
// identifiers other than 0, and that the body ends where the remaining
// length says. It never panics, whatever b holds.
func Decode(b []byte, v Version, max int, p *Packet) (int, error) {
	h, err := ReadHeader(b)
	if err != nil {
		return 0, err
	}
	size := h.Size()
	if max > 0 && size > max {
		return size, ErrPacketTooLarge
	}
	if len(b) < size {
		return 0, ErrIncomplete
	}
	p.Header = h
	return size, DecodeBody(h, b[h.Len:size], v, p)
}

// DecodeBody decodes a packet whose fixed header h was read already, from
// its body (exactly h.Remaining bytes), into p.
func DecodeBody(h Header, body []byte, v Version, p *Packet) error {
	p.Header = h
	r := reader{b: body}
	switch h.Type {
	case CONNECT:
		p.Connect.decode(&r, h.Flags)
	case CONNACK:
		p.Connack.decode(&r, h.Flags, v)
	case PUBLISH:
		p.Publish.decode(&r, h.Flags, v)
	case PUBACK, PUBREC, PUBREL, PUBCOMP:
		p.Ack.decode(&r, h.Type, h.Flags, v)
	case SUBSCRIBE:
		p.Subscribe.decode(&r, h.Flags, v)
	case SUBACK:
		p.Suback.decode(&r, h.Flags, v)
	case UNSUBSCRIBE:
		p.Unsubscribe.decode(&r, h.Flags, v)
	case UNSUBACK:
		p.Unsuback.decode(&r, h.Flags, v)
	case PINGREQ, PINGRESP:
		if h.Flags != 0 {
			r.fail(ErrBadFlags)
		}
	case DISCONNECT:
		decodeReasoned(&r, DISCONNECT, h.Flags, v, &p.Disconnect.Code, &p.Disconnect.Props)
	case AUTH:
		if v != V5 {
			return ErrReservedType
		}
		decodeReasoned(&r, AUTH, h.Flags, v, &p.Auth.Code, &p.Auth.Props)
	default:
		return ErrReservedType
	}
	if r.err != nil {
		return r.err
	}
	if r.left() > 0 {
		return ErrTrailingBytes
	}
	return nil
}
