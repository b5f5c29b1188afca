package app

import (
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/clients/sntp"
	"github.com/seed947b3480/legation/dns"
	"github.com/seed947b3480/legation/servers/dashboard"
)

// ntpState is what the SNTP client last measured, for the dashboard.
type ntpState struct {
	name   string // the server's name, if it was given as one
	port   uint16
	synced bool
	offset time.Duration
	delay  time.Duration
	server netip.Addr
	rounds uint64
	errs   uint64
	// waiting: the client is made but not started until the stack has an
	// address and (for the stack's list) an NTP server, so that a device
	// booting before its lease does not spend its first round on nothing
	// and wait a whole poll interval for the next.
	waiting bool
}

// newSNTP makes the SNTP client for servers (nil: the stack's list).
func (d *Device) newSNTP(servers []netip.Addr) error {
	cfg := d.cfg.SNTP
	cfg.Servers, cfg.Port = servers, d.ntp.port
	if cfg.Seed == 0 {
		cfg.Seed = d.cfg.seed(2)
	}
	c, err := sntp.New(d.r, d.st, cfg)
	if err != nil {
		return err
	}
	c.OnUpdate(d.ntpUpdate)
	d.sntp = c
	return nil
}

// startNTP starts periodic polling, once the server's name is looked up
// if it was given as one.
func (d *Device) startNTP() {
	if d.sntp != nil {
		d.ntp.waiting = true
		d.pollNTPStart()
		return
	}
	if d.ntp.name == "" {
		return
	}
	d.res.LookupA(d.ntp.name).OnComplete(func(res dns.Result, err error) {
		if d.stopping {
			return
		}
		if err == nil && res.N == 0 {
			err = dns.ErrNoData
		}
		if err != nil {
			d.log.Printf(dashboard.LevelError, "ntp: %s: %v", d.ntp.name, err)
			return
		}
		if err := d.newSNTP([]netip.Addr{res.Addrs[0]}); err != nil {
			d.log.Printf(dashboard.LevelError, "ntp: %v", err)
			return
		}
		d.log.Printf(dashboard.LevelInfo, "ntp: %s is %s", d.ntp.name, res.Addrs[0])
		d.sntp.Start()
	})
}

// pollNTPStart starts the SNTP client once the stack can reach a server;
// the monitor calls it until then.
func (d *Device) pollNTPStart() {
	if !d.ntp.waiting || d.stopping || !d.st.Addr().IsValid() {
		return
	}
	if d.cfg.NTP == "" && len(d.st.NTP()) == 0 {
		return
	}
	d.ntp.waiting = false
	d.sntp.Start()
}

func (d *Device) ntpUpdate(res sntp.Result, err error) {
	d.ntp.rounds++
	if err != nil {
		d.ntp.errs++
		d.log.Printf(dashboard.LevelWarn, "ntp: %v (server %s)", err, res.Server)
		return
	}
	first := !d.ntp.synced
	d.ntp.synced, d.ntp.offset, d.ntp.delay, d.ntp.server = true, res.Offset, res.Delay, res.Server
	level := dashboard.LevelDebug
	if first {
		level = dashboard.LevelInfo
	}
	at := d.sntp.Clock().UTCAt(res.At)
	d.log.AppendTo(level, func(b []byte) []byte {
		b = append(b, "ntp: synced with "...)
		b = appendAddr(b, res.Server)
		b = append(b, ": offset "...)
		b = appendDuration(b, res.Offset)
		b = append(b, ", delay "...)
		b = appendDuration(b, res.Delay)
		b = append(b, ", time "...)
		return at.AppendFormat(b, time.RFC3339)
	})
}
