package mqtt

import (
	"strconv"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
)

// Error is a client error, comparable with errors.Is and free of
// allocation.
type Error uint8

const (
	// ErrQueueFull: the outgoing queue (Config.QueueBytes) has no room
	// for the packet; retry after OnDelivered has reported earlier ones.
	ErrQueueFull Error = iota + 1
	// ErrInvalidTopic: a topic name or filter breaks the rules of
	// section 4.7 (packet.ValidTopicName, packet.ValidTopicFilter).
	ErrInvalidTopic
	// ErrInvalidQoS: QoS above 2.
	ErrInvalidQoS
	// ErrInvalidConfig: a Config value that cannot work.
	ErrInvalidConfig
	// ErrKeepAliveTimeout: a PINGREQ stayed unanswered for PingTimeout.
	ErrKeepAliveTimeout
	// ErrConnectTimeout: no CONNACK within ConnectTimeout of the start of
	// the attempt.
	ErrConnectTimeout
	// ErrRefused: the broker refused the connection; the error is a
	// *ReasonError with its reason code.
	ErrRefused
	// ErrClosed: Disconnect was called, or the client gave up.
	ErrClosed
	// ErrNotConnected: a QoS 0 message published while not connected is
	// dropped, not queued.
	ErrNotConnected
	// ErrConnectionLost: the connection ended before the message (or
	// subscription) was acknowledged; QoS 0 messages queued at that moment
	// are dropped with it.
	ErrConnectionLost
	// ErrBrokerClosed: the broker closed the connection (TCP FIN) without
	// a DISCONNECT.
	ErrBrokerClosed
	// ErrDisconnected: the broker sent DISCONNECT (5.0); a *ReasonError
	// carries its reason code and string.
	ErrDisconnected
	// ErrSubscribeFailed: the broker refused a subscription; a
	// *ReasonError carries the SUBACK reason code.
	ErrSubscribeFailed
	// ErrUnsubscribeFailed: the broker refused an unsubscription (5.0).
	ErrUnsubscribeFailed
	// ErrPublishFailed: the broker refused a QoS 1 or 2 message (5.0
	// PUBACK or PUBREC reason code of 0x80 or above).
	ErrPublishFailed
	// ErrQoSNotSupported: the broker's Maximum QoS is lower (5.0).
	ErrQoSNotSupported
	// ErrRetainNotSupported: the broker does not keep retained messages
	// (5.0 Retain Available 0).
	ErrRetainNotSupported
	// ErrNoAddress: the broker's name resolved to no IPv4 address.
	ErrNoAddress
	// ErrPacketIDs: all 65,535 packet identifiers are in use.
	ErrPacketIDs
)

// The codec's error kinds, re-exported: errors.Is(err, ErrMalformed)
// matches every decoding error (packet.ErrBadUTF8, ...).
const (
	// ErrMalformed: the broker sent bytes that break the encoding rules.
	ErrMalformed = packet.ErrMalformed
	// ErrProtocol: the broker broke the protocol (an unexpected packet, a
	// forbidden property value, an unknown topic alias, ...).
	ErrProtocol = packet.ErrProtocol
	// ErrPacketTooLarge: a packet over the size limit, incoming
	// (Config.MaxPacketSize) or outgoing (the broker's Maximum Packet
	// Size, or the whole queue).
	ErrPacketTooLarge = packet.ErrPacketTooLarge
)

var errorText = [...]string{
	ErrQueueFull:          "mqtt: outgoing queue full",
	ErrInvalidTopic:       "mqtt: invalid topic",
	ErrInvalidQoS:         "mqtt: invalid QoS",
	ErrInvalidConfig:      "mqtt: invalid configuration",
	ErrKeepAliveTimeout:   "mqtt: keep-alive timeout (no PINGRESP)",
	ErrConnectTimeout:     "mqtt: connect timeout",
	ErrRefused:            "mqtt: connection refused",
	ErrClosed:             "mqtt: client closed",
	ErrNotConnected:       "mqtt: not connected (QoS 0 message dropped)",
	ErrConnectionLost:     "mqtt: connection lost",
	ErrBrokerClosed:       "mqtt: broker closed the connection",
	ErrDisconnected:       "mqtt: broker sent DISCONNECT",
	ErrSubscribeFailed:    "mqtt: subscription refused",
	ErrUnsubscribeFailed:  "mqtt: unsubscription refused",
	ErrPublishFailed:      "mqtt: publish refused",
	ErrQoSNotSupported:    "mqtt: QoS not supported by the broker",
	ErrRetainNotSupported: "mqtt: retain not supported by the broker",
	ErrNoAddress:          "mqtt: broker name has no IPv4 address",
	ErrPacketIDs:          "mqtt: no free packet identifier",
}

// Error returns a constant string.
func (e Error) Error() string {
	if int(e) < len(errorText) && errorText[e] != "" {
		return errorText[e]
	}
	return "mqtt: unknown error"
}

// Timeout reports whether the error is a timeout, as net.Error does.
func (e Error) Timeout() bool { return e == ErrKeepAliveTimeout || e == ErrConnectTimeout }

// ReasonError is an error that the broker reported with a reason code: a
// refused CONNECT (Kind ErrRefused), a DISCONNECT (ErrDisconnected), a
// refused SUBSCRIBE, UNSUBSCRIBE or PUBLISH. errors.Is matches its Kind.
type ReasonError struct {
	Kind Error
	Code ReasonCode // the 5.0 reason code (3.1.1 CONNACK codes translated)
	// Reason is the 5.0 Reason String, if the broker sent one.
	Reason string
	// ServerReference is the 5.0 Server Reference of a CONNACK or
	// DISCONNECT (Use another server, Server moved), if any.
	ServerReference string
}

func (e *ReasonError) Error() string {
	s := e.Kind.Error() + ": " + e.Code.String() + " (0x" + strconv.FormatUint(uint64(e.Code), 16) + ")"
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// Unwrap returns the Kind.
func (e *ReasonError) Unwrap() error { return e.Kind }

// reasonError builds a ReasonError from a packet's code and properties;
// it copies the strings (the packet's bytes are the receive buffer's).
func reasonError(kind Error, code ReasonCode, p *Properties) *ReasonError {
	e := &ReasonError{Kind: kind, Code: code}
	if p != nil {
		e.Reason = string(p.ReasonString)
		e.ServerReference = string(p.ServerReference)
	}
	return e
}

// fatalRefusal reports the CONNACK refusals that another attempt cannot
// cure: the client gives up instead of reconnecting.
func fatalRefusal(c ReasonCode) bool {
	switch c {
	case packet.UnsupportedProtocolVersion, packet.ClientIdentifierNotValid, packet.BadUserNameOrPassword,
		packet.NotAuthorized, packet.Banned, packet.BadAuthenticationMethod, packet.MalformedPacket,
		packet.ProtocolError, packet.PacketTooLarge, packet.TopicNameInvalid, packet.PayloadFormatInvalid,
		packet.RetainNotSupported, packet.QoSNotSupported:
		return true
	}
	return false
}

// ProtocolError is a protocol violation by the broker that the client,
// rather than the codec, noticed. errors.Is matches ErrProtocol; Code is
// the reason the client's 5.0 DISCONNECT gives.
type ProtocolError struct {
	Code   ReasonCode
	Detail string
}

func (e *ProtocolError) Error() string { return "mqtt: protocol error: " + e.Detail }

// Unwrap returns ErrProtocol.
func (e *ProtocolError) Unwrap() error { return ErrProtocol }

var (
	errUnexpected     = &ProtocolError{packet.ProtocolError, "unexpected packet from the broker"}
	errSessionPresent = &ProtocolError{packet.ProtocolError, "session present after a clean session"}
	errTopicAlias     = &ProtocolError{packet.TopicAliasInvalid, "unknown or out-of-range topic alias"}
	errReceiveMaximum = &ProtocolError{packet.ReceiveMaximumExceeded, "more unacknowledged QoS 2 messages than Receive Maximum"}
	errAckCount       = &ProtocolError{packet.ProtocolError, "acknowledgement with the wrong number of reason codes"}
	errAckEarly       = &ProtocolError{packet.ProtocolError, "acknowledgement of a packet not yet sent"}
)
