package app

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

// rig is the loopback demo in virtual time: the device's stack, the peer
// with the demo broker and NTP server, one reactor.
type rig struct {
	t    *testing.T
	r    *reactor.Reactor
	st   *stack.Stack
	peer *stack.Stack
	demo *DemoPeer
	got  []string // "topic payload" of every message the device published
}

var (
	devAddr  = netip.MustParsePrefix("192.168.7.2/24")
	peerAddr = netip.MustParsePrefix("192.168.7.1/24")
	// A real date, so the SNTP client's era arithmetic sees a sane clock.
	epoch = reactor.Instant(time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC).UnixNano())
)

func newRig(t *testing.T, ntpOffset time.Duration) *rig {
	t.Helper()
	a, b := loopback.NewPair(loopback.Config{})
	rg := &rig{t: t, r: reactor.New(reactor.NewVirtualClock(epoch))}
	var err error
	if rg.st, err = stack.New(a, stack.Config{Addr: devAddr, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if rg.peer, err = stack.New(b, stack.Config{Addr: peerAddr, Seed: 2}); err != nil {
		t.Fatal(err)
	}
	rg.st.Spawn(rg.r)
	rg.peer.Spawn(rg.r)
	if rg.demo, err = ServeDemoPeer(rg.r, rg.peer, ntpOffset); err != nil {
		t.Fatal(err)
	}
	rg.demo.OnPublish(func(topic string, payload []byte) { rg.got = append(rg.got, topic+" "+string(payload)) })
	return rg
}

// get fetches path from the device over a TCP connection from the peer.
func (rg *rig) get(path string) []byte {
	rg.t.Helper()
	c, err := rg.peer.DialTCP(netip.AddrPortFrom(devAddr.Addr(), 80), tcp.Config{})
	if err != nil {
		rg.t.Fatal(err)
	}
	var resp []byte
	closed := false
	c.OnReadable(func() {
		var buf [2048]byte
		for {
			n, _ := c.Read(buf[:])
			if n == 0 {
				return
			}
			resp = append(resp, buf[:n]...)
		}
	})
	c.OnPeerClosed(func() { closed = true })
	f := c.ConnectFuture()
	rg.r.RunUntil(5*time.Second, f.Done)
	if _, err := f.Result(); err != nil {
		rg.t.Fatal(err)
	}
	c.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: device\r\nConnection: close\r\n\r\n"))
	if !rg.r.RunUntil(5*time.Second, func() bool { return closed }) {
		rg.t.Fatalf("GET %s: no complete answer: %q", path, resp)
	}
	c.Close()
	head, body, ok := bytes.Cut(resp, []byte("\r\n\r\n"))
	if !ok || !bytes.HasPrefix(head, []byte("HTTP/1.1 200 ")) {
		rg.t.Fatalf("GET %s: %q", path, resp)
	}
	return body
}

type info struct {
	Name string
	App  map[string]any
}

func (rg *rig) info() info {
	rg.t.Helper()
	var i info
	if b := rg.get("/api/info"); json.Unmarshal(b, &i) != nil {
		rg.t.Fatalf("/api/info: %q", b)
	}
	return i
}

// The whole device in virtual time: it connects to the demo broker, says
// "online", publishes telemetry every MQTTEvery, takes each command and
// reflects it in /api/info and its log, and syncs its clock with the
// peer's NTP server, 1.5 s ahead.
func TestDeviceLoopbackVirtual(t *testing.T) {
	rg := newRig(t, 1500*time.Millisecond)
	d, err := New(rg.r, rg.st, Config{Name: "dev-1", Link: "loopback", MQTT: peerAddr.Addr().String(),
		NTP: peerAddr.Addr().String(), MQTTEvery: 2 * time.Second, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	if !rg.r.RunUntil(10*time.Second, func() bool { return d.State().MQTTUp && d.State().NTPSynced }) {
		t.Fatalf("state %+v; log %v", d.State(), rg.got)
	}
	rg.r.RunFor(5 * time.Second)
	var tel, status int
	for _, m := range rg.got {
		if strings.HasPrefix(m, "legation/dev-1/telemetry {") {
			tel++
			var v map[string]any
			if err := json.Unmarshal([]byte(strings.TrimPrefix(m, "legation/dev-1/telemetry ")), &v); err != nil || v["name"] != "dev-1" {
				t.Fatalf("telemetry %q: %v", m, err)
			}
		}
		if m == "legation/dev-1/status online" {
			status++
		}
	}
	// One at connection, then every 2 s for 5 s or more.
	if tel < 3 || status != 1 {
		t.Fatalf("%d telemetry, %d status messages: %q", tel, status, rg.got)
	}
	if off := d.State().NTPOffset; off < 1490*time.Millisecond || off > 1510*time.Millisecond {
		t.Fatalf("NTP offset %v, want 1.5 s", off)
	}

	for _, tc := range []struct{ cmd, reply string }{
		{"led on", "led on"},
		{"led toggle", "led off"},
		{"led on", "led on"},
		{"name kitchen", "name kitchen"},
		{"log hello from the broker", "logged"},
		{"ping", "pong"},
		{"bogus", "error: unknown command"},
	} {
		rg.got = rg.got[:0]
		rg.demo.Publish("legation/dev-1/cmd", []byte(tc.cmd), 1, false)
		want := "legation/dev-1/reply " + tc.reply
		if !rg.r.RunUntil(2*time.Second, func() bool {
			for _, m := range rg.got {
				if strings.HasPrefix(m, want) {
					return true
				}
			}
			return false
		}) {
			t.Fatalf("%q: no reply %q: %q", tc.cmd, want, rg.got)
		}
	}
	i := rg.info()
	if i.Name != "kitchen" || i.App["led"] != "on" || i.App["commands"] != float64(7) || i.App["last_command"] != "bogus" ||
		i.App["mqtt"] != "connected" || i.App["ntp_synced"] != true || !strings.HasPrefix(i.App["utc"].(string), "2026-11-21T12:00") {
		t.Fatalf("/api/info: %+v", i)
	}
	if log := string(rg.get("/api/log")); !strings.Contains(log, `"mqtt: hello from the broker"`) || !strings.Contains(log, `mqtt command \"led on\": led on`) {
		t.Fatalf("/api/log: %s", log)
	}

	f := d.Shutdown()
	if !rg.r.RunUntil(5*time.Second, f.Done) {
		t.Fatal("shutdown did not finish")
	}
	if rg.demo.Clients() != 0 || rg.got[len(rg.got)-1] != "legation/dev-1/status offline" {
		t.Fatalf("after shutdown: %d clients; last message %q", rg.demo.Clients(), rg.got[len(rg.got)-1])
	}
}

// Commands that are wrong in every way are answered with an error, never
// a panic, and change nothing.
func TestDeviceBadCommands(t *testing.T) {
	rg := newRig(t, 0)
	d, err := New(rg.r, rg.st, Config{Name: "dev-2", MQTT: peerAddr.Addr().String(), Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	if !rg.r.RunUntil(10*time.Second, func() bool { return d.State().MQTTUp }) {
		t.Fatal("not connected")
	}
	rg.r.RunFor(time.Second) // the subscription is in place
	// Under the client's MaxPacketSize, which would end the connection.
	long := strings.Repeat("x", 4000)
	for _, cmd := range []string{"", " ", "led", "led blue", "name", "name \x00\x01", "name caf\xc3\xa9", "\xff\xfe", "name " + long, long} {
		rg.got = rg.got[:0]
		rg.demo.Publish("legation/dev-2/cmd", []byte(cmd), 1, false)
		if !rg.r.RunUntil(2*time.Second, func() bool {
			for _, m := range rg.got {
				if strings.HasPrefix(m, "legation/dev-2/reply error: ") {
					return true
				}
			}
			return false
		}) {
			t.Fatalf("%.40q: no error reply: %.200q", cmd, rg.got)
		}
	}
	s := d.State()
	if s.Name != "dev-2" || s.LED || s.Commands != 10 || len(s.LastCommand) != maxCommand || !strings.HasPrefix(s.LastCommand, "xxx") {
		t.Fatalf("state %+v", s)
	}
	if i := rg.info(); i.Name != "dev-2" || i.App["led"] != "off" {
		t.Fatalf("/api/info %+v", i)
	}
}

// Telemetry is built and published without allocating.
func TestTelemetryNoAlloc(t *testing.T) {
	rg := newRig(t, 0)
	d, err := New(rg.r, rg.st, Config{MQTT: peerAddr.Addr().String(), NTP: peerAddr.Addr().String(), Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	if !rg.r.RunUntil(10*time.Second, func() bool { return d.State().MQTTUp && d.State().NTPSynced }) {
		t.Fatal("not connected and synced")
	}
	rg.demo.OnPublish(nil)
	before := d.State().Telemetry
	// Publishing only: the demo broker on the same reactor allocates. The
	// 8 KiB queue holds the 21 messages until the reactor runs.
	allocs := testing.AllocsPerRun(20, func() { d.mq.publishTelemetry(rg.r.Now()) })
	if d.State().Telemetry != before+21 {
		t.Fatalf("%d telemetry messages, want %d", d.State().Telemetry-before, 21)
	}
	if allocs > 0 {
		t.Fatalf("%.1f allocations per telemetry message", allocs)
	}
}
