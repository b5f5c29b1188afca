package packet

// PropID is a 5.0 property identifier (section 2.2.2.2).
type PropID uint8

// The property identifiers of MQTT 5.0 (table 2-4).
const (
	PropPayloadFormat        PropID = 0x01
	PropMessageExpiry        PropID = 0x02
	PropContentType          PropID = 0x03
	PropResponseTopic        PropID = 0x08
	PropCorrelationData      PropID = 0x09
	PropSubscriptionID       PropID = 0x0B
	PropSessionExpiry        PropID = 0x11
	PropAssignedClientID     PropID = 0x12
	PropServerKeepAlive      PropID = 0x13
	PropAuthMethod           PropID = 0x15
	PropAuthData             PropID = 0x16
	PropRequestProblemInfo   PropID = 0x17
	PropWillDelay            PropID = 0x18
	PropRequestResponseInfo  PropID = 0x19
	PropResponseInfo         PropID = 0x1A
	PropServerReference      PropID = 0x1C
	PropReasonString         PropID = 0x1F
	PropReceiveMaximum       PropID = 0x21
	PropTopicAliasMaximum    PropID = 0x22
	PropTopicAlias           PropID = 0x23
	PropMaximumQoS           PropID = 0x24
	PropRetainAvailable      PropID = 0x25
	PropUser                 PropID = 0x26
	PropMaximumPacketSize    PropID = 0x27
	PropWildcardSubAvailable PropID = 0x28
	PropSubIDAvailable       PropID = 0x29
	PropSharedSubAvailable   PropID = 0x2A
)

// propKind is a property's data type.
type propKind uint8

const (
	kNone propKind = iota
	kByte
	kU16
	kU32
	kVarint
	kString
	kBinary
	kPair
)

var propKinds = [64]propKind{
	PropPayloadFormat: kByte, PropMessageExpiry: kU32, PropContentType: kString,
	PropResponseTopic: kString, PropCorrelationData: kBinary, PropSubscriptionID: kVarint,
	PropSessionExpiry: kU32, PropAssignedClientID: kString, PropServerKeepAlive: kU16,
	PropAuthMethod: kString, PropAuthData: kBinary, PropRequestProblemInfo: kByte,
	PropWillDelay: kU32, PropRequestResponseInfo: kByte, PropResponseInfo: kString,
	PropServerReference: kString, PropReasonString: kString, PropReceiveMaximum: kU16,
	PropTopicAliasMaximum: kU16, PropTopicAlias: kU16, PropMaximumQoS: kByte,
	PropRetainAvailable: kByte, PropUser: kPair, PropMaximumPacketSize: kU32,
	PropWildcardSubAvailable: kByte, PropSubIDAvailable: kByte, PropSharedSubAvailable: kByte,
}

// willContext names the will properties of CONNECT's payload where a
// packet type names the properties of a packet.
const willContext = 16

func bits(ids ...PropID) uint64 {
	var m uint64
	for _, id := range ids {
		m |= 1 << id
	}
	return m
}

var (
	msgProps = bits(PropPayloadFormat, PropMessageExpiry, PropContentType, PropResponseTopic,
		PropCorrelationData, PropUser)
	ackProps = bits(PropReasonString, PropUser)
	// nonZeroProps are the integer properties for which 0 is a protocol
	// error (3.1.2.11.3, 3.1.2.11.4, 3.3.2.3.4).
	nonZeroProps = bits(PropReceiveMaximum, PropMaximumPacketSize, PropTopicAlias)
	// allowedProps is table 2-4 turned around: the identifiers each packet
	// (and the will) may carry.
	allowedProps = [17]uint64{
		CONNECT: bits(PropSessionExpiry, PropAuthMethod, PropAuthData, PropRequestProblemInfo,
			PropRequestResponseInfo, PropReceiveMaximum, PropTopicAliasMaximum, PropUser, PropMaximumPacketSize),
		CONNACK: bits(PropSessionExpiry, PropAssignedClientID, PropServerKeepAlive, PropAuthMethod,
			PropAuthData, PropResponseInfo, PropServerReference, PropReasonString, PropReceiveMaximum,
			PropTopicAliasMaximum, PropMaximumQoS, PropRetainAvailable, PropUser, PropMaximumPacketSize,
			PropWildcardSubAvailable, PropSubIDAvailable, PropSharedSubAvailable),
		PUBLISH:     msgProps | bits(PropSubscriptionID, PropTopicAlias),
		PUBACK:      ackProps,
		PUBREC:      ackProps,
		PUBREL:      ackProps,
		PUBCOMP:     ackProps,
		SUBSCRIBE:   bits(PropSubscriptionID, PropUser),
		SUBACK:      ackProps,
		UNSUBSCRIBE: bits(PropUser),
		UNSUBACK:    ackProps,
		DISCONNECT:  bits(PropSessionExpiry, PropServerReference, PropReasonString, PropUser),
		AUTH:        bits(PropAuthMethod, PropAuthData, PropReasonString, PropUser),
		willContext: msgProps | bits(PropWillDelay),
	}
)

// UserProperty is a name-value pair of UTF-8 strings.
type UserProperty struct {
	Key, Value []byte
}

// Properties holds the properties of a 5.0 packet, or of a will.
//
// Decoded, the byte-slice fields point into the packet (nothing is
// copied) and Present says which properties came; user properties and
// repeated subscription identifiers are read with UserProperties and
// SubscriptionIdentifiers. To encode, set the fields and mark each with
// Set; User and SubscriptionIDs are emitted as they are (when nil, those
// decoded, so a decoded packet re-encodes to an equivalent one, with
// its properties in identifier order).
type Properties struct {
	// Present has bit id set for each property identifier present.
	Present uint64

	PayloadFormat        uint8
	MessageExpiry        uint32
	ContentType          []byte
	ResponseTopic        []byte
	CorrelationData      []byte
	SubscriptionID       uint32 // the first one of a decoded PUBLISH
	SessionExpiry        uint32
	AssignedClientID     []byte
	ServerKeepAlive      uint16
	AuthMethod           []byte
	AuthData             []byte
	RequestProblemInfo   uint8
	WillDelay            uint32
	RequestResponseInfo  uint8
	ResponseInfo         []byte
	ServerReference      []byte
	ReasonString         []byte
	ReceiveMaximum       uint16
	TopicAliasMaximum    uint16
	TopicAlias           uint16
	MaximumQoS           uint8
	RetainAvailable      uint8
	MaximumPacketSize    uint32
	WildcardSubAvailable uint8
	SubIDAvailable       uint8
	SharedSubAvailable   uint8

	// User is encoded in order; the decoder leaves it nil.
	User []UserProperty
	// SubscriptionIDs, if not nil, are encoded instead of SubscriptionID
	// (a server's PUBLISH may carry several); the decoder leaves it nil.
	SubscriptionIDs []uint32

	raw []byte // the decoded property bytes, for the repeatable ones
}

// Has reports whether property id is present.
func (p *Properties) Has(id PropID) bool { return id < 64 && p.Present&(1<<id) != 0 }

// Set marks property id present (for encoding).
func (p *Properties) Set(id PropID) { p.Present |= 1 << (id & 63) }

// Clear marks property id absent.
func (p *Properties) Clear(id PropID) { p.Present &^= 1 << (id & 63) }

// Reset empties p.
func (p *Properties) Reset() { *p = Properties{} }

// UserProperties calls yield for each user property, in order, until it
// returns false; a range-over-func iterator: for k, v := range p.UserProperties.
func (p *Properties) UserProperties(yield func(key, value []byte) bool) {
	if p.User != nil {
		for _, u := range p.User {
			if !yield(u.Key, u.Value) {
				return
			}
		}
		return
	}
	r := reader{b: p.raw}
	for r.left() > 0 && r.err == nil {
		id := PropID(r.u8())
		if id == PropUser {
			k, v := r.bin(), r.bin()
			if r.err == nil && !yield(k, v) {
				return
			}
			continue
		}
		skipValue(&r, id)
	}
}

// SubscriptionIdentifiers calls yield for each subscription identifier,
// in order, until it returns false.
func (p *Properties) SubscriptionIdentifiers(yield func(id uint32) bool) {
	if p.SubscriptionIDs != nil {
		for _, id := range p.SubscriptionIDs {
			if !yield(id) {
				return
			}
		}
		return
	}
	if p.raw == nil {
		if p.Has(PropSubscriptionID) {
			yield(p.SubscriptionID)
		}
		return
	}
	r := reader{b: p.raw}
	for r.left() > 0 && r.err == nil {
		id := PropID(r.u8())
		if id == PropSubscriptionID {
			v := r.varint()
			if r.err == nil && !yield(uint32(v)) {
				return
			}
			continue
		}
		skipValue(&r, id)
	}
}

func skipValue(r *reader, id PropID) {
	switch propKinds[id&63] {
	case kByte:
		r.u8()
	case kU16:
		r.u16()
	case kU32:
		r.u32()
	case kVarint:
		r.varint()
	case kString, kBinary:
		r.bin()
	case kPair:
		r.bin()
		r.bin()
	default:
		r.fail(ErrBadProperty)
	}
}

// decode reads a property section (its length and the properties) for
// the packet type (or willContext) ctx, checking identifiers, repeats,
// strings and values.
func (p *Properties) decode(r *reader, ctx int) {
	n := r.varint()
	if r.err != nil {
		return
	}
	if r.left() < n {
		r.fail(ErrTruncated)
		return
	}
	*p = Properties{}
	if n == 0 {
		return
	}
	p.raw = r.b[r.off : r.off+n : r.off+n]
	pr := reader{b: p.raw}
	r.off += n
	allowed := allowedProps[ctx]
	for pr.left() > 0 {
		id := PropID(pr.u8())
		if id >= 64 || propKinds[id] == kNone {
			r.fail(ErrBadProperty)
			return
		}
		if allowed&(1<<id) == 0 {
			r.fail(ErrPropertyNotAllowed)
			return
		}
		repeatable := id == PropUser || (id == PropSubscriptionID && ctx == int(PUBLISH))
		if p.Present&(1<<id) != 0 && !repeatable {
			r.fail(ErrDuplicateProperty)
			return
		}
		first := p.Present&(1<<id) == 0
		p.Present |= 1 << id
		var bad bool
		switch propKinds[id] {
		case kByte:
			v := pr.u8()
			*p.u8Field(id) = v
			bad = v > 1 // every byte property is 0 or 1
		case kU16:
			v := pr.u16()
			*p.u16Field(id) = v
			bad = v == 0 && nonZeroProps&(1<<id) != 0
		case kU32:
			v := pr.u32()
			*p.u32Field(id) = v
			bad = v == 0 && nonZeroProps&(1<<id) != 0
		case kVarint: // the subscription identifier
			v := pr.varint()
			bad = v == 0
			if first {
				p.SubscriptionID = uint32(v)
			}
		case kString:
			s := pr.str()
			*p.bytesField(id) = s
			if id == PropResponseTopic && pr.err == nil && ValidTopicName(s) != nil {
				pr.fail(ErrBadTopicName)
			}
		case kBinary:
			*p.bytesField(id) = pr.bin()
		case kPair: // user properties are read in place by UserProperties
			pr.str()
			pr.str()
		}
		if pr.err != nil {
			r.fail(pr.err.(Error))
			return
		}
		if bad {
			r.fail(ErrBadPropertyValue)
			return
		}
	}
}

// Len returns the encoded length of the properties, without the variable
// byte integer that precedes them.
func (p *Properties) Len() int {
	if p.Present == 0 && p.User == nil && p.SubscriptionIDs == nil {
		return 0
	}
	n := 0
	for id := PropID(1); id < 64; id++ {
		if id == PropUser || id == PropSubscriptionID || p.Present&(1<<id) == 0 {
			continue
		}
		n++
		switch propKinds[id] {
		case kByte:
			n++
		case kU16:
			n += 2
		case kU32:
			n += 4
		case kString, kBinary:
			n += 2 + len(p.bytesOf(id))
		}
	}
	for k, v := range p.UserProperties {
		n += 1 + 2 + len(k) + 2 + len(v)
	}
	for id := range p.SubscriptionIdentifiers {
		n += 1 + VarintLen(int(id))
	}
	return n
}

// bytesField returns the field of a string or binary property.
func (p *Properties) bytesField(id PropID) *[]byte {
	switch id {
	case PropContentType:
		return &p.ContentType
	case PropResponseTopic:
		return &p.ResponseTopic
	case PropCorrelationData:
		return &p.CorrelationData
	case PropAssignedClientID:
		return &p.AssignedClientID
	case PropAuthMethod:
		return &p.AuthMethod
	case PropAuthData:
		return &p.AuthData
	case PropResponseInfo:
		return &p.ResponseInfo
	case PropServerReference:
		return &p.ServerReference
	}
	return &p.ReasonString
}

// u8Field returns the field of a byte property.
func (p *Properties) u8Field(id PropID) *uint8 {
	switch id {
	case PropPayloadFormat:
		return &p.PayloadFormat
	case PropRequestProblemInfo:
		return &p.RequestProblemInfo
	case PropRequestResponseInfo:
		return &p.RequestResponseInfo
	case PropMaximumQoS:
		return &p.MaximumQoS
	case PropRetainAvailable:
		return &p.RetainAvailable
	case PropWildcardSubAvailable:
		return &p.WildcardSubAvailable
	case PropSubIDAvailable:
		return &p.SubIDAvailable
	}
	return &p.SharedSubAvailable
}

// u16Field returns the field of a two byte integer property.
func (p *Properties) u16Field(id PropID) *uint16 {
	switch id {
	case PropServerKeepAlive:
		return &p.ServerKeepAlive
	case PropReceiveMaximum:
		return &p.ReceiveMaximum
	case PropTopicAliasMaximum:
		return &p.TopicAliasMaximum
	}
	return &p.TopicAlias
}

// u32Field returns the field of a four byte integer property.
func (p *Properties) u32Field(id PropID) *uint32 {
	switch id {
	case PropMessageExpiry:
		return &p.MessageExpiry
	case PropSessionExpiry:
		return &p.SessionExpiry
	case PropWillDelay:
		return &p.WillDelay
	}
	return &p.MaximumPacketSize
}

// bytesOf returns the value of a string or binary property, nil for
// any other identifier.
func (p *Properties) bytesOf(id PropID) []byte {
	if k := propKinds[id&63]; k != kString && k != kBinary {
		return nil
	}
	return *p.bytesField(id)
}

// check reports a string or binary value too long to encode, or a
// property not allowed in ctx.
func (p *Properties) check(ctx int) error {
	if p.Present&^allowedProps[ctx]&^(1<<PropUser|1<<PropSubscriptionID) != 0 {
		return ErrPropertyNotAllowed
	}
	for id := PropID(1); id < 64; id++ {
		if p.Present&(1<<id) != 0 && len(p.bytesOf(id)) > 0xffff {
			return ErrStringTooLong
		}
	}
	for k, v := range p.UserProperties {
		if len(k) > 0xffff || len(v) > 0xffff {
			return ErrStringTooLong
		}
	}
	return nil
}

// appendTo appends the property section: length n (from Len) and the
// properties.
func (p *Properties) appendTo(dst []byte, n int) []byte {
	dst = AppendVarint(dst, n)
	for id := PropID(1); id < 64; id++ {
		if id == PropUser || id == PropSubscriptionID || p.Present&(1<<id) == 0 {
			continue
		}
		dst = append(dst, byte(id))
		switch propKinds[id] {
		case kByte:
			dst = append(dst, *p.u8Field(id))
		case kU16:
			dst = appendU16(dst, *p.u16Field(id))
		case kU32:
			dst = appendU32(dst, *p.u32Field(id))
		case kString, kBinary:
			dst = appendBin(dst, p.bytesOf(id))
		}
	}
	for id := range p.SubscriptionIdentifiers {
		dst = append(dst, byte(PropSubscriptionID))
		dst = AppendVarint(dst, int(id))
	}
	for k, v := range p.UserProperties {
		dst = append(dst, byte(PropUser))
		dst = appendBin(dst, k)
		dst = appendBin(dst, v)
	}
	return dst
}

// Section returns the encoded length of the property section: the
// variable byte integer and the properties.
func (p *Properties) Section() int {
	n := p.Len()
	return VarintLen(n) + n
}
