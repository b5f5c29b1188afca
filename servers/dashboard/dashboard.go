package dashboard

import (
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/servers/httpd/websocket"
	"github.com/seed947b3480/legation/stack"
)

// Defaults of Config.
const (
	DefaultLogLines       = 64
	DefaultUpdateInterval = time.Second
	DefaultMaxClients     = 8
	// livePingInterval has the server ping a quiet live view, so a browser
	// that vanished without closing (a laptop lid) is dropped after about
	// two intervals instead of holding its slot for TCP's user timeout.
	livePingInterval = 30 * time.Second
)

// Config describes the device and sets the dashboard's limits.
type Config struct {
	// Name, Model and Firmware identify the device on the page and in
	// /api/info.
	Name, Model, Firmware string
	// LogLines is the size of the log ring. Default 64.
	LogLines int
	// UpdateInterval is how often each live view gets a snapshot.
	// Default 1 s.
	UpdateInterval time.Duration
	// MaxClients bounds the live views open at once; one more is closed
	// with 1013 (try again later). Default 8.
	MaxClients int
	// App, if set, writes the application's own members into the "app"
	// object of /api/info and of every live snapshot (the page lists them
	// by name), e.g. j.String("mode", "auto"). It runs on the reactor
	// goroutine; a writer that calls only JSON's methods allocates nothing.
	App func(j *JSON)
	// Clock dates log lines and measures uptime. nil means the stack,
	// whose clock is the instant of its latest poll: exact inside the
	// stack's callbacks (handlers, socket callbacks) but behind elsewhere
	// while the stack is idle. Pass the reactor (*reactor.Reactor) when
	// lines are appended from other tasks.
	Clock Clock
}

func (c Config) withDefaults(st *stack.Stack) Config {
	if c.LogLines <= 0 {
		c.LogLines = DefaultLogLines
	}
	if c.UpdateInterval <= 0 {
		c.UpdateInterval = DefaultUpdateInterval
	}
	if c.Clock == nil {
		c.Clock = st
	}
	if c.MaxClients <= 0 {
		c.MaxClients = DefaultMaxClients
	}
	return c
}

// Dashboard is the device dashboard of one HTTP server: its routes, its log
// and its live feed. Everything about it belongs to the reactor goroutine.
type Dashboard struct {
	srv   *httpd.Server
	st    *stack.Stack
	cfg   Config
	start reactor.Instant
	log   *Log
	page  *httpd.Static
	group *websocket.Group
	feed  feed
	mem   memStats

	infoJSON JSON   // /api/info's writer, kept here (see serveInfo)
	snapJSON JSON   // the snapshot's writer
	snapBuf  []byte // the live snapshot being built
	lineBuf  []byte // a live log line being built
	eventBuf []byte // the dashboard's own log line being built
	logFree  *logStream
	live     LiveStats
}

// LiveStats counts what the live feed sent.
type LiveStats struct {
	Snapshots uint64 // snapshots built (each broadcast to every live view)
	LogLines  uint64 // log lines pushed
	Sent      uint64 // messages that went into a view's send ring
	Skipped   uint64 // messages a view missed for lack of room in its ring
	Refused   uint64 // views closed at MaxClients
}

// Register adds the dashboard to srv, a server on st: the page at "/", the
// JSON routes under "/api/" and the live feed at "/api/live". Call it
// before srv.Spawn; the dashboard's timers run in srv's task.
//
// Routes: /api/info (identity, uptime, Go version and GOARCH, the App
// members), /api/network (address, gateway, DNS and NTP servers, MAC, link
// state), /api/stats (the stack's counters with drops by reason, the HTTP
// server's and the live feed's), /api/log (the log ring, or with
// ?after=SEQ the lines after SEQ), /api/system/memory (the Go runtime's
// heap figures and the open connections). The WebSocket at /api/live
// pushes a snapshot of all that every UpdateInterval and each new log
// line as it is appended.
func Register(srv *httpd.Server, st *stack.Stack, cfg Config) *Dashboard {
	cfg = cfg.withDefaults(st)
	d := &Dashboard{
		srv:      srv,
		st:       st,
		cfg:      cfg,
		start:    cfg.Clock.Now(),
		log:      NewLog(cfg.LogLines, cfg.Clock),
		page:     mustPage(),
		snapBuf:  make([]byte, 0, 4096),
		lineBuf:  make([]byte, 0, 2*MaxLineLen+128),
		eventBuf: make([]byte, 0, MaxLineLen),
	}
	d.feed = feed{d: d, next: reactor.Never}
	d.log.onAppend = d.pushLine
	d.group = websocket.NewGroup(websocket.Config{
		Clock:        cfg.Clock,
		MaxMessage:   1024,
		Buffers:      2,
		BufferSize:   1024,
		PingInterval: livePingInterval,
		// The dashboard keeps no Conn past OnClose: a view that
		// reconnects reuses a record and allocates nothing.
		Recycle: true,
	}, websocket.Handler{
		OnOpen:  d.onOpen,
		OnClose: d.onClose,
	})
	srv.HandleStatic("/", d.page)
	srv.Handle("GET", "/api/info", d.serveInfo)
	srv.Handle("GET", "/api/network", d.serveNetwork)
	srv.Handle("GET", "/api/stats", d.serveStats)
	srv.Handle("GET", "/api/system/memory", d.serveMemory)
	srv.Handle("GET", "/api/log", d.serveLog)
	srv.WebSocket("/api/live", d.group)
	srv.AddTicker(&d.feed)
	return d
}

// Log returns the dashboard's log, for the application's lines.
func (d *Dashboard) Log() *Log { return d.log }

// Group returns the WebSocket group of the live views.
func (d *Dashboard) Group() *websocket.Group { return d.group }

// LiveStats returns the live feed's counters.
func (d *Dashboard) LiveStats() LiveStats { return d.live }

// Close ends every live view with 1001 (going away). The server's Shutdown
// does it too; Close is for stopping the live views alone.
func (d *Dashboard) Close() { d.group.Close(websocket.CloseGoingAway) }

func (d *Dashboard) uptime() time.Duration { return d.cfg.Clock.Now().Sub(d.start) }

// SetName renames the device on the page and in /api/info, as an
// application command ("name X" over MQTT, say) does. Reactor goroutine
// only.
func (d *Dashboard) SetName(name string) { d.cfg.Name = name }

// Name returns the device's name.
func (d *Dashboard) Name() string { return d.cfg.Name }
