// Package mqtt is an MQTT client (3.1.1 and 5.0) that runs as a poll task
// on legation's reactor, over any byte stream (stream.Conn): plain TCP
// from the stack by default, TLS once a TLS dialer is given as
// Config.Dialer. The client never touches the stream's type; the API does
// not change with it.
//
// # Use
//
//	c, err := mqtt.New(stack, mqtt.Config{Broker: "10.0.0.1", ClientID: "dev-1",
//		OnMessage: func(m *mqtt.Message) { ... }})
//	c.Spawn(r)                                      // connects, and keeps connecting
//	c.Subscribe("cmd/dev-1/#", mqtt.AtLeastOnce, handler)
//	tok, err := c.Publish("tele/dev-1/temp", payload, mqtt.AtLeastOnce, false)
//
// Everything runs on the reactor goroutine: the methods, and the
// callbacks (OnConnect, OnConnectionLost, OnConnectFailed, OnDelivered,
// OnMessage, subscription handlers), which may call the methods again.
// Messages reach the application as a *Message (topic, payload, QoS,
// retain, duplicate, 5.0 properties) valid during the callback only: the
// topic and payload are views of the receive buffer, not copies.
//
// # Connection
//
// A connection attempt looks the broker's name up (Config.Resolver; an IP
// literal is dialled directly), dials through Config.Dialer, sends CONNECT
// (client identifier, credentials, will with its 5.0 delay and properties,
// clean start, keep-alive, and under 5.0 Session Expiry, Receive Maximum,
// Maximum Packet Size and Topic Alias Maximum) and waits for CONNACK, all
// within ConnectTimeout. A refusal carries its reason code in a
// *ReasonError (3.1.1 return codes are translated to the 5.0 codes). One
// that no retry can cure (bad credentials, not authorized, banned, bad
// client identifier, unsupported version, ...) ends the client and fails
// ConnectFuture; any other failure, and any lost connection, is followed by
// a new attempt after ReconnectMin doubled per consecutive failure up to
// ReconnectMax, less a random part of up to half (seeded by Config.Seed;
// time comes from the reactor, never the wall clock). Under 5.0 the CONNACK's
// Server Keep Alive, Receive Maximum, Maximum Packet Size, Topic Alias
// Maximum, Maximum QoS, Retain Available, Subscription Identifiers
// Available and Assigned Client Identifier are obeyed. Disconnect sends
// DISCONNECT (so the will is not published) and closes for good.
//
// Keep-alive: after KeepAlive without sending anything the client sends
// PINGREQ; a PINGREQ unanswered for PingTimeout ends the connection with
// ErrKeepAliveTimeout (and a reconnection).
//
// # Session
//
// Outgoing PUBLISH packets wait, encoded, in a fixed ring of QueueBytes
// (queue.go) from Publish until written (QoS 0) or acknowledged (QoS 1:
// PUBACK; QoS 2: PUBREC, then PUBREL, then PUBCOMP); a full ring is
// ErrQueueFull, and OnDelivered reports each message's end with its token.
// Messages are sent in order; at most min(MaxInflight, the broker's
// Receive Maximum) QoS 1 and 2 messages are unacknowledged at once, the
// others wait. Packet identifiers are given at the first send, skipping
// those in use, and kept for the message's life. After a reconnection with
// the session present, the unacknowledged PUBLISH packets go again with DUP
// and their identifiers, in order, and the PUBRELs of QoS 2 messages past
// PUBREC go again. Without the session, the client makes every
// subscription again, sends unacknowledged QoS 1 and 2 messages again as
// new ones (without DUP; QoS 1 may arrive twice, as it may anyway), counts
// QoS 2 messages past PUBREC as delivered (the broker had taken them), and
// forgets the QoS 2 identifiers it was holding for the broker.
//
// QoS 0 is at most once, literally: Publish refuses one with
// ErrNotConnected while not connected rather than queue it, and QoS 0
// messages still queued when a connection is lost are dropped
// (OnDelivered with ErrConnectionLost).
//
// Under 3.1.1, Config.CleanStart is every CONNECT's Clean Session flag.
// Under 5.0 it applies to the first connection; reconnections ask to resume
// the session when SessionExpiry is not zero.
//
// # Incoming messages
//
// QoS 1 messages are acknowledged after the handlers return. QoS 2
// messages are delivered when their PUBLISH arrives and acknowledged with
// PUBREC; their identifier is held (a bitmap of all 65,535, so no broker can
// overflow it) until PUBREL, and a PUBLISH with a held identifier is a
// duplicate: acknowledged again, not delivered again. Under 5.0 more held
// identifiers than ReceiveMaximum is a protocol error (reason 0x93).
// Topic aliases from the broker are resolved (up to TopicAliasMaximum);
// the client sets up aliases for its own topics when the broker accepts
// them (the first SendTopicAliases topics published get one each).
//
// Subscriptions route messages to their handlers: under 5.0 by
// subscription identifier (the client gives each subscription one, when
// the broker supports them), else, and for identifiers that name no live
// subscription, by matching the filters (wildcards, $-topics, shared
// subscriptions); a message that matches no handler goes to
// Config.OnMessage. Under 3.1.1 a message matching several subscriptions
// reaches each of their handlers.
//
// Input is read with ReadLease and decoded in place (package packet); a
// packet split by the receive ring's wrap, or still arriving, is gathered
// in a reassembly buffer of MaxPacketSize, allocated once. A packet over
// MaxPacketSize ends the connection with ErrPacketTooLarge. Acknowledgements
// and PINGREQ go through a small control buffer; input pauses while it is
// full, so a broker that does not read its socket cannot make the client
// buffer without bound.
//
// # Errors
//
// Nothing a broker sends can make the client panic. A malformed packet or
// a protocol violation (an unexpected packet type, a bad topic alias, too
// many QoS 2 messages, ...) ends the connection with a typed error that
// errors.Is matches against ErrMalformed or ErrProtocol (the codec's
// specific error, e.g. packet.ErrBadUTF8, or a *ProtocolError); a 5.0
// client first sends DISCONNECT with the matching reason code (0x81, 0x82,
// 0x93, 0x94, 0x95). OnConnectionLost hears of it and the client
// reconnects. A DISCONNECT from the broker is a *ReasonError with its
// reason code, reason string and server reference.
//
// # Memory
//
// New allocates what the client will use: the queue (QueueBytes), the
// reassembly buffer (MaxPacketSize), the table of identifiers in flight
// (MaxInflight), the QoS 2 bitmap (8 KiB) and, under 5.0, the alias
// tables (whose entries grow to the longest topic seen). Connected, a
// Publish of QoS 0 or 1 and a received message allocate nothing; a
// connection, a subscription and a new topic alias do. With fixed buffers
// in Config.TCP every connection reuses them, so a failed one is aborted
// rather than closed (a 5.0 DISCONNECT reason may then not reach the
// broker).
//
// What it does not do: enhanced authentication (AUTH), MQTT 3.1
// ("MQIsdp"), persistence of the session across restarts of the program,
// or flow control of the application (a handler that is slow holds the
// reactor). Request/response (Response Topic, Correlation Data) is
// available through PublishWith and Message.Properties, not as an API of
// its own.
package mqtt
