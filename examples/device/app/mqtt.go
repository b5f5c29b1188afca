package app

import (
	"github.com/seed947b3480/legation/clients/mqtt"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/dashboard"
)

// mqttApp is the device's MQTT side: telemetry every Config.MQTTEvery on
// PREFIX/telemetry, "online"/"offline" on PREFIX/status, commands on
// PREFIX/cmd answered on PREFIX/reply.
type mqttApp struct {
	d *Device
	c *mqtt.Client

	telemetryTopic, statusTopic, cmdTopic, replyTopic string

	nextTel   reactor.Instant
	led       bool
	commands  uint64
	telemetry uint64
	rejected  uint64 // telemetry the client would not take (not connected, queue full)
	last      []byte // the last command, at most maxCommand bytes
	tel       []byte // the telemetry message being built
	reply     []byte // a reply being built
	lastErr   error  // why the last connection ended or failed, nil if none
	stopped   *reactor.Future[struct{}]
}

// online is the status message: a package variable, so that each
// connection does not convert the literal anew (the client copies it).
var online = []byte("online")

// maxCommand bounds a command as kept and logged.
const maxCommand = 128

func newMQTT(d *Device) (*mqttApp, error) {
	p := d.cfg.MQTTPrefix
	m := &mqttApp{
		d:              d,
		telemetryTopic: p + "/telemetry",
		statusTopic:    p + "/status",
		cmdTopic:       p + "/cmd",
		replyTopic:     p + "/reply",
		last:           make([]byte, 0, maxCommand),
		tel:            make([]byte, 0, 512),
		reply:          make([]byte, 0, maxCommand+32),
	}
	cfg := d.cfg.MQTTClient
	cfg.Broker = d.cfg.MQTT
	cfg.Resolver = d.res
	if cfg.ClientID == "" {
		cfg.ClientID = d.cfg.Name
	}
	cfg.CleanStart = true
	cfg.Will = &mqtt.Will{Topic: m.statusTopic, Payload: []byte("offline"), QoS: mqtt.AtLeastOnce, Retain: true}
	if cfg.Seed == 0 {
		cfg.Seed = d.cfg.seed(1)
	}
	if cfg.Dialer == nil && cfg.TCP.RxBuffer == nil && cfg.TCP.TxBuffer == nil && cfg.TCP.Pool == nil {
		// Made once: every connection, reconnections included, uses
		// them (the client aborts the old connection first), so a
		// reconnect allocates no ring.
		cfg.TCP.RxBuffer = make([]byte, DefaultMQTTTCPBuffer)
		cfg.TCP.TxBuffer = make([]byte, DefaultMQTTTCPBuffer)
	}
	cfg.OnConnect = m.onConnect
	cfg.OnConnectionLost = m.onLost
	cfg.OnConnectFailed = m.onFailed
	c, err := mqtt.New(d.st, cfg)
	if err != nil {
		return nil, err
	}
	m.c = c
	return m, nil
}

func (m *mqttApp) start() {
	m.c.Spawn(m.d.r)
	m.c.Subscribe(m.cmdTopic, mqtt.AtLeastOnce, m.onCommand)
	m.nextTel = m.d.r.Now().Add(m.d.cfg.MQTTEvery)
	m.d.log.Printf(dashboard.LevelInfo, "mqtt: connecting to %s as %s; telemetry on %s, commands on %s",
		m.d.cfg.MQTT, m.c.ClientID(), m.telemetryTopic, m.cmdTopic)
}

// stop says "offline" (the will is not published after a DISCONNECT) and
// disconnects.
func (m *mqttApp) stop() *reactor.Future[struct{}] {
	if m.c.Connected() {
		m.c.Publish(m.statusTopic, []byte("offline"), mqtt.AtMostOnce, true)
	}
	return m.c.Disconnect()
}

func (m *mqttApp) onConnect(sessionPresent bool) {
	m.d.log.AppendTo(dashboard.LevelInfo, func(b []byte) []byte {
		return append(append(b, "mqtt: connected to "...), m.d.cfg.MQTT...)
	})
	m.c.Publish(m.statusTopic, online, mqtt.AtLeastOnce, true)
	m.publishTelemetry(m.d.r.Now())
}

// onLost and onFailed keep the error itself, not its text, and log it in
// place: the client's errors (a reset, a timeout, an unreachable broker)
// are constants whose text costs nothing, so a reconnection allocates
// nothing here.
func (m *mqttApp) onLost(err error) {
	m.lastErr = err
	m.d.log.AppendTo(dashboard.LevelWarn, func(b []byte) []byte {
		return append(append(b, "mqtt: connection lost: "...), err.Error()...)
	})
}

func (m *mqttApp) onFailed(err error) {
	m.lastErr = err
	m.d.log.AppendTo(dashboard.LevelWarn, func(b []byte) []byte {
		b = append(b, "mqtt: cannot connect to "...)
		b = append(b, m.d.cfg.MQTT...)
		b = append(b, ": "...)
		return append(b, err.Error()...)
	})
}

// tick publishes telemetry when it is due and answers when it next is.
func (m *mqttApp) tick(now reactor.Instant) reactor.Instant {
	if m.d.stopping {
		return reactor.Never
	}
	if !now.Before(m.nextTel) {
		m.publishTelemetry(now)
		m.nextTel = now.Add(m.d.cfg.MQTTEvery)
	}
	return m.nextTel
}

// publishTelemetry publishes one telemetry message, built without
// allocating; the client copies it into its queue.
func (m *mqttApp) publishTelemetry(now reactor.Instant) {
	if !m.c.Connected() {
		m.rejected++
		return
	}
	d := m.d
	j := dashboard.NewJSON(m.tel[:0])
	j.Object("")
	j.Int("uptime_s", int64(now.Sub(d.bootAt())/1e9))
	j.String("name", d.dash.Name())
	j.Bool("led", m.led)
	j.Prefix("addr", d.st.Addr())
	c := d.st.Counters()
	j.Uint("rx_frames", c.RxFrames)
	j.Uint("tx_frames", c.TxFrames)
	j.Uint("dropped", c.Dropped)
	h := d.srv.Stats()
	j.Uint("http_requests", h.Requests)
	j.Int("http_conns", int64(h.Conns))
	j.Int("live_views", int64(d.liveViews()))
	j.Uint("commands", m.commands)
	j.Bool("ntp_synced", d.ntp.synced)
	if d.ntp.synced {
		j.Int("unix_ms", d.sntp.Clock().UTCAt(now).UnixMilli())
	}
	j.EndObject()
	m.tel = j.Bytes()
	if _, err := m.c.Publish(m.telemetryTopic, m.tel, mqtt.AtMostOnce, false); err != nil {
		m.rejected++
		return
	}
	m.telemetry++
}
