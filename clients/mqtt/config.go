package mqtt

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
	"github.com/seed947b3480/legation/dns"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tcp"
)

// Version is the protocol version the client speaks.
type Version = packet.Version

// The protocol versions.
const (
	V311 = packet.V311
	V5   = packet.V5
)

// QoS is a delivery guarantee.
type QoS = packet.QoS

// The three QoS levels.
const (
	AtMostOnce  = packet.AtMostOnce
	AtLeastOnce = packet.AtLeastOnce
	ExactlyOnce = packet.ExactlyOnce
)

// ReasonCode is an MQTT 5.0 reason code; packet names them all.
type ReasonCode = packet.ReasonCode

// Properties are the 5.0 properties of a packet (see packet.Properties).
type Properties = packet.Properties

// Host is what the client needs from the stack; *stack.Stack satisfies
// it. DialTCP is used only by the default Dialer.
type Host interface {
	DialTCP(remote netip.AddrPort, cfg tcp.Config) (*tcp.Conn, error)
	Now() reactor.Instant
}

// DefaultPort is the broker port when Config.Broker names none.
const DefaultPort = 1883

// Config sets up a Client. Zero values mean the documented defaults.
type Config struct {
	// Broker is "host", "host:port", "a.b.c.d" or "a.b.c.d:port"; the
	// port defaults to 1883. A name needs Resolver.
	Broker   string
	Resolver *dns.Resolver
	// Dialer opens the byte stream; nil dials plain TCP over the host
	// with TCP (NoDelay forced on: MQTT's packets are small and waiting
	// for Nagle's algorithm only adds latency). TLS slots in here.
	Dialer stream.Dialer
	TCP    tcp.Config

	// Version is V311 (also when 0) or V5.
	Version Version
	// ClientID may be empty: with CleanStart, or under 5.0, the broker
	// then assigns one (5.0 reports it: Client.ClientID).
	ClientID string
	Username string
	Password []byte
	// CleanStart starts a new session. Under 3.1.1 it is the Clean
	// Session flag of every CONNECT. Under 5.0 it applies to the first
	// connection; reconnections ask to resume the session when
	// SessionExpiry is not zero.
	CleanStart bool
	// SessionExpiry is how long the broker keeps the session after the
	// connection closes (5.0; 0 ends it with the connection, a negative
	// value never expires it). Whole seconds.
	SessionExpiry time.Duration
	// KeepAlive is the longest the client stays silent: after that it
	// sends PINGREQ. 0 means 60 s, negative turns keep-alive off. Whole
	// seconds, at most 65535 s. A 5.0 broker may impose its own.
	KeepAlive time.Duration
	// PingTimeout is how long a PINGREQ may stay unanswered before the
	// connection is declared dead (ErrKeepAliveTimeout). 0 means the
	// smaller of KeepAlive and 10 s.
	PingTimeout time.Duration
	Will        *Will
	// ConnectTimeout bounds a connection attempt: name lookup, dial (and
	// TLS handshake) and CONNACK; also the wait for Disconnect's close.
	// 0 means 10 s.
	ConnectTimeout time.Duration
	// ReconnectMin and ReconnectMax bound the delay before a reconnection
	// attempt: ReconnectMin doubled per consecutive failure up to
	// ReconnectMax, of which a random half is taken off (jitter). 0 means
	// 1 s and 2 min.
	ReconnectMin, ReconnectMax time.Duration
	// NoReconnect makes the first lost connection, or failed attempt,
	// final.
	NoReconnect bool
	// Seed seeds the reconnection jitter; 0 takes one from crypto/rand.
	Seed uint64

	// MaxInflight bounds outgoing QoS 1 and 2 messages awaiting their
	// acknowledgement (further ones wait in the queue); the broker's
	// Receive Maximum lowers it. 0 means 16; at most 65535.
	MaxInflight int
	// QueueBytes is the room for outgoing PUBLISH packets, encoded, from
	// Publish until written (QoS 0) or acknowledged (QoS 1 and 2). Beyond
	// it Publish fails with ErrQueueFull. 0 means 64 KiB.
	QueueBytes int
	// MaxPacketSize is the largest packet accepted from the broker (5.0
	// announces it as Maximum Packet Size); a larger one ends the
	// connection with ErrPacketTooLarge. It is also the size of the
	// buffer that reassembles a packet split in the receive ring. 0 means
	// 64 KiB; at least 128.
	MaxPacketSize int
	// ReceiveMaximum is how many incoming QoS 1 and 2 messages may be
	// unacknowledged at once (5.0 announces it; a broker that exceeds it
	// is disconnected with reason 0x93). 0 means 16; at most 65535.
	ReceiveMaximum int
	// TopicAliasMaximum is how many topic aliases the broker may set up
	// (5.0). 0 means 16, negative none; at most 65535.
	TopicAliasMaximum int
	// SendTopicAliases is how many topic aliases the client sets up for
	// its own PUBLISH packets (5.0), never more than the broker allows: the
	// first topics published get one each, in order. 0 means 16,
	// negative none.
	SendTopicAliases int

	// OnConnect runs after each successful CONNACK.
	OnConnect func(sessionPresent bool)
	// OnConnectionLost runs when a connection that had been established
	// ends for any reason but Disconnect.
	OnConnectionLost func(err error)
	// OnConnectFailed runs when a connection attempt fails before its
	// CONNACK (lookup, dial, refusal, timeout).
	OnConnectFailed func(err error)
	// OnDelivered reports the end of each Publish: nil when a QoS 0
	// message was written, a QoS 1 message acknowledged (PUBACK) or a
	// QoS 2 message completed (PUBCOMP); else why not. For QoS 0 it may
	// run inside Publish.
	OnDelivered func(t Token, err error)
	// OnMessage receives the messages no subscription handler took.
	OnMessage func(m *Message)
}

// Will is the message the broker publishes when the client's connection
// ends without a DISCONNECT.
type Will struct {
	Topic   string
	Payload []byte
	QoS     QoS
	Retain  bool
	// Delay postpones the will (5.0 Will Delay Interval), whole seconds.
	Delay time.Duration
	// Properties are the will's other 5.0 properties (content type,
	// message expiry, ...); Will Delay Interval is set from Delay.
	Properties *Properties
}

const (
	defaultKeepAlive      = 60 * time.Second
	defaultPingTimeout    = 10 * time.Second
	defaultConnectTimeout = 10 * time.Second
	defaultReconnectMin   = time.Second
	defaultReconnectMax   = 2 * time.Minute
	defaultMaxInflight    = 16
	defaultQueueBytes     = 64 << 10
	defaultMaxPacketSize  = 64 << 10
	defaultReceiveMaximum = 16
	defaultTopicAliases   = 16
	minMaxPacketSize      = 128
)

// setDefaults fills in the defaults and checks what cannot be fixed.
func (cfg *Config) setDefaults() error {
	if cfg.Version == 0 {
		cfg.Version = V311
	}
	if cfg.Version != V311 && cfg.Version != V5 {
		return ErrInvalidConfig
	}
	switch {
	case cfg.KeepAlive == 0:
		cfg.KeepAlive = defaultKeepAlive
	case cfg.KeepAlive < 0:
		cfg.KeepAlive = 0
	case cfg.KeepAlive < time.Second:
		cfg.KeepAlive = time.Second
	case cfg.KeepAlive > 0xffff*time.Second:
		return ErrInvalidConfig
	}
	cfg.KeepAlive = cfg.KeepAlive.Truncate(time.Second)
	if cfg.PingTimeout <= 0 {
		cfg.PingTimeout = min(cfg.KeepAlive, defaultPingTimeout)
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = defaultConnectTimeout
	}
	if cfg.ReconnectMin <= 0 {
		cfg.ReconnectMin = defaultReconnectMin
	}
	if cfg.ReconnectMax <= 0 {
		cfg.ReconnectMax = defaultReconnectMax
	}
	cfg.ReconnectMax = max(cfg.ReconnectMax, cfg.ReconnectMin)
	if cfg.MaxInflight <= 0 {
		cfg.MaxInflight = defaultMaxInflight
	}
	cfg.MaxInflight = min(cfg.MaxInflight, 0xffff)
	if cfg.QueueBytes <= 0 {
		cfg.QueueBytes = defaultQueueBytes
	}
	if cfg.MaxPacketSize <= 0 {
		cfg.MaxPacketSize = defaultMaxPacketSize
	}
	cfg.MaxPacketSize = min(max(cfg.MaxPacketSize, minMaxPacketSize), packet.MaxPacketSize)
	if cfg.ReceiveMaximum <= 0 {
		cfg.ReceiveMaximum = defaultReceiveMaximum
	}
	cfg.ReceiveMaximum = min(cfg.ReceiveMaximum, 0xffff)
	switch {
	case cfg.TopicAliasMaximum == 0:
		cfg.TopicAliasMaximum = defaultTopicAliases
	case cfg.TopicAliasMaximum < 0:
		cfg.TopicAliasMaximum = 0
	}
	cfg.TopicAliasMaximum = min(cfg.TopicAliasMaximum, 0xffff)
	switch {
	case cfg.SendTopicAliases == 0:
		cfg.SendTopicAliases = defaultTopicAliases
	case cfg.SendTopicAliases < 0:
		cfg.SendTopicAliases = 0
	}
	cfg.SendTopicAliases = min(cfg.SendTopicAliases, 0xffff)
	if cfg.Version != V5 {
		cfg.TopicAliasMaximum, cfg.SendTopicAliases = 0, 0
	}
	if packet.ValidString(cfg.ClientID) != nil || packet.ValidString(cfg.Username) != nil || len(cfg.Password) > 0xffff {
		return ErrInvalidConfig
	}
	if cfg.Version == V311 && cfg.Password != nil && cfg.Username == "" {
		return ErrInvalidConfig // 3.1.1 3.1.2.9: no password without a user name
	}
	if cfg.Version == V311 && cfg.ClientID == "" && !cfg.CleanStart {
		return ErrInvalidConfig // 3.1.1 3.1.3.1: an empty client identifier needs a clean session
	}
	if w := cfg.Will; w != nil {
		if packet.ValidTopicName(w.Topic) != nil {
			return ErrInvalidTopic
		}
		if w.QoS > ExactlyOnce || len(w.Payload) > 0xffff {
			return ErrInvalidConfig
		}
	}
	return nil
}

// splitBroker parses Config.Broker into a host (a name or an address)
// and a port.
func splitBroker(s string) (host string, addr netip.Addr, port uint16, err error) {
	port = DefaultPort
	host = s
	if ap, e := netip.ParseAddrPort(s); e == nil {
		if ap.Port() == 0 {
			return "", netip.Addr{}, 0, ErrInvalidConfig
		}
		return ap.Addr().String(), ap.Addr(), ap.Port(), nil
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 && !strings.Contains(s[:i], ":") {
		p, e := strconv.ParseUint(s[i+1:], 10, 16)
		if e != nil || p == 0 {
			return "", netip.Addr{}, 0, ErrInvalidConfig
		}
		host, port = s[:i], uint16(p)
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		return "", netip.Addr{}, 0, ErrInvalidConfig
	}
	if a, e := netip.ParseAddr(host); e == nil {
		return host, a, port, nil
	}
	return host, netip.Addr{}, port, nil
}
