package app

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt"
	"github.com/seed947b3480/legation/clients/sntp"
	"github.com/seed947b3480/legation/dns"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/dashboard"
	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/stack"
)

// Device is the running demo device. Its methods run on the reactor
// goroutine (or before the reactor runs).
type Device struct {
	r   *reactor.Reactor
	st  *stack.Stack
	cfg Config

	srv  *httpd.Server
	dash *dashboard.Dashboard
	// tls and tlsDash are the HTTPS server and its dashboard, nil
	// without Config.TLS.
	tls     *httpd.Server
	tlsDash *dashboard.Dashboard
	log     devLog // the dashboards' logs
	mon     monitor
	res     *dns.Resolver // nil unless a name needs it

	mq   *mqttApp     // nil without MQTT
	sntp *sntp.Client // nil without NTP (or until its name resolved)
	ntp  ntpState

	started, stopping bool
	stopped           *reactor.Future[struct{}]
	scratch           []byte // formatting buffer for App fields
	boot              reactor.Instant
}

// New builds the device on st: the HTTP server with the dashboard (and
// with Config.TLS the HTTPS server with another), and the MQTT and SNTP
// clients cfg asks for. Nothing runs until Start.
func New(r *reactor.Reactor, st *stack.Stack, cfg Config) (*Device, error) {
	cfg = cfg.withDefaults()
	d := &Device{r: r, st: st, cfg: cfg, stopped: reactor.NewFuture[struct{}](), scratch: make([]byte, 0, 64), boot: r.Now()}
	dc := dashboard.Config{
		Name:           cfg.Name,
		Model:          cfg.Model,
		Firmware:       cfg.Firmware,
		LogLines:       cfg.LogLines,
		UpdateInterval: cfg.UpdateInterval,
		Clock:          r,
		App:            d.appFields,
	}
	d.srv = httpd.New(st, cfg.HTTP)
	// Request buffers and connection records are made now, not on first
	// use: the device's memory is taken at start.
	d.srv.Preallocate(cfg.HTTP.MaxConns)
	d.dash = dashboard.Register(d.srv, st, dc)
	d.log.logs = append(d.log.logs, d.dash.Log())
	if cfg.TLS != nil {
		d.tls = httpd.New(st, cfg.httpsConfig())
		d.tls.Preallocate(cfg.HTTPSMaxConns)
		d.tlsDash = dashboard.Register(d.tls, st, dc)
		d.log.logs = append(d.log.logs, d.tlsDash.Log())
	}
	d.mon = monitor{d: d, every: cfg.Heartbeat}
	needDNS := cfg.MQTT != "" && !isLiteral(hostOf(cfg.MQTT))
	var ntpAddr netip.Addr
	var ntpPort uint16
	if cfg.NTP != "" {
		host, port, err := splitHostPort(cfg.NTP, 123)
		if err != nil {
			return nil, fmt.Errorf("app: NTP %q: %w", cfg.NTP, err)
		}
		ntpPort = port
		if a, err := netip.ParseAddr(host); err == nil {
			ntpAddr = a
		} else {
			needDNS = true
			d.ntp.name = host
		}
	}
	if needDNS {
		dc := cfg.DNS
		if dc.Seed == 0 {
			dc.Seed = cfg.seed(3)
		}
		res, err := dns.New(r, st, dc)
		if err != nil {
			return nil, err
		}
		d.res = res
	}
	if cfg.MQTT != "" {
		mq, err := newMQTT(d)
		if err != nil {
			return nil, err
		}
		d.mq = mq
	}
	d.ntp.port = ntpPort
	switch {
	case ntpAddr.IsValid():
		if err := d.newSNTP([]netip.Addr{ntpAddr}); err != nil {
			return nil, err
		}
	case cfg.NTP == "" && cfg.NTPFromStack:
		if err := d.newSNTP(nil); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Start listens on the HTTP port (and the HTTPS port) and starts every
// task: the servers, the monitor, MQTT (connecting, subscribing,
// publishing) and SNTP polling.
func (d *Device) Start() error {
	if d.started {
		return errors.New("app: started twice")
	}
	if d.tls != nil {
		// First: a certificate the engine cannot use fails here, before
		// anything listens.
		if err := d.tls.Listen(d.cfg.HTTPSPort); err != nil {
			return fmt.Errorf("app: https: %w", err)
		}
	}
	if err := d.srv.Listen(d.cfg.HTTPPort); err != nil {
		if d.tls != nil {
			d.tls.Listener().Close()
		}
		return err
	}
	d.started = true
	d.srv.Spawn(d.r)
	if d.tls != nil {
		d.tls.Spawn(d.r)
		d.log.Printf(dashboard.LevelInfo, "booted: %s on link %s, dashboard on port %d and https port %d", d.st.Addr(), d.cfg.Link, d.cfg.HTTPPort, d.cfg.HTTPSPort)
	} else {
		d.log.Printf(dashboard.LevelInfo, "booted: %s on link %s, dashboard on port %d", d.st.Addr(), d.cfg.Link, d.cfg.HTTPPort)
	}
	d.r.Spawn(&d.mon)
	if d.mq != nil {
		d.mq.start()
	}
	d.startNTP()
	return nil
}

// Shutdown stops the device gracefully: MQTT says "offline" and
// disconnects, SNTP stops, the live views close with 1001 and the HTTP
// server finishes what it is answering. The future completes once all of
// that is done.
func (d *Device) Shutdown() *reactor.Future[struct{}] {
	if d.stopping {
		return d.stopped
	}
	d.stopping = true
	d.log.AppendString(dashboard.LevelWarn, "shutting down")
	var mqDone *reactor.Future[struct{}]
	if d.mq != nil {
		mqDone = d.mq.stop()
	}
	if d.sntp != nil {
		d.sntp.Close()
	}
	f := d.srv.Shutdown()
	var tf *reactor.Future[struct{}]
	if d.tls != nil {
		tf = d.tls.Shutdown()
	}
	var h *reactor.Handle
	h = d.r.Spawn(reactor.TaskFunc(func(now reactor.Instant) reactor.Instant {
		if f.Done() && (tf == nil || tf.Done()) && d.liveViews() == 0 && (mqDone == nil || mqDone.Done()) {
			d.stopped.Complete(struct{}{}, nil)
			h.Cancel()
			return reactor.Never
		}
		return now.Add(10 * time.Millisecond)
	}))
	return d.stopped
}

func (d *Device) bootAt() reactor.Instant { return d.boot }

// Server is the device's HTTP server.
func (d *Device) Server() *httpd.Server { return d.srv }

// Dashboard is the device's dashboard (the HTTP server's).
func (d *Device) Dashboard() *dashboard.Dashboard { return d.dash }

// TLSServer is the device's HTTPS server, nil without Config.TLS.
func (d *Device) TLSServer() *httpd.Server { return d.tls }

// TLSDashboard is the HTTPS server's dashboard, nil without Config.TLS.
// Its log has the same lines as Dashboard's.
func (d *Device) TLSDashboard() *dashboard.Dashboard { return d.tlsDash }

// setName renames the device on every dashboard.
func (d *Device) setName(name string) {
	d.dash.SetName(name)
	if d.tlsDash != nil {
		d.tlsDash.SetName(name)
	}
}

// liveViews is the number of live views open, on every dashboard.
func (d *Device) liveViews() int {
	n := d.dash.Group().Len()
	if d.tlsDash != nil {
		n += d.tlsDash.Group().Len()
	}
	return n
}

// Stack is the device's stack.
func (d *Device) Stack() *stack.Stack { return d.st }

// MQTT is the device's MQTT client, nil without Config.MQTT.
func (d *Device) MQTT() *mqtt.Client {
	if d.mq == nil {
		return nil
	}
	return d.mq.c
}

// SNTP is the device's SNTP client, nil without NTP (or while the NTP
// server's name is being looked up).
func (d *Device) SNTP() *sntp.Client { return d.sntp }

// Resolver is the device's DNS resolver, nil unless MQTT or NTP is a name.
func (d *Device) Resolver() *dns.Resolver { return d.res }

// State is what the application shows of itself.
type State struct {
	Name        string
	LED         bool
	Commands    uint64 // MQTT commands taken
	LastCommand string
	Telemetry   uint64 // telemetry messages published
	MQTTUp      bool
	NTPSynced   bool
	NTPOffset   time.Duration
	NTPServer   netip.Addr
}

// State returns the device's state.
func (d *Device) State() State {
	s := State{Name: d.dash.Name(), NTPSynced: d.ntp.synced, NTPOffset: d.ntp.offset, NTPServer: d.ntp.server}
	if m := d.mq; m != nil {
		s.LED, s.Commands, s.LastCommand, s.Telemetry, s.MQTTUp = m.led, m.commands, string(m.last), m.telemetry, m.c.Connected()
	}
	return s
}

// hostOf returns the host part of "host", "host:port" or "a.b.c.d:port".
func hostOf(s string) string {
	h, _, _ := splitHostPort(s, 0)
	return h
}

func isLiteral(host string) bool {
	_, err := netip.ParseAddr(host)
	return err == nil
}

// splitHostPort splits "host[:port]", port def when absent.
func splitHostPort(s string, def uint16) (string, uint16, error) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ':' {
			p, err := strconv.ParseUint(s[i+1:], 10, 16)
			if err != nil || p == 0 || i == 0 {
				return "", 0, fmt.Errorf("bad address %q", s)
			}
			return s[:i], uint16(p), nil
		}
	}
	if s == "" {
		return "", 0, fmt.Errorf("empty address")
	}
	return s, def, nil
}
