// Package netup gives every example the same way to pick its link and
// address: -link loopback|tap:NAME|qemu:HOST:PORT, -addr, -gw, -dns, -dhcp,
// -pcap, -fault and -trace. It builds the device with its middleware, the
// stack and a reactor on the real clock, and with -dhcp leases the address
// before returning. On the default loopback link it also builds a second
// stack in the same process, the peer, so an example runs anywhere with no
// set-up; with -dhcp the peer serves DHCP too.
//
// It is for examples: it prints to stderr and makes choices (timeouts,
// defaults) a firmware would make for itself.
package netup

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/seed947b3480/legation/clients/dhcp"
	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/fault"
	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/hal/pcap"
	"github.com/seed947b3480/legation/hal/qemu"
	"github.com/seed947b3480/legation/hal/tap"
	"github.com/seed947b3480/legation/hal/trace"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
)

// Flags are the shared command-line flags.
type Flags struct {
	Link  string
	Addr  string
	GW    string
	DNS   string
	Pcap  string
	Fault string
	Trace bool
	DHCP  bool

	// Resources, if set before Up, sizes the device's stack
	// (stack.Config.Resources): a program that knows what it will hold
	// (stack.NewResources of its sizes) makes every record at start, on
	// any link. It is no flag. The loopback peer stays unsized.
	Resources *stack.Resources
}

// Loopback reports whether the flags name the in-process loopback link,
// where Up builds a peer stack too.
func (f *Flags) Loopback() bool {
	kind, _, _ := strings.Cut(f.Link, ":")
	return kind == "loopback" || kind == ""
}

// Register adds the shared flags to fs.
func Register(fs *flag.FlagSet) *Flags {
	f := &Flags{}
	fs.StringVar(&f.Link, "link", "loopback", "link: loopback (a peer stack in this process), tap:NAME, qemu:HOST:PORT or qemu:unix:PATH (QEMU listens), qemu-listen:HOST:PORT (QEMU connects), qemu-dgram:LOCAL,REMOTE")
	fs.StringVar(&f.Addr, "addr", "", "interface address A.B.C.D/N (default: 192.168.7.2/24 on loopback, 10.77.0.2/24 on tap, 10.0.2.15/24 on qemu)")
	fs.StringVar(&f.GW, "gw", "", "default gateway (default: 10.0.2.2 on qemu)")
	fs.StringVar(&f.DNS, "dns", "", "comma-separated DNS servers")
	fs.StringVar(&f.Pcap, "pcap", "", "write every frame on the link to this pcap file")
	fs.StringVar(&f.Fault, "fault", "", "impair the link in both directions: loss=5%,delay=2ms,reorder=10%,dup=1%,corrupt=1%,seed=N")
	fs.BoolVar(&f.Trace, "trace", false, "print a one-line summary of every frame the stack sends and receives to stderr")
	fs.BoolVar(&f.DHCP, "dhcp", false, "lease the address, gateway, DNS and NTP servers by DHCP (not with -addr or -gw; -dns overrides the lease's DNS servers)")
	return f
}

// Env is a running configuration: the reactor, the device's stack and, on
// the loopback link, the peer stack.
type Env struct {
	Reactor *reactor.Reactor
	Stack   *stack.Stack
	// Peer is the second stack on the loopback link (nil on other links),
	// at PeerAddr.
	Peer     *stack.Stack
	PeerAddr netip.Addr
	// DHCP is the DHCP client keeping the lease, with -dhcp (else nil).
	DHCP    *dhcp.Client
	closers []func() error
}

// Close releases devices and files.
func (e *Env) Close() error {
	var errs []error
	for i := len(e.closers) - 1; i >= 0; i-- {
		errs = append(errs, e.closers[i]())
	}
	return errors.Join(errs...)
}

// Up builds the link, middleware, stack and reactor the flags describe,
// with -dhcp waits (turning the reactor) for the first lease, and prints
// "legation: up ADDR on LINK" to stderr.
func (f *Flags) Up() (*Env, error) {
	if f.DHCP && (f.Addr != "" || f.GW != "") {
		return nil, ErrDHCPWithStatic
	}
	env := &Env{Reactor: reactor.New(reactor.NewRealClock())}
	if err := f.up(env); err != nil {
		env.Close()
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "legation: up %s on %s\n", env.Stack.Addr(), f.Link)
	return env, nil
}

func (f *Flags) up(env *Env) error {
	dev, defAddr, defGW, err := f.openLink(env)
	if err != nil {
		return err
	}
	cfg := stack.Config{Resources: f.Resources}
	if !f.DHCP {
		if cfg.Addr, err = parsePrefix(f.Addr, defAddr); err != nil {
			return err
		}
		if f.GW == "" {
			f.GW = defGW
		}
		if f.GW != "" {
			if cfg.Gateway, err = netip.ParseAddr(f.GW); err != nil {
				return fmt.Errorf("-gw: %w", err)
			}
		}
	}
	for _, d := range strings.Split(f.DNS, ",") {
		if d = strings.TrimSpace(d); d != "" {
			a, err := netip.ParseAddr(d)
			if err != nil {
				return fmt.Errorf("-dns: %w", err)
			}
			cfg.DNS = append(cfg.DNS, a)
		}
	}
	if dev, err = f.wrap(env, dev); err != nil {
		return err
	}
	if env.Stack, err = stack.New(dev, cfg); err != nil {
		return err
	}
	env.Stack.Spawn(env.Reactor)
	if f.DHCP {
		return startDHCP(env, cfg.DNS, DHCPTimeout)
	}
	return nil
}

func parsePrefix(s, def string) (netip.Prefix, error) {
	if s == "" {
		s = def
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return p, fmt.Errorf("-addr: %w", err)
	}
	if !p.Addr().Is4() {
		return p, fmt.Errorf("-addr: %s is not IPv4", s)
	}
	return p, nil
}

func (f *Flags) openLink(env *Env) (dev hal.Device, defAddr, defGW string, err error) {
	kind, arg, _ := strings.Cut(f.Link, ":")
	switch kind {
	case "loopback", "":
		a, b := loopback.NewPair(loopback.Config{})
		env.PeerAddr = netip.MustParseAddr("192.168.7.1")
		peerAddr := netip.PrefixFrom(env.PeerAddr, 24)
		var peerDev hal.Device = b
		if f.DHCP {
			peerDev = loopbackDHCPServer(b, peerAddr)
		}
		peer, err := stack.New(peerDev, stack.Config{Addr: peerAddr})
		if err != nil {
			return nil, "", "", err
		}
		peer.Spawn(env.Reactor)
		env.Peer = peer
		return a, "192.168.7.2/24", "", nil
	case "tap":
		if arg == "" {
			return nil, "", "", errors.New("-link tap:NAME needs a device name")
		}
		d, err := tap.Open(tap.Config{Name: arg})
		if err != nil {
			return nil, "", "", fmt.Errorf("open tap %s: %w", arg, err)
		}
		env.closers = append(env.closers, d.Close)
		return d, "10.77.0.2/24", "", nil
	case "qemu", "qemu-listen", "qemu-dgram":
		target, err := qemu.ParseTarget(f.Link)
		if err != nil {
			return nil, "", "", err
		}
		d, err := target.Open(qemu.Config{})
		if err != nil {
			return nil, "", "", fmt.Errorf("qemu link %s: %w", target, err)
		}
		env.closers = append(env.closers, d.Close)
		return d, "10.0.2.15/24", "10.0.2.2", nil
	}
	return nil, "", "", fmt.Errorf("unknown -link %q: want loopback, tap:NAME or qemu:HOST:PORT", f.Link)
}

// wrap puts the capture closest to the wire and the fault injector between
// it and the stack, so the capture shows what really crossed the link.
func (f *Flags) wrap(env *Env, dev hal.Device) (hal.Device, error) {
	if f.Pcap != "" {
		file, err := os.Create(f.Pcap)
		if err != nil {
			return nil, err
		}
		w, err := pcap.NewWriter(file, 0)
		if err != nil {
			file.Close()
			return nil, err
		}
		env.closers = append(env.closers, file.Close)
		dev = pcap.New(dev, w)
	}
	if f.Fault != "" {
		cfg, err := fault.ParseSpec(f.Fault)
		if err != nil {
			return nil, fmt.Errorf("-fault: %w", err)
		}
		dev = fault.New(dev, cfg)
	}
	if f.Trace {
		dev = trace.New(dev, trace.Writer(os.Stderr))
	}
	return dev, nil
}
