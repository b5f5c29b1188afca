package packet

// Error is a codec error: comparable with errors.Is, free of allocation.
//
// Two values are kinds rather than causes: ErrMalformed (the bytes break
// the encoding rules) and ErrProtocol (well-formed, but against the
// protocol). Every other error belongs to one of them, so
// errors.Is(err, ErrMalformed) matches, say, ErrBadUTF8. ReasonCode gives
// the 5.0 DISCONNECT reason that reports the error to the peer.
type Error uint8

const (
	// ErrMalformed is the kind of every encoding error (reason 0x81).
	ErrMalformed Error = iota + 1
	// ErrProtocol is the kind of every protocol violation (reason 0x82).
	ErrProtocol
	// ErrIncomplete is not a fault of the bytes: the packet is not all
	// there yet. It is neither malformed nor a protocol error.
	ErrIncomplete
	// ErrPacketTooLarge: the packet is larger than the receiver allows
	// (reason 0x95). Neither malformed nor a protocol error.
	ErrPacketTooLarge

	// Malformed.
	ErrRemainingLength // remaining length longer than 4 bytes or not minimally encoded
	ErrReservedType    // packet type 0, or 15 (AUTH) under 3.1.1
	ErrBadFlags        // fixed-header flags other than the type requires
	ErrTruncated       // a field runs past the end of the packet
	ErrTrailingBytes   // bytes left after the last field
	ErrBadUTF8         // a string is not well-formed UTF-8
	ErrNullChar        // a string contains U+0000
	ErrBadVarint       // a variable byte integer longer than 4 bytes or not minimal
	ErrBadProperty     // an unknown property identifier
	ErrPropertyNotAllowed
	ErrBadQoS          // QoS 3, or DUP on a QoS 0 PUBLISH
	ErrBadTopicName    // empty, or containing a wildcard, in PUBLISH
	ErrBadTopicFilter  // wildcard misplaced, or empty, in SUBSCRIBE or UNSUBSCRIBE
	ErrBadReasonCode   // a reason code the packet type does not allow
	ErrBadConnectFlags // reserved bit, will QoS/retain without will, password without user (3.1.1)
	ErrBadConnackFlags // reserved bits, or session present with a refusal
	ErrNoPayload       // SUBSCRIBE, UNSUBSCRIBE or SUBACK without a single entry
	ErrBadSubOptions   // reserved subscription option bits, retain handling 3
	ErrStringTooLong   // encode: a string or binary field over 65,535 bytes
	ErrBadProtocolName // CONNECT's protocol name is not "MQTT"
	ErrZeroPacketID    // packet identifier 0
	ErrDuplicateProperty
	ErrBadPropertyValue // a property value the specification forbids (0 for Receive Maximum, ...)

	// Protocol.
	ErrUnsupportedVersion // CONNECT's protocol level is neither 4 nor 5

	errorCount
)

var errorText = [...]string{
	ErrMalformed:          "mqtt: malformed packet",
	ErrProtocol:           "mqtt: protocol error",
	ErrIncomplete:         "mqtt: incomplete packet",
	ErrPacketTooLarge:     "mqtt: packet too large",
	ErrRemainingLength:    "mqtt: malformed remaining length",
	ErrReservedType:       "mqtt: reserved packet type",
	ErrBadFlags:           "mqtt: bad fixed-header flags",
	ErrTruncated:          "mqtt: packet truncated",
	ErrTrailingBytes:      "mqtt: trailing bytes in packet",
	ErrBadUTF8:            "mqtt: string is not well-formed UTF-8",
	ErrNullChar:           "mqtt: string contains U+0000",
	ErrBadVarint:          "mqtt: malformed variable byte integer",
	ErrBadProperty:        "mqtt: unknown property",
	ErrPropertyNotAllowed: "mqtt: property not allowed in this packet",
	ErrBadQoS:             "mqtt: bad QoS",
	ErrBadTopicName:       "mqtt: invalid topic name",
	ErrBadTopicFilter:     "mqtt: invalid topic filter",
	ErrBadReasonCode:      "mqtt: reason code not allowed in this packet",
	ErrBadConnectFlags:    "mqtt: bad CONNECT flags",
	ErrBadConnackFlags:    "mqtt: bad CONNACK flags",
	ErrNoPayload:          "mqtt: packet without a single entry",
	ErrBadSubOptions:      "mqtt: bad subscription options",
	ErrStringTooLong:      "mqtt: string longer than 65535 bytes",
	ErrBadProtocolName:    "mqtt: protocol name is not MQTT",
	ErrZeroPacketID:       "mqtt: packet identifier 0",
	ErrDuplicateProperty:  "mqtt: property included twice",
	ErrBadPropertyValue:   "mqtt: forbidden property value",
	ErrUnsupportedVersion: "mqtt: unsupported protocol version",
}

// Error returns a constant string.
func (e Error) Error() string {
	if int(e) < len(errorText) && errorText[e] != "" {
		return errorText[e]
	}
	return "mqtt: unknown codec error"
}

// kind is ErrMalformed or ErrProtocol for the specific errors, else e.
func (e Error) kind() Error {
	switch {
	case e == ErrDuplicateProperty || e == ErrBadPropertyValue || e == ErrUnsupportedVersion:
		return ErrProtocol
	case e >= ErrRemainingLength && e < errorCount:
		return ErrMalformed
	}
	return e
}

// Is makes each specific error match its kind.
func (e Error) Is(target error) bool {
	t, ok := target.(Error)
	return ok && (t == e || t == e.kind())
}

// ReasonCode is the 5.0 reason code that reports e in a DISCONNECT (or a
// CONNACK): 0x81, 0x82, 0x84 or 0x95.
func (e Error) ReasonCode() ReasonCode {
	switch {
	case e == ErrPacketTooLarge:
		return PacketTooLarge
	case e == ErrUnsupportedVersion:
		return UnsupportedProtocolVersion
	case e.kind() == ErrProtocol:
		return ProtocolError
	}
	return MalformedPacket
}
