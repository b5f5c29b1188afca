// Command device is a demo device: a legation stack serving the built-in
// dashboard (servers/dashboard) over its own HTTP server, publishing its
// uptime and counters over MQTT and taking commands there, keeping its
// clock with SNTP, and logging what happens to it. The device itself is
// package app (examples/device/app); this is its command line.
//
// On the default loopback link the device lives in this process, on an
// in-memory link to a peer stack that runs a demo MQTT broker and an NTP
// server, and a listener on the host (-listen, default 127.0.0.1:8080)
// forwards each connection through the peer stack to the device's port
// 80, so a browser on this machine opens the dashboard:
//
//	go run ./examples/device              # then open http://127.0.0.1:8080/
//	go run ./examples/device -dhcp        # lease the address from the peer first
//
// With -tls-cert and -tls-key (PEM files) the device serves the dashboard
// over HTTPS too, on -https-port (443), its live feed as WSS; on the
// loopback link -listen-https (default 127.0.0.1:8443) forwards to it:
//
//	go run ./examples/device -tls-cert dev.crt -tls-key dev.key   # https://127.0.0.1:8443/
//
// With -mqtt-listen the demo broker is reachable from the host too, so
// mosquitto_sub and mosquitto_pub can watch the device and command it:
//
//	go run ./examples/device -mqtt-listen 127.0.0.1:1884 &
//	mosquitto_sub -p 1884 -t 'legation/#' -v
//	mosquitto_pub -p 1884 -t legation/legation-demo/cmd -m 'led on'
//
// On a TAP or QEMU link the dashboard is served on the device's own address
// and nothing is forwarded; -mqtt and -ntp name real servers (with -dhcp
// the lease's NTP servers are used when -ntp is absent):
//
//	go run ./examples/device -link tap:tap0 -mqtt 10.77.0.1 -ntp 10.77.0.1
//	go run ./examples/device -link qemu:127.0.0.1:5555 -dhcp -mqtt 10.0.2.2 -ntp 10.0.2.2
//
// MQTT topics are under -mqtt-prefix (legation/NAME): telemetry, status,
// cmd (commands: "led on|off|toggle", "name TEXT", "log TEXT", "ping",
// "report") and reply; see package app.
//
// Ctrl-C stops it gracefully: MQTT says "offline" and disconnects, the live
// views are closed with 1001, the HTTP server finishes what it is
// answering, then the process exits.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/seed947b3480/legation/examples/device/app"
	"github.com/seed947b3480/legation/examples/internal/netup"
	"github.com/seed947b3480/legation/netconn"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
)

func main() {
	link := netup.Register(flag.CommandLine)
	port := flag.Uint("http-port", 80, "the device's HTTP port")
	listen := flag.String("listen", "127.0.0.1:8080", "loopback link: host address whose connections are forwarded to the device's HTTP port (empty: none)")
	name := flag.String("name", app.DefaultName, "device name shown on the dashboard (and its MQTT client identifier)")
	model := flag.String("model", app.DefaultModel, "device model shown on the dashboard")
	heartbeat := flag.Duration("heartbeat", 10*time.Second, "interval of the heartbeat log line (0: none)")
	mqttBroker := flag.String("mqtt", "", "MQTT broker ADDR[:PORT] (1883), an address or a name (default: the demo broker on the loopback link's peer, none elsewhere; off: none)")
	mqttPrefix := flag.String("mqtt-prefix", "", "MQTT topic prefix (default legation/NAME)")
	mqttEvery := flag.Duration("mqtt-every", app.DefaultMQTTEvery, "MQTT telemetry interval")
	mqttListen := flag.String("mqtt-listen", "", "loopback link: host address whose connections are forwarded to the demo broker, for mosquitto_pub/sub on the host, at most 4 at once (empty: none)")
	ntp := flag.String("ntp", "", "NTP server ADDR[:PORT] (123), an address or a name (default: the DHCP lease's with -dhcp, the loopback link's peer, none elsewhere; off: none)")
	httpsPort := flag.Uint("https-port", 443, "the device's HTTPS port (with -tls-cert)")
	tlsCert := flag.String("tls-cert", "", "PEM certificate chain file (leaf first): serve the dashboard over HTTPS and WSS too, on -https-port")
	tlsKey := flag.String("tls-key", "", "PEM private key file of -tls-cert")
	listenHTTPS := flag.String("listen-https", "127.0.0.1:8443", "loopback link, with -tls-cert: host address whose connections are forwarded to the device's HTTPS port (empty: none)")
	flag.Parse()
	if *port == 0 || *port > 65535 {
		fatal(fmt.Errorf("-http-port %d out of range", *port))
	}
	acc, err := loadTLS(*tlsCert, *tlsKey)
	if err != nil {
		fatal(err)
	}
	if acc != nil && (*httpsPort == 0 || *httpsPort > 65535 || *httpsPort == *port) {
		fatal(fmt.Errorf("-https-port %d: out of range or the HTTP port", *httpsPort))
	}

	cfg := app.Config{
		Name:       *name,
		Model:      *model,
		Firmware:   firmware(),
		Link:       link.Link,
		HTTPPort:   uint16(*port),
		Heartbeat:  *heartbeat,
		MQTTPrefix: *mqttPrefix,
		MQTTEvery:  *mqttEvery,
		HTTPSPort:  uint16(*httpsPort),
	}
	if acc != nil {
		// The sessions share their record buffers (see sharePool for the
		// pool's size); the reactor is set once the link is up.
		sharePool(acc, httpsPoolBuffers, nil)
		cfg.TLS = acc
	}
	// The stack is sized up front (stack.Resources) on every link: the
	// device's connection records are all made now.
	link.Resources = stack.NewResources(stackSizes(cfg, link.Loopback(), *mqttBroker, *mqttListen))

	env, err := link.Up()
	if err != nil {
		fatal(err)
	}
	defer env.Close()
	r := env.Reactor
	cfg.DHCP = env.DHCP
	if acc != nil {
		// The pool resumes sessions refused a buffer from a reactor task.
		acc.Options.Reactor = r
	}
	if cfg.MQTT, cfg.NTP, cfg.NTPFromStack, err = servers(peerOf(env), *mqttBroker, *ntp, link.DHCP); err != nil {
		fatal(err)
	}
	if env.Peer != nil {
		// The peer answers MQTT and NTP whether the flags name it or the
		// DHCP lease does.
		if _, err := app.ServeDemoPeer(r, env.Peer, 0); err != nil {
			fatal(fmt.Errorf("demo peer: %w", err))
		}
	}
	d, err := app.New(r, env.Stack, cfg)
	if err != nil {
		fatal(err)
	}
	if err := d.Start(); err != nil {
		fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	device := netip.AddrPortFrom(env.Stack.Addr().Addr(), uint16(*port))
	var fwd *forwarder
	if env.Peer != nil && *listen != "" {
		fwd, err = startForwarder(*listen, netconn.New(env.Peer, r, netconn.Config{}), device)
		if err != nil {
			fatal(err)
		}
		fmt.Printf("dashboard: http://%s/ (forwarded to %s on the loopback link)\n", fwd.ln.Addr(), device)
	} else {
		host := device.String()
		if device.Port() == 80 {
			host = device.Addr().String()
		}
		fmt.Printf("dashboard: http://%s/ on link %s\n", host, link.Link)
	}
	var tlsFwd *forwarder
	if acc != nil {
		secure := netip.AddrPortFrom(device.Addr(), uint16(*httpsPort))
		if env.Peer != nil && *listenHTTPS != "" {
			tlsFwd, err = startForwarder(*listenHTTPS, netconn.New(env.Peer, r, netconn.Config{}), secure)
			if err != nil {
				fatal(err)
			}
			fmt.Printf("dashboard: https://%s/ (forwarded to %s on the loopback link)\n", tlsFwd.ln.Addr(), secure)
		} else {
			host := secure.String()
			if secure.Port() == 443 {
				host = secure.Addr().String()
			}
			fmt.Printf("dashboard: https://%s/ on link %s\n", host, link.Link)
		}
	}
	if cfg.MQTT != "" {
		fmt.Printf("mqtt: %s, topics %s/{telemetry,status,cmd,reply}\n", cfg.MQTT, prefixOf(cfg))
	}

	var brokerFwd *forwarder
	if env.Peer != nil && *mqttListen != "" {
		// Through the device's own stack: the broker is on the peer.
		demoBroker := netip.AddrPortFrom(env.PeerAddr, 1883)
		brokerFwd, err = startForwarder(*mqttListen, netconn.New(env.Stack, r, netconn.Config{}), demoBroker)
		if err != nil {
			fatal(err)
		}
		fmt.Printf("demo broker: %s (forwarded to %s on the loopback link)\n", brokerFwd.ln.Addr(), demoBroker)
	}

	runCtx, stopRun := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(runCtx) }()

	select {
	case <-ctx.Done():
	case <-done:
	}
	fmt.Fprintln(os.Stderr, "device: shutting down")
	for _, f := range []*forwarder{fwd, tlsFwd, brokerFwd} {
		if f != nil {
			f.stopAccepting()
		}
	}
	// The reactor keeps turning until the end: the server's goodbyes, the
	// MQTT DISCONNECT and the forwarder's netconn calls all go through it.
	select {
	case <-shutdown(r, d):
	case <-time.After(3 * time.Second):
		fmt.Fprintln(os.Stderr, "device: connections still open after 3 s; closing anyway")
	}
	for _, f := range []*forwarder{fwd, tlsFwd, brokerFwd} {
		if f != nil {
			f.closeAll(2 * time.Second)
		}
	}
	stopRun()
	<-done
}

// mqttListenConns is how many host connections -mqtt-listen bridges to
// the demo broker at once, each dialed through the device's own stack;
// stackSizes reserves their records.
const mqttListenConns = 4

// stackSizes is what the device's stack holds (app.Config.StackSizes)
// before the link is up, when the MQTT broker is not yet decided: one is
// used unless -mqtt is "off" or, off the loopback link, absent. With
// -mqtt-listen, the bridged host connections and their closing take
// records of the device's stack too.
func stackSizes(cfg app.Config, loopback bool, mqttFlag, mqttListen string) stack.Sizes {
	if mqttFlag != "off" && (mqttFlag != "" || loopback) {
		cfg.MQTT = "broker" // only whether there is one counts
	}
	z := cfg.StackSizes()
	if loopback && mqttListen != "" {
		z.TCPConns += 2 * mqttListenConns
	}
	return z
}

// servers decides the MQTT broker and NTP server from the flags: "off" is
// none; empty is the loopback peer there, and for NTP the DHCP lease's
// servers with -dhcp.
func servers(peerAddr netip.Addr, mqttFlag, ntpFlag string, dhcp bool) (broker, ntp string, fromStack bool, err error) {
	peer := ""
	if peerAddr.IsValid() {
		peer = peerAddr.String()
	}
	switch mqttFlag {
	case "off":
	case "", "demo":
		if mqttFlag == "demo" && peer == "" {
			return "", "", false, fmt.Errorf("-mqtt demo: the demo broker runs on the loopback link only")
		}
		broker = peer
	default:
		broker = mqttFlag
	}
	switch ntpFlag {
	case "off":
	case "", "demo":
		if ntpFlag == "demo" && peer == "" {
			return "", "", false, fmt.Errorf("-ntp demo: the demo NTP server runs on the loopback link only")
		}
		if ntpFlag == "" && dhcp {
			fromStack = true
		} else {
			ntp = peer
		}
	default:
		ntp = ntpFlag
	}
	return broker, ntp, fromStack, nil
}

// peerOf returns the loopback peer's address, invalid on other links.
func peerOf(env *netup.Env) netip.Addr {
	if env.Peer == nil {
		return netip.Addr{}
	}
	return env.PeerAddr
}

func prefixOf(cfg app.Config) string {
	if cfg.MQTTPrefix != "" {
		return cfg.MQTTPrefix
	}
	return "legation/" + cfg.Name
}

// shutdown stops the device on the reactor; the channel closes once it
// has stopped.
func shutdown(r *reactor.Reactor, d *app.Device) <-chan struct{} {
	gone := make(chan struct{})
	r.Post(func() {
		d.Shutdown().OnComplete(func(struct{}, error) { close(gone) })
	})
	return gone
}

// firmware is the module version the binary was built from, or "dev".
func firmware() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "device:", err)
	os.Exit(1)
}

// listenAddr parses a -listen address for net.Listen.
func listenAddr(s string) (string, error) {
	if _, _, err := net.SplitHostPort(s); err != nil {
		return "", fmt.Errorf("listen address %q: %w", s, err)
	}
	return s, nil
}
