package main

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt"
	"github.com/seed947b3480/legation/dns"
	"github.com/seed947b3480/legation/examples/internal/demobroker"
	"github.com/seed947b3480/legation/examples/internal/netup"
	"github.com/seed947b3480/legation/tcp"
)

// common are the flags pub and sub share.
type common struct {
	link      *netup.Flags
	broker    string
	version   string
	id        string
	keepAlive time.Duration
	timeout   time.Duration
	qos       int
	topic     string
}

func registerCommon(fs *flag.FlagSet, role string) *common {
	o := &common{link: netup.Register(fs)}
	fs.StringVar(&o.broker, "broker", "", "broker ADDR[:PORT] (port 1883 by default); ADDR may be a host name (default: the demo broker on the loopback link)")
	fs.StringVar(&o.version, "V", "311", "MQTT version: 311 or 5")
	fs.StringVar(&o.id, "i", fmt.Sprintf("legation-%s-%d", role, os.Getpid()), "client identifier")
	fs.DurationVar(&o.keepAlive, "k", 60*time.Second, "keep-alive interval")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "give up connecting (and for pub, delivering) after this long")
	fs.IntVar(&o.qos, "q", 0, "quality of service: 0, 1 or 2")
	return o
}

// check validates the shared flags.
func (o *common) check() error {
	if o.topic == "" {
		return fmt.Errorf("-t is required")
	}
	if o.qos < 0 || o.qos > 2 {
		return fmt.Errorf("-q %d: want 0, 1 or 2", o.qos)
	}
	if o.version != "311" && o.version != "5" {
		return fmt.Errorf("-V %s: want 311 or 5", o.version)
	}
	return nil
}

// session is a connected client on a configured stack.
type session struct {
	env *netup.Env
	c   *mqtt.Client
	// interrupted is set (on the reactor goroutine) by SIGINT or SIGTERM.
	interrupted bool
	stopSignals func()
}

// connect brings the link up, starts the client with cfg's callbacks and
// turns the reactor until it is connected or o.timeout passes.
func connect(o *common, cfg mqtt.Config) (*session, error) {
	env, err := o.link.Up()
	if err != nil {
		return nil, err
	}
	s := &session{env: env}
	r := env.Reactor
	broker := o.broker
	if env.Peer != nil {
		if _, err := demobroker.Serve(r, env.Peer, demobroker.Config{Demo: true}); err != nil {
			env.Close()
			return nil, fmt.Errorf("demo broker: %w", err)
		}
		if broker == "" {
			broker = env.PeerAddr.String()
		}
	}
	if broker == "" {
		env.Close()
		return nil, errors.New("-broker is required on this link")
	}
	cfg.Broker = broker
	if host := hostOf(broker); host != "" {
		if _, err := netip.ParseAddr(host); err != nil {
			// A name: the stub resolver asks the stack's DNS servers.
			if cfg.Resolver, err = dns.New(r, env.Stack, dns.Config{}); err != nil {
				env.Close()
				return nil, err
			}
		}
	}
	if o.version == "5" {
		cfg.Version = mqtt.V5
	} else {
		cfg.Version = mqtt.V311
	}
	cfg.ClientID = o.id
	cfg.CleanStart = true
	cfg.KeepAlive = o.keepAlive
	cfg.ConnectTimeout = o.timeout
	cfg.TCP = tcp.Config{NoDelay: true}
	c, err := mqtt.New(env.Stack, cfg)
	if err != nil {
		env.Close()
		return nil, err
	}
	s.c = c
	c.Spawn(r)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sig:
			r.Post(func() { s.interrupted = true })
		case <-done:
		}
	}()
	s.stopSignals = func() { signal.Stop(sig); close(done) }

	f := c.ConnectFuture()
	r.RunUntil(o.timeout, func() bool { return f.Done() || s.interrupted })
	if _, err := f.Result(); err != nil || !f.Done() {
		if err == nil {
			err = fmt.Errorf("%w: not connected to %s within %v", mqtt.ErrConnectTimeout, broker, o.timeout)
		}
		s.close()
		return nil, err
	}
	return s, nil
}

// hostOf returns the host part of "host", "host:port" or "a.b.c.d:port".
func hostOf(broker string) string {
	for i := len(broker) - 1; i >= 0; i-- {
		if broker[i] == ':' {
			return broker[:i]
		}
	}
	return broker
}

// disconnect sends DISCONNECT and waits briefly for the close.
func (s *session) disconnect() {
	f := s.c.Disconnect()
	s.env.Reactor.RunUntil(5*time.Second, f.Done)
}

func (s *session) close() {
	s.stopSignals()
	s.env.Close()
}
