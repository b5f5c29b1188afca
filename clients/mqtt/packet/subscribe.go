package packet

// SubOptions is a subscription's options byte: the maximum QoS, and in
// 5.0 No Local, Retain As Published and Retain Handling (3.8.3.1).
type SubOptions uint8

const (
	NoLocal           SubOptions = 0x04
	RetainAsPublished SubOptions = 0x08
)

// Retain handling values (5.0 3.8.3.1), to be shifted into place by
// WithRetainHandling.
const (
	SendRetained          = 0 // send retained messages at subscribe
	SendRetainedIfNew     = 1 // only if the subscription did not exist
	DoNotSendRetained     = 2
	retainHandlingInvalid = 3
)

// QoS returns the maximum QoS.
func (o SubOptions) QoS() QoS { return QoS(o & 3) }

// RetainHandling returns the retain handling value.
func (o SubOptions) RetainHandling() uint8 { return uint8(o>>4) & 3 }

// WithQoS returns o with maximum QoS q.
func (o SubOptions) WithQoS(q QoS) SubOptions { return o&^3 | SubOptions(q&3) }

// WithRetainHandling returns o with retain handling h.
func (o SubOptions) WithRetainHandling(h uint8) SubOptions { return o&^0x30 | SubOptions(h&3)<<4 }

// valid checks the reserved bits for v (3.1.1 keeps bits 2-7 reserved).
func (o SubOptions) valid(v Version) bool {
	if o.QoS() > 2 {
		return false
	}
	if v != V5 {
		return o&^3 == 0
	}
	return o&0xc0 == 0 && o.RetainHandling() != retainHandlingInvalid
}

// Subscription is one entry of a SUBSCRIBE.
type Subscription struct {
	Filter  []byte
	Options SubOptions
}

// Subscribe is a SUBSCRIBE packet. Encoded, its entries are
// Subscriptions; decoded, they are read with Entries (the decoder keeps
// them in place and leaves Subscriptions nil).
type Subscribe struct {
	PacketID      uint16
	Props         Properties
	Subscriptions []Subscription

	raw []byte
}

func (s *Subscribe) decode(r *reader, flags uint8, v Version) {
	if !decodeIDProps(r, SUBSCRIBE, flags, v, &s.PacketID, &s.Props) {
		return
	}
	s.Subscriptions = nil
	s.raw = r.rest()
	if r.err == nil {
		checkFilters(r, s.raw, v, true)
	}
}

// Entries calls yield for each topic filter and its options, in order,
// until it returns false.
func (s *Subscribe) Entries(yield func(filter []byte, o SubOptions) bool) {
	if s.Subscriptions != nil {
		for _, e := range s.Subscriptions {
			if !yield(e.Filter, e.Options) {
				return
			}
		}
		return
	}
	eachFilter(s.raw, true, yield)
}

func (s *Subscribe) remaining(v Version) (int, error) {
	n := 2
	if v == V5 {
		if err := s.Props.check(int(SUBSCRIBE)); err != nil {
			return 0, err
		}
		n += s.Props.Section()
	}
	k := 0
	for f := range s.Entries {
		if len(f) > 0xffff {
			return 0, ErrStringTooLong
		}
		n += 2 + len(f) + 1
		k++
	}
	if k == 0 {
		return 0, ErrNoPayload
	}
	return n, checkRemaining(n)
}

// Append appends the encoded packet for version v to dst.
func (s *Subscribe) Append(dst []byte, v Version) ([]byte, error) {
	n, err := s.remaining(v)
	if err != nil {
		return dst, err
	}
	dst = grow(dst, HeaderLen(n)+n)
	dst = AppendHeader(dst, SUBSCRIBE, SUBSCRIBE.fixedFlags(), n)
	dst = appendU16(dst, s.PacketID)
	if v == V5 {
		dst = s.Props.appendTo(dst, s.Props.Len())
	}
	for f, o := range s.Entries {
		dst = appendBin(dst, f)
		dst = append(dst, byte(o))
	}
	return dst, nil
}

// Suback is a SUBACK packet: one reason code (3.1.1: return code) per
// filter of the SUBSCRIBE, in order.
type Suback struct {
	PacketID uint16
	Props    Properties
	Codes    []byte
}

func (s *Suback) decode(r *reader, flags uint8, v Version) {
	if !decodeIDProps(r, SUBACK, flags, v, &s.PacketID, &s.Props) {
		return
	}
	s.Codes = r.rest()
	if r.err != nil {
		return
	}
	if len(s.Codes) == 0 {
		r.fail(ErrNoPayload)
		return
	}
	for _, c := range s.Codes {
		ok := v311SubackCodes.has(ReasonCode(c))
		if v == V5 {
			ok = validReason(SUBACK, ReasonCode(c))
		}
		if !ok {
			r.fail(ErrBadReasonCode)
			return
		}
	}
}

// Append appends the encoded packet for version v to dst.
func (s *Suback) Append(dst []byte, v Version) ([]byte, error) {
	n := 2 + len(s.Codes)
	if v == V5 {
		if err := s.Props.check(int(SUBACK)); err != nil {
			return dst, err
		}
		n += s.Props.Section()
	}
	if err := checkRemaining(n); err != nil {
		return dst, err
	}
	dst = grow(dst, HeaderLen(n)+n)
	dst = AppendHeader(dst, SUBACK, 0, n)
	dst = appendU16(dst, s.PacketID)
	if v == V5 {
		dst = s.Props.appendTo(dst, s.Props.Len())
	}
	return append(dst, s.Codes...), nil
}
