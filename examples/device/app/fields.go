package app

import (
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/dashboard"
)

// appFields writes the device's own figures into the "app" object of
// /api/info and of every live snapshot. Flat members: the page lists them
// by name.
func (d *Device) appFields(j *dashboard.JSON) {
	now := d.r.Now()
	// The name again: the page shows /api/info's only when it loads, the
	// app object live, so a rename ("name X") shows at once.
	j.String("name", d.dash.Name())
	j.String("link", d.cfg.Link)
	j.Uint("heartbeats", d.mon.beats)
	if c := d.cfg.DHCP; c != nil {
		j.String("dhcp_state", c.State().String())
		if l, ok := c.Lease(); ok && l.Expires != reactor.Never {
			j.Int("lease_left_s", int64(l.Expires.Sub(now)/time.Second))
		}
	} else {
		j.String("addressing", "static")
	}
	if m := d.mq; m != nil {
		state := "connecting"
		if m.c.Connected() {
			state = "connected"
		} else if d.stopping {
			state = "stopped"
		}
		j.String("mqtt", state)
		j.String("mqtt_broker", d.cfg.MQTT)
		j.String("mqtt_prefix", d.cfg.MQTTPrefix)
		j.Uint("mqtt_telemetry", m.telemetry)
		if m.lastErr != nil {
			j.String("mqtt_error", m.lastErr.Error())
		}
		j.String("led", onOff(m.led))
		j.Uint("commands", m.commands)
		j.BytesString("last_command", m.last)
	}
	if d.sntp != nil || d.ntp.name != "" {
		j.Bool("ntp_synced", d.ntp.synced)
		if d.ntp.synced {
			j.Addr("ntp_server", d.ntp.server)
			j.Int("ntp_offset_us", d.ntp.offset.Microseconds())
			j.Int("ntp_delay_us", d.ntp.delay.Microseconds())
			d.scratch = d.sntp.Clock().UTCAt(now).AppendFormat(d.scratch[:0], "2006-01-02T15:04:05Z")
			j.BytesString("utc", d.scratch)
		}
	}
}
