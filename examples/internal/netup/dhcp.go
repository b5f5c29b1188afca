package netup

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/clients/dhcp"
	"github.com/seed947b3480/legation/clients/dhcp/dhcptest"
	"github.com/seed947b3480/legation/hal"
)

// DHCPTimeout bounds how long Up waits for the first lease with -dhcp.
const DHCPTimeout = 30 * time.Second

// ErrDHCPWithStatic: -dhcp was given with -addr or -gw, which it would
// overwrite.
var ErrDHCPWithStatic = errors.New("netup: -dhcp cannot be combined with -addr or -gw")

// startDHCP starts the client on env's stack and turns the reactor until
// the first lease, or fails with an error wrapping dhcp.ErrTimeout after
// timeout. Static DNS servers (-dns) replace the lease's after every
// change, so the flag wins.
func startDHCP(env *Env, dns []netip.Addr, timeout time.Duration) error {
	cfg := dhcp.Config{Hostname: "legation", Timeout: timeout}
	if len(dns) > 0 {
		cfg.OnChange = func(dhcp.Lease) { env.Stack.SetDNS(dns) }
	}
	c, err := dhcp.New(env.Stack, cfg)
	if err != nil {
		return err
	}
	env.DHCP = c
	c.Spawn(env.Reactor)
	f := c.Start()
	// The client's own timeout completes the future; the margin only
	// guards against a reactor that stopped turning.
	env.Reactor.RunUntil(timeout+time.Second, f.Done)
	if _, err := f.Result(); err != nil || !f.Done() {
		if err == nil {
			err = dhcp.ErrTimeout
		}
		c.Stop()
		return fmt.Errorf("-dhcp: %w", err)
	}
	return nil
}

// loopbackDHCPServer puts the scripted DHCP server on the loopback peer,
// leasing the address a static loopback demo would use.
func loopbackDHCPServer(dev hal.Device, peer netip.Prefix) hal.Device {
	return dhcptest.New(dev, dhcptest.Config{
		Addr:      peer,
		PoolStart: netip.MustParseAddr("192.168.7.2"),
		PoolSize:  8,
		NTP:       []netip.Addr{peer.Addr()},
	})
}
