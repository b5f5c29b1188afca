package dashboard

import (
	"runtime"

	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/stack"
)

// The JSON routes build their answer in the free part of the request's
// buffer (Scratch), so a request allocates nothing while it fits there;
// an answer that outgrows it moves to the heap, still correct.

func (d *Dashboard) serveInfo(w *httpd.Response, r *httpd.Request) {
	// The writer lives in d: a local one would escape to the heap through
	// Config.App, an indirect call.
	j := &d.infoJSON
	*j = NewJSON(w.Scratch())
	j.Object("")
	d.writeInfo(j)
	j.EndObject()
	sendJSON(w, j)
	*j = JSON{}
}

func (d *Dashboard) serveNetwork(w *httpd.Response, r *httpd.Request) {
	j := NewJSON(w.Scratch())
	j.Object("")
	d.writeNetwork(&j)
	j.EndObject()
	sendJSON(w, &j)
}

func (d *Dashboard) serveStats(w *httpd.Response, r *httpd.Request) {
	j := NewJSON(w.Scratch())
	j.Object("")
	j.Int("uptime_ms", d.uptime().Milliseconds())
	d.writeStats(&j)
	j.EndObject()
	sendJSON(w, &j)
}

func (d *Dashboard) serveMemory(w *httpd.Response, r *httpd.Request) {
	j := NewJSON(w.Scratch())
	j.Object("")
	d.writeMemory(&j)
	j.EndObject()
	sendJSON(w, &j)
}

func sendJSON(w *httpd.Response, j *JSON) {
	// The figures change from one request to the next.
	w.Header("Cache-Control", "no-store")
	w.JSON(200, j.Bytes())
}

// writeInfo writes the members of /api/info.
func (d *Dashboard) writeInfo(j *JSON) {
	j.String("name", d.cfg.Name)
	j.String("model", d.cfg.Model)
	j.String("firmware", d.cfg.Firmware)
	j.Int("uptime_ms", d.uptime().Milliseconds())
	j.String("go", runtime.Version())
	j.String("goos", runtime.GOOS)
	j.String("goarch", runtime.GOARCH)
	j.Int("cpus", int64(runtime.NumCPU()))
	j.Int("log_lines", int64(d.log.Cap()))
	j.Int("update_ms", d.cfg.UpdateInterval.Milliseconds())
	d.writeApp(j)
}

// writeApp writes the application's members as the object "app".
func (d *Dashboard) writeApp(j *JSON) {
	j.Object("app")
	if d.cfg.App != nil {
		d.cfg.App(j)
	}
	j.EndObject()
}

// writeNetwork writes the members of /api/network.
func (d *Dashboard) writeNetwork(j *JSON) {
	st := d.st
	j.Prefix("addr", st.Addr())
	j.Addr("gateway", st.Gateway())
	j.Array("dns")
	for _, a := range st.DNS() {
		j.Addr("", a)
	}
	j.EndArray()
	j.Array("ntp")
	for _, a := range st.NTP() {
		j.Addr("", a)
	}
	j.EndArray()
	j.key("mac")
	j.b = append(j.b, '"')
	j.b = st.HardwareAddr().AppendTo(j.b)
	j.b = append(j.b, '"')
	j.Bool("link_up", st.LinkUp())
}

// writeStats writes the members of /api/stats: the stack's counters, the
// HTTP server's and the live feed's.
func (d *Dashboard) writeStats(j *JSON) {
	c := d.st.Counters()
	j.Object("stack")
	j.Uint("rx_frames", c.RxFrames)
	j.Uint("rx_bytes", c.RxBytes)
	j.Uint("tx_frames", c.TxFrames)
	j.Uint("tx_bytes", c.TxBytes)
	j.Uint("rx_arp", c.RxARP)
	j.Uint("tx_arp", c.TxARP)
	j.Uint("arp_requests", c.ARPRequests)
	j.Uint("arp_misses", c.ARPMisses)
	j.Uint("rx_ipv4", c.RxIPv4)
	j.Uint("tx_ipv4", c.TxIPv4)
	j.Uint("rx_icmp", c.RxICMP)
	j.Uint("tx_icmp", c.TxICMP)
	j.Uint("echo_requests", c.EchoRequests)
	j.Uint("rx_udp", c.RxUDP)
	j.Uint("tx_udp", c.TxUDP)
	j.Uint("rx_tcp", c.RxTCP)
	j.Uint("tx_tcp", c.TxTCP)
	j.Uint("rx_fragments", c.RxFragments)
	j.Uint("reassembled", c.Reassembled)
	j.Uint("icmp_errors_sent", c.ICMPErrorsSent)
	j.Uint("icmp_errors_received", c.ICMPErrorsReceived)
	j.Uint("dropped", c.Dropped)
	j.Object("drops")
	for r := 0; r < stack.NumDropReasons; r++ {
		j.Uint(stack.DropReason(r).String(), c.Drops[r])
	}
	j.EndObject()
	j.EndObject()

	h := d.srv.Stats()
	j.Object("http")
	j.Uint("accepted", h.Accepted)
	j.Uint("requests", h.Requests)
	j.Uint("refused", h.Refused)
	j.Uint("overflow", h.Overflow)
	j.Uint("evicted", h.Evicted)
	j.Uint("timed_out", h.TimedOut)
	j.Uint("upgraded", h.Upgraded)
	j.Int("conns", int64(h.Conns))
	j.Int("active", int64(h.Active))
	j.Int("idle", int64(h.IdleConns))
	j.EndObject()

	g := d.group.Stats()
	j.Object("websocket")
	j.Int("open", int64(g.Open))
	j.Uint("adopted", g.Adopted)
	j.Uint("closed", g.Closed)
	j.Uint("messages_in", g.MessagesIn)
	j.Uint("messages_out", g.MessagesOut)
	j.Uint("bytes_out", g.BytesOut)
	j.Uint("pings_sent", g.PingsSent)
	j.Uint("pongs_in", g.PongsIn)
	j.Uint("queue_full", g.QueueFull)
	j.Uint("broadcasts", g.Broadcasts)
	j.Uint("broadcast_skipped", g.BroadcastSkipped)
	j.Uint("protocol_errors", g.ProtocolErrors)
	j.EndObject()

	l := d.live
	j.Object("live")
	j.Uint("snapshots", l.Snapshots)
	j.Uint("log_lines", l.LogLines)
	j.Uint("sent", l.Sent)
	j.Uint("skipped", l.Skipped)
	j.Uint("refused", l.Refused)
	j.EndObject()
}
