package dashboard

import (
	"strconv"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd/websocket"
)

// The live feed: text messages on the WebSocket at /api/live, each a JSON
// object whose "t" says what it is.
//
//	{"t":"snap","n":N,"name":NAME,"uptime_ms":...,"log_next":SEQ,
//	 "network":{...},"stats":{...},"memory":{...},"app":{...}}
//	{"t":"log","seq":SEQ,"ms":...,"level":"info","msg":"..."}
//
// A snapshot goes to a view when it opens and to every view each
// UpdateInterval; a log line goes to every view as it is appended. A view
// whose send ring is full misses that message (Group.Broadcast never
// queues): the next snapshot brings the figures again, and log_next lets
// the page fetch the lines it missed from /api/log?after=SEQ.

// feed is the live feed's timer, polled by the server's task.
type feed struct {
	d    *Dashboard
	next reactor.Instant // the next snapshot, Never while no view is open
}

func (f *feed) Poll(now reactor.Instant) reactor.Instant {
	d := f.d
	if d.group.Len() == 0 {
		f.next = reactor.Never
		return f.next
	}
	if now.Before(f.next) {
		return f.next
	}
	sent, skipped := d.group.Broadcast(true, d.snapshot())
	d.live.Sent += uint64(sent)
	d.live.Skipped += uint64(skipped)
	f.next = now.Add(d.cfg.UpdateInterval)
	return f.next
}

// onOpen greets a new view with a snapshot, so the page fills at once,
// logs its arrival (which every view, the new one included, then gets
// live) and starts the feed's timer if it was idle.
func (d *Dashboard) onOpen(c *websocket.Conn) {
	if d.group.Len() > d.cfg.MaxClients {
		d.live.Refused++
		c.Close(websocket.CloseTryAgainLater, "too many live views")
		d.logEvent(LevelWarn, "live view refused (too many open): ", c, -1)
		return
	}
	if c.Send(true, d.snapshot()) == nil {
		d.live.Sent++
	} else {
		d.live.Skipped++
	}
	d.logEvent(LevelInfo, "live view opened from ", c, -1)
	if d.feed.next == reactor.Never {
		d.feed.next = d.cfg.Clock.Now().Add(d.cfg.UpdateInterval)
		d.srv.Wake()
	}
}

func (d *Dashboard) onClose(c *websocket.Conn, code websocket.CloseCode, reason []byte) {
	d.logEvent(LevelInfo, "live view closed: ", c, int(code))
}

// logEvent appends "<what><remote address>", and " code N" if code is not
// negative, without allocating.
func (d *Dashboard) logEvent(level Level, what string, c *websocket.Conn, code int) {
	b := append(d.eventBuf[:0], what...)
	b = c.RemoteAddr().AppendTo(b)
	if code >= 0 {
		b = append(b, " code "...)
		b = strconv.AppendInt(b, int64(code), 10)
	}
	d.eventBuf = b
	d.log.Append(level, b)
}

// snapshot builds the periodic message in snapBuf.
func (d *Dashboard) snapshot() []byte {
	d.live.Snapshots++
	j := &d.snapJSON // not local: it would escape through Config.App
	*j = NewJSON(d.snapBuf[:0])
	j.Object("")
	j.String("t", "snap")
	j.Uint("n", d.live.Snapshots)
	j.String("name", d.cfg.Name) // SetName may change it
	j.Int("uptime_ms", d.uptime().Milliseconds())
	j.Uint("log_next", d.log.Next())
	j.Object("network")
	d.writeNetwork(j)
	j.EndObject()
	j.Object("stats")
	d.writeStats(j)
	j.EndObject()
	j.Object("memory")
	d.writeMemory(j)
	j.EndObject()
	d.writeApp(j)
	j.EndObject()
	d.snapBuf = j.b // keep a buffer that grew
	return j.b
}

// pushLine sends a line just appended to the log to every live view.
func (d *Dashboard) pushLine(e Entry) {
	if d.group.Len() == 0 {
		return
	}
	j := NewJSON(d.lineBuf[:0])
	j.Object("")
	j.String("t", "log")
	j.Uint("seq", e.Seq)
	j.Int("ms", e.At.Sub(d.start).Milliseconds())
	j.String("level", e.Level.String())
	j.BytesString("msg", e.Msg)
	j.EndObject()
	d.lineBuf = j.b
	d.live.LogLines++
	sent, skipped := d.group.Broadcast(true, j.b)
	d.live.Sent += uint64(sent)
	d.live.Skipped += uint64(skipped)
}
