package app

import (
	"github.com/seed947b3480/legation/servers/dashboard"
	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/stack"
)

// StackSizes returns the stack.Sizes a device with this configuration
// needs, for stack.NewResources and stack.Config.Resources: with them the
// stack makes every TCP connection record at start, so accepting,
// reconnecting (MQTT, a live view) and closing allocate nothing. The TCP
// records are, for each server, MaxConns serving and as many more closing
// behind them (TIME-WAIT, refusals lingering) plus its dashboard's live
// views; one for MQTT and one more while the old connection goes; one for
// DNS over TCP. UDP: DHCP, DNS and SNTP. Other sizes are the stack's
// defaults.
func (c Config) StackSizes() stack.Sizes {
	c = c.withDefaults()
	http := c.HTTP.MaxConns
	if http <= 0 {
		http = httpd.DefaultMaxConns
	}
	conns := 2*http + dashboard.DefaultMaxClients
	if c.TLS != nil {
		conns += 2*c.httpsConfig().MaxConns + dashboard.DefaultMaxClients
	}
	if c.MQTT != "" {
		conns += 2
	}
	conns++ // DNS over TCP
	return stack.Sizes{TCPConns: conns, UDPSockets: 4}
}
