package packet

// Type is a control packet type, the high nibble of the first byte.
type Type uint8

// The control packet types of MQTT 3.1.1 (section 2.2.1) and 5.0 (2.1.2).
const (
	CONNECT     Type = 1
	CONNACK     Type = 2
	PUBLISH     Type = 3
	PUBACK      Type = 4
	PUBREC      Type = 5
	PUBREL      Type = 6
	PUBCOMP     Type = 7
	SUBSCRIBE   Type = 8
	SUBACK      Type = 9
	UNSUBSCRIBE Type = 10
	UNSUBACK    Type = 11
	PINGREQ     Type = 12
	PINGRESP    Type = 13
	DISCONNECT  Type = 14
	AUTH        Type = 15 // 5.0 only; reserved in 3.1.1
)

var typeNames = [...]string{
	CONNECT: "CONNECT", CONNACK: "CONNACK", PUBLISH: "PUBLISH", PUBACK: "PUBACK",
	PUBREC: "PUBREC", PUBREL: "PUBREL", PUBCOMP: "PUBCOMP", SUBSCRIBE: "SUBSCRIBE",
	SUBACK: "SUBACK", UNSUBSCRIBE: "UNSUBSCRIBE", UNSUBACK: "UNSUBACK",
	PINGREQ: "PINGREQ", PINGRESP: "PINGRESP", DISCONNECT: "DISCONNECT", AUTH: "AUTH",
}

func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return "RESERVED"
}

// fixedFlags is the flags nibble a packet type must carry; PUBLISH's flags
// are variable and checked on their own.
func (t Type) fixedFlags() uint8 {
	switch t {
	case PUBREL, SUBSCRIBE, UNSUBSCRIBE:
		return 0b0010
	}
	return 0
}

// Version is the protocol level of CONNECT.
type Version uint8

const (
	V311 Version = 4 // MQTT 3.1.1
	V5   Version = 5 // MQTT 5.0
)

func (v Version) String() string {
	switch v {
	case V311:
		return "3.1.1"
	case V5:
		return "5.0"
	}
	return "unknown"
}

// QoS is a delivery guarantee.
type QoS uint8

const (
	AtMostOnce  QoS = 0
	AtLeastOnce QoS = 1
	ExactlyOnce QoS = 2
)

// MaxRemainingLength is the largest remaining length a four-byte variable
// byte integer holds (268,435,455).
const MaxRemainingLength = 1<<28 - 1

// MaxPacketSize is the largest packet there can be: the first byte, four
// bytes of remaining length, and the remaining length.
const MaxPacketSize = 1 + 4 + MaxRemainingLength

// MaxSubscriptionID is the largest subscription identifier (5.0 3.8.2.1.2).
const MaxSubscriptionID = MaxRemainingLength
