package mqtt

// Message is an incoming application message, handed to a subscription's
// handler or to Config.OnMessage. The client reuses it: it and everything
// it points to are valid only during the callback (strings.Clone and
// bytes.Clone keep what outlives it).
type Message struct {
	Topic   string
	Payload []byte
	QoS     QoS
	// Retain is set on a retained message sent because of a new
	// subscription (and, under 5.0 with Retain As Published, as published).
	Retain    bool
	Duplicate bool   // DUP: the broker may have sent it before
	PacketID  uint16 // QoS 1 and 2
	// Properties are the 5.0 PUBLISH properties (nil under 3.1.1): content
	// type, response topic, correlation data, user properties, ... The
	// topic alias is already resolved into Topic.
	Properties *Properties
}

// Token identifies a Publish in Config.OnDelivered. It counts up from 1
// and wraps after 2^32 publishes, skipping 0.
type Token uint32

// SubAck is the broker's answer to a subscription.
type SubAck struct {
	QoS    QoS        // the maximum QoS granted
	Reason ReasonCode // the SUBACK code: 0-2 granted, 0x80 and above refused
}

// Stats counts what the client did. Counters only grow.
type Stats struct {
	Connects        uint64 // CONNACKs accepted
	Reconnects      uint64 // of which after a lost connection or a failed attempt
	ConnectFailures uint64 // attempts that ended before an accepted CONNACK
	ConnectionsLost uint64 // established connections that ended (Disconnect excepted)
	Published       uint64 // Publish calls accepted
	Delivered       uint64 // OnDelivered reports of success
	Failed          uint64 // OnDelivered reports of failure
	Dropped         uint64 // QoS 0 messages queued when their connection was lost
	Received        uint64 // messages handed to the application
	Duplicates      uint64 // QoS 2 messages received again before PUBREL, not handed over
	Retransmitted   uint64 // PUBLISH (DUP) and PUBREL sent again after a reconnection
	PingsSent       uint64
	PingsAnswered   uint64
	Malformed       uint64 // connections ended by a malformed packet or a protocol error
	BytesSent       uint64 // bytes of packets written to the stream
	BytesReceived   uint64 // bytes of packets read from the stream
}
