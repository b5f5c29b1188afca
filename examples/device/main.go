// Command device is a demo device: a legation stack serving the built-in
// dashboard (servers/dashboard) over its own HTTP server, with a log that
// records what happens to it.
//
// On the default loopback link the device lives in this process, on an
// in-memory link to a peer stack, and a listener on the host (-listen,
// default 127.0.0.1:8080) forwards each connection through the peer stack
// to the device's port 80, so a browser on this machine opens the
// dashboard:
//
//	go run ./examples/device              # then open http://127.0.0.1:8080/
//	go run ./examples/device -dhcp        # lease the address from the peer first
//
// On a TAP or QEMU link the dashboard is served on the device's own address
// and nothing is forwarded:
//
//	go run ./examples/device -link tap:tap0                   # http://10.77.0.2/ from the netns
//	go run ./examples/device -link qemu:127.0.0.1:5555 -dhcp  # through a hostfwd to 10.0.2.15:80
//
// Ctrl-C stops it gracefully: the live views are closed with 1001, the
// HTTP server finishes what it is answering, then the process exits.
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

	"github.com/seed947b3480/legation/examples/internal/netup"
	"github.com/seed947b3480/legation/netconn"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/dashboard"
	"github.com/seed947b3480/legation/servers/httpd"
)

func main() {
	link := netup.Register(flag.CommandLine)
	port := flag.Uint("http-port", 80, "the device's HTTP port")
	listen := flag.String("listen", "127.0.0.1:8080", "loopback link: host address whose connections are forwarded to the device's HTTP port (empty: none)")
	name := flag.String("name", "legation-demo", "device name shown on the dashboard")
	model := flag.String("model", "legation example device", "device model shown on the dashboard")
	heartbeat := flag.Duration("heartbeat", 10*time.Second, "interval of the heartbeat log line (0: none)")
	flag.Parse()
	if *port == 0 || *port > 65535 {
		fatal(fmt.Errorf("-http-port %d out of range", *port))
	}

	env, err := link.Up()
	if err != nil {
		fatal(err)
	}
	defer env.Close()
	r := env.Reactor

	srv := httpd.New(env.Stack, httpd.Config{})
	mon := &monitor{env: env, srv: srv, link: link.Link, port: uint16(*port), every: *heartbeat}
	d := dashboard.Register(srv, env.Stack, dashboard.Config{
		Name:     *name,
		Model:    *model,
		Firmware: firmware(),
		Clock:    r,
		App:      mon.appFields,
	})
	mon.d = d
	if err := srv.Listen(uint16(*port)); err != nil {
		fatal(err)
	}
	srv.Spawn(r)
	mon.start(r)

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

	runCtx, stopRun := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(runCtx) }()

	select {
	case <-ctx.Done():
	case <-done:
	}
	fmt.Fprintln(os.Stderr, "device: shutting down")
	if fwd != nil {
		fwd.stopAccepting()
	}
	// The reactor keeps turning until the end: the server's goodbyes and
	// the forwarder's netconn calls all go through it.
	select {
	case <-shutdown(r, srv, d):
	case <-time.After(3 * time.Second):
		fmt.Fprintln(os.Stderr, "device: connections still open after 3 s; closing anyway")
	}
	if fwd != nil {
		fwd.closeAll(2 * time.Second)
	}
	stopRun()
	<-done
}

// shutdown stops the server on the reactor, which closes the live views
// with 1001 too; the channel closes once the server's connections and the
// live views are gone.
func shutdown(r *reactor.Reactor, srv *httpd.Server, d *dashboard.Dashboard) <-chan struct{} {
	gone := make(chan struct{})
	r.Post(func() {
		d.Log().AppendString(dashboard.LevelWarn, "shutting down")
		f := srv.Shutdown()
		var h *reactor.Handle
		h = r.Spawn(reactor.TaskFunc(func(now reactor.Instant) reactor.Instant {
			if f.Done() && d.Group().Len() == 0 {
				close(gone)
				h.Cancel()
				return reactor.Never
			}
			return now.Add(10 * time.Millisecond)
		}))
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
		return "", fmt.Errorf("-listen %q: %w", s, err)
	}
	return s, nil
}
