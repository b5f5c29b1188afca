package app

import (
	"time"

	"github.com/seed947b3480/legation/clients/dhcp"
	"github.com/seed947b3480/legation/clients/mqtt"
	"github.com/seed947b3480/legation/clients/sntp"
	"github.com/seed947b3480/legation/dns"
	"github.com/seed947b3480/legation/servers/httpd"
)

// Defaults of Config.
const (
	DefaultName      = "legation-demo"
	DefaultModel     = "legation example device"
	DefaultHTTPPort  = 80
	DefaultHTTPSPort = 443
	// DefaultHTTPSMaxConns bounds the HTTPS server's connections: each
	// holds a TLS session's record buffers (about 40 KiB) while it lives.
	DefaultHTTPSMaxConns = 8
	DefaultMQTTEvery     = 5 * time.Second

	// The device's own sizes for its clients, smaller than the clients'
	// general defaults (64 KiB each): its messages are a few hundred
	// bytes, its commands at most maxCommand, its lookups one A record.
	DefaultMQTTQueueBytes    = 8 << 10
	DefaultMQTTMaxPacketSize = 8 << 10
	DefaultDNSMaxTCPMessage  = 4 << 10
	// DefaultMQTTTCPBuffer is the size of each of the MQTT connection's
	// TCP rings, made once with the client when MQTTClient.TCP names no
	// buffers, pool or dialer of its own.
	DefaultMQTTTCPBuffer = 8 << 10
)

// Config is what examples/device's flags carry. Zero values take the
// documented defaults; MQTT and NTP are off unless named.
type Config struct {
	// Name, Model and Firmware identify the device on the dashboard.
	// Defaults DefaultName, DefaultModel, "dev".
	Name, Model, Firmware string
	// Link names the link on the dashboard ("loopback", "tap:tap0", ...).
	Link string
	// HTTPPort is the dashboard's port. Default 80.
	HTTPPort uint16
	// HTTP sets the server's limits (connections, request buffers, TCP
	// buffer pool); the zero value is httpd's defaults.
	HTTP httpd.Config
	// TLS, when set, serves the dashboard over HTTPS too, on HTTPSPort,
	// its live feed as WSS: a *tlsstream.Acceptor with the device's
	// certificate (see examples/device's -tls-cert and -tls-key). The
	// HTTPS server has HTTP's limits but at most HTTPSMaxConns
	// connections. nil: HTTP only.
	TLS httpd.Securer
	// HTTPSPort is the HTTPS port. Default 443.
	HTTPSPort uint16
	// HTTPSMaxConns bounds HTTPS connections. Default
	// DefaultHTTPSMaxConns.
	HTTPSMaxConns int
	// LogLines and UpdateInterval size the dashboard's log ring and pace
	// its live feed (dashboard's defaults when zero).
	LogLines       int
	UpdateInterval time.Duration
	// Heartbeat is the interval of a debug line in the log; 0: none.
	Heartbeat time.Duration
	// DHCP is the client that keeps the stack's lease, if any: its state
	// is logged and shown.
	DHCP *dhcp.Client

	// MQTT is the broker, "host", "host:port", "a.b.c.d" or
	// "a.b.c.d:port" (port 1883 by default); a name is looked up with
	// the stack's DNS servers. Empty: no MQTT.
	MQTT string
	// MQTTPrefix is the device's topic prefix. Default "legation/" + Name.
	MQTTPrefix string
	// MQTTEvery is the telemetry interval. Default 5 s.
	MQTTEvery time.Duration
	// MQTTClient tunes the client (version, keep-alive, queue, packet
	// size, TCP buffers, reconnection); without TCP buffers of its own
	// the client gets two of DefaultMQTTTCPBuffer bytes, made once and
	// used by every connection; Broker, Resolver, ClientID (unless
	// set), Will, Seed and the callbacks are the app's. QueueBytes and
	// MaxPacketSize default to DefaultMQTTQueueBytes and
	// DefaultMQTTMaxPacketSize: a larger command ends the connection
	// (mqtt.ErrPacketTooLarge) and the client reconnects.
	MQTTClient mqtt.Config

	// NTP is the NTP server, "a.b.c.d", "a.b.c.d:port" or a name (port
	// 123 by default). Empty: the stack's NTP servers if NTPFromStack,
	// else no SNTP.
	NTP string
	// NTPFromStack syncs with the stack's NTP servers (those of the DHCP
	// lease) when NTP is empty.
	NTPFromStack bool
	// SNTP tunes the client (timeouts, poll interval); Servers, Port and
	// Seed are the app's.
	SNTP sntp.Config
	// DNS tunes the resolver, made only when MQTT or NTP is a name.
	// MaxTCPMessage defaults to DefaultDNSMaxTCPMessage.
	DNS dns.Config

	// Seed seeds the MQTT, SNTP and DNS clients' randomness; 0 takes
	// seeds from crypto/rand. Set it for repeatable runs in virtual time.
	Seed uint64
}

func (c Config) withDefaults() Config {
	if c.Name == "" {
		c.Name = DefaultName
	}
	if c.Model == "" {
		c.Model = DefaultModel
	}
	if c.Firmware == "" {
		c.Firmware = "dev"
	}
	if c.HTTPPort == 0 {
		c.HTTPPort = DefaultHTTPPort
	}
	if c.HTTPSPort == 0 {
		c.HTTPSPort = DefaultHTTPSPort
	}
	if c.HTTPSMaxConns <= 0 {
		c.HTTPSMaxConns = DefaultHTTPSMaxConns
	}
	if c.MQTTPrefix == "" {
		c.MQTTPrefix = "legation/" + c.Name
	}
	if c.MQTTEvery <= 0 {
		c.MQTTEvery = DefaultMQTTEvery
	}
	if c.MQTTClient.QueueBytes == 0 {
		c.MQTTClient.QueueBytes = DefaultMQTTQueueBytes
	}
	if c.MQTTClient.MaxPacketSize == 0 {
		c.MQTTClient.MaxPacketSize = DefaultMQTTMaxPacketSize
	}
	if c.DNS.MaxTCPMessage == 0 {
		c.DNS.MaxTCPMessage = DefaultDNSMaxTCPMessage
	}
	return c
}

// seed derives the seed of one client from Config.Seed.
func (c *Config) seed(k uint64) uint64 {
	if c.Seed == 0 {
		return 0
	}
	return c.Seed*0x9e3779b97f4a7c15 + k
}

// httpsConfig is the HTTPS server's: HTTP's limits, TLS, at most
// HTTPSMaxConns connections.
func (c *Config) httpsConfig() httpd.Config {
	h := c.HTTP
	h.TLS = c.TLS
	if h.MaxConns <= 0 || h.MaxConns > c.HTTPSMaxConns {
		h.MaxConns = c.HTTPSMaxConns
	}
	return h
}
