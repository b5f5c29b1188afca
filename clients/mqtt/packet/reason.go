package packet

// ReasonCode is an MQTT 5.0 reason code (section 2.4). MQTT 3.1.1's CONNACK
// return codes and SUBACK return codes are carried in the same type: the
// decoder stores them as they came, and V311ConnackCode translates a 3.1.1
// CONNACK code into its 5.0 equivalent for callers that want one set.
type ReasonCode uint8

// The reason codes of MQTT 5.0 (table 2-6), named as in the specification.
const (
	Success                             ReasonCode = 0x00 // also Normal disconnection, Granted QoS 0
	GrantedQoS1                         ReasonCode = 0x01
	GrantedQoS2                         ReasonCode = 0x02
	DisconnectWithWill                  ReasonCode = 0x04
	NoMatchingSubscribers               ReasonCode = 0x10
	NoSubscriptionExisted               ReasonCode = 0x11
	ContinueAuthentication              ReasonCode = 0x18
	ReAuthenticate                      ReasonCode = 0x19
	UnspecifiedError                    ReasonCode = 0x80
	MalformedPacket                     ReasonCode = 0x81
	ProtocolError                       ReasonCode = 0x82
	ImplementationSpecificError         ReasonCode = 0x83
	UnsupportedProtocolVersion          ReasonCode = 0x84
	ClientIdentifierNotValid            ReasonCode = 0x85
	BadUserNameOrPassword               ReasonCode = 0x86
	NotAuthorized                       ReasonCode = 0x87
	ServerUnavailable                   ReasonCode = 0x88
	ServerBusy                          ReasonCode = 0x89
	Banned                              ReasonCode = 0x8A
	ServerShuttingDown                  ReasonCode = 0x8B
	BadAuthenticationMethod             ReasonCode = 0x8C
	KeepAliveTimeout                    ReasonCode = 0x8D
	SessionTakenOver                    ReasonCode = 0x8E
	TopicFilterInvalid                  ReasonCode = 0x8F
	TopicNameInvalid                    ReasonCode = 0x90
	PacketIdentifierInUse               ReasonCode = 0x91
	PacketIdentifierNotFound            ReasonCode = 0x92
	ReceiveMaximumExceeded              ReasonCode = 0x93
	TopicAliasInvalid                   ReasonCode = 0x94
	PacketTooLarge                      ReasonCode = 0x95
	MessageRateTooHigh                  ReasonCode = 0x96
	QuotaExceeded                       ReasonCode = 0x97
	AdministrativeAction                ReasonCode = 0x98
	PayloadFormatInvalid                ReasonCode = 0x99
	RetainNotSupported                  ReasonCode = 0x9A
	QoSNotSupported                     ReasonCode = 0x9B
	UseAnotherServer                    ReasonCode = 0x9C
	ServerMoved                         ReasonCode = 0x9D
	SharedSubscriptionsNotSupported     ReasonCode = 0x9E
	ConnectionRateExceeded              ReasonCode = 0x9F
	MaximumConnectTime                  ReasonCode = 0xA0
	SubscriptionIdentifiersNotSupported ReasonCode = 0xA1
	WildcardSubscriptionsNotSupported   ReasonCode = 0xA2
)

// Aliases for the codes whose value 0x00 has another name in some packets.
const (
	NormalDisconnection = Success
	GrantedQoS0         = Success
)

// The CONNACK return codes of MQTT 3.1.1 (table 3.1).
const (
	V311Accepted                    ReasonCode = 0
	V311UnacceptableProtocolVersion ReasonCode = 1
	V311IdentifierRejected          ReasonCode = 2
	V311ServerUnavailable           ReasonCode = 3
	V311BadUserNameOrPassword       ReasonCode = 4
	V311NotAuthorized               ReasonCode = 5
	// V311SubackFailure is 3.1.1's SUBACK failure return code.
	V311SubackFailure ReasonCode = 0x80
)

// V311ConnackCode maps a 3.1.1 CONNACK return code to the 5.0 reason code
// that means the same; codes 6-255 (reserved) map to UnspecifiedError.
func V311ConnackCode(c ReasonCode) ReasonCode {
	switch c {
	case V311Accepted:
		return Success
	case V311UnacceptableProtocolVersion:
		return UnsupportedProtocolVersion
	case V311IdentifierRejected:
		return ClientIdentifierNotValid
	case V311ServerUnavailable:
		return ServerUnavailable
	case V311BadUserNameOrPassword:
		return BadUserNameOrPassword
	case V311NotAuthorized:
		return NotAuthorized
	}
	return UnspecifiedError
}

// IsError reports whether the code reports a failure (0x80 and above).
func (c ReasonCode) IsError() bool { return c >= 0x80 }

var reasonNames = map[ReasonCode]string{
	Success: "success", GrantedQoS1: "granted QoS 1", GrantedQoS2: "granted QoS 2",
	DisconnectWithWill: "disconnect with will message", NoMatchingSubscribers: "no matching subscribers",
	NoSubscriptionExisted: "no subscription existed", ContinueAuthentication: "continue authentication",
	ReAuthenticate: "re-authenticate", UnspecifiedError: "unspecified error", MalformedPacket: "malformed packet",
	ProtocolError: "protocol error", ImplementationSpecificError: "implementation specific error",
	UnsupportedProtocolVersion: "unsupported protocol version", ClientIdentifierNotValid: "client identifier not valid",
	BadUserNameOrPassword: "bad user name or password", NotAuthorized: "not authorized",
	ServerUnavailable: "server unavailable", ServerBusy: "server busy", Banned: "banned",
	ServerShuttingDown: "server shutting down", BadAuthenticationMethod: "bad authentication method",
	KeepAliveTimeout: "keep alive timeout", SessionTakenOver: "session taken over",
	TopicFilterInvalid: "topic filter invalid", TopicNameInvalid: "topic name invalid",
	PacketIdentifierInUse: "packet identifier in use", PacketIdentifierNotFound: "packet identifier not found",
	ReceiveMaximumExceeded: "receive maximum exceeded", TopicAliasInvalid: "topic alias invalid",
	PacketTooLarge: "packet too large", MessageRateTooHigh: "message rate too high", QuotaExceeded: "quota exceeded",
	AdministrativeAction: "administrative action", PayloadFormatInvalid: "payload format invalid",
	RetainNotSupported: "retain not supported", QoSNotSupported: "QoS not supported",
	UseAnotherServer: "use another server", ServerMoved: "server moved",
	SharedSubscriptionsNotSupported: "shared subscriptions not supported",
	ConnectionRateExceeded:          "connection rate exceeded", MaximumConnectTime: "maximum connect time",
	SubscriptionIdentifiersNotSupported: "subscription identifiers not supported",
	WildcardSubscriptionsNotSupported:   "wildcard subscriptions not supported",
}

// String names the 5.0 reason code.
func (c ReasonCode) String() string {
	if s, ok := reasonNames[c]; ok {
		return s
	}
	return "unknown reason code"
}

// Which reason codes each 5.0 packet may carry (table 2-6), as bitsets over
// the 256 values.
type codeSet [4]uint64

func codes(cs ...ReasonCode) codeSet {
	var s codeSet
	for _, c := range cs {
		s[c>>6] |= 1 << (c & 63)
	}
	return s
}

func (s *codeSet) has(c ReasonCode) bool { return s[c>>6]&(1<<(c&63)) != 0 }

var (
	connackCodes = codes(Success, UnspecifiedError, MalformedPacket, ProtocolError, ImplementationSpecificError,
		UnsupportedProtocolVersion, ClientIdentifierNotValid, BadUserNameOrPassword, NotAuthorized,
		ServerUnavailable, ServerBusy, Banned, BadAuthenticationMethod, TopicNameInvalid, PacketTooLarge,
		QuotaExceeded, PayloadFormatInvalid, RetainNotSupported, QoSNotSupported, UseAnotherServer,
		ServerMoved, ConnectionRateExceeded)
	pubackCodes = codes(Success, NoMatchingSubscribers, UnspecifiedError, ImplementationSpecificError,
		NotAuthorized, TopicNameInvalid, PacketIdentifierInUse, QuotaExceeded, PayloadFormatInvalid)
	pubrelCodes = codes(Success, PacketIdentifierNotFound)
	subackCodes = codes(GrantedQoS0, GrantedQoS1, GrantedQoS2, UnspecifiedError, ImplementationSpecificError,
		NotAuthorized, TopicFilterInvalid, PacketIdentifierInUse, QuotaExceeded,
		SharedSubscriptionsNotSupported, SubscriptionIdentifiersNotSupported, WildcardSubscriptionsNotSupported)
	unsubackCodes = codes(Success, NoSubscriptionExisted, UnspecifiedError, ImplementationSpecificError,
		NotAuthorized, TopicFilterInvalid, PacketIdentifierInUse)
	disconnectCodes = codes(NormalDisconnection, DisconnectWithWill, UnspecifiedError, MalformedPacket,
		ProtocolError, ImplementationSpecificError, NotAuthorized, ServerBusy, ServerShuttingDown,
		KeepAliveTimeout, SessionTakenOver, TopicFilterInvalid, TopicNameInvalid, ReceiveMaximumExceeded,
		TopicAliasInvalid, PacketTooLarge, MessageRateTooHigh, QuotaExceeded, AdministrativeAction,
		PayloadFormatInvalid, RetainNotSupported, QoSNotSupported, UseAnotherServer, ServerMoved,
		SharedSubscriptionsNotSupported, ConnectionRateExceeded, MaximumConnectTime,
		SubscriptionIdentifiersNotSupported, WildcardSubscriptionsNotSupported)
	authCodes = codes(Success, ContinueAuthentication, ReAuthenticate)
	// 3.1.1 SUBACK return codes.
	v311SubackCodes = codes(0, 1, 2, V311SubackFailure)
)

// validReason reports whether a 5.0 packet of type t may carry code c.
func validReason(t Type, c ReasonCode) bool {
	switch t {
	case CONNACK:
		return connackCodes.has(c)
	case PUBACK, PUBREC:
		return pubackCodes.has(c)
	case PUBREL, PUBCOMP:
		return pubrelCodes.has(c)
	case SUBACK:
		return subackCodes.has(c)
	case UNSUBACK:
		return unsubackCodes.has(c)
	case DISCONNECT:
		return disconnectCodes.has(c)
	case AUTH:
		return authCodes.has(c)
	}
	return false
}
