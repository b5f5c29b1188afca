package dashboard

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/stack"
)

func testConfig() Config {
	return Config{
		Name: "bench-7 <\"lab\">", Model: "LX-1", Firmware: "0.9.1",
		App: func(j *JSON) { j.String("mode", "auto"); j.Int("setpoint", 42) },
	}
}

func TestInfo(t *testing.T) {
	n := newTestNet(t, testConfig())
	n.r.RunFor(90 * time.Second)
	var info struct {
		Name, Model, Firmware, Go, Goos, Goarch string
		UptimeMS                                int64 `json:"uptime_ms"`
		LogLines                                int   `json:"log_lines"`
		App                                     map[string]any
	}
	n.getJSON("/api/info", &info)
	if info.Name != "bench-7 <\"lab\">" || info.Model != "LX-1" || info.Firmware != "0.9.1" || !strings.HasPrefix(info.Go, "go") || info.Goarch == "" {
		t.Fatalf("%+v", info)
	}
	if info.UptimeMS < 90000 || info.UptimeMS > 91000 {
		t.Fatalf("uptime %d ms after 90 s", info.UptimeMS)
	}
	if info.LogLines != DefaultLogLines || info.App["mode"] != "auto" || info.App["setpoint"] != 42.0 {
		t.Fatalf("%+v", info)
	}
}

func TestNetwork(t *testing.T) {
	n := newTestNet(t, Config{})
	var net struct {
		Addr, Gateway, MAC string
		DNS, NTP           []string
		LinkUp             bool `json:"link_up"`
	}
	n.getJSON("/api/network", &net)
	mac := n.dev.HardwareAddr().String()
	if net.Addr != "10.9.0.1/24" || net.Gateway != "10.9.0.2" || net.MAC != mac || !net.LinkUp ||
		!slices.Equal(net.DNS, []string{"10.9.0.2", "192.0.2.53"}) || net.NTP == nil || len(net.NTP) != 0 {
		t.Fatalf("%+v (mac %s)", net, mac)
	}
}

func TestStats(t *testing.T) {
	n := newTestNet(t, Config{})
	n.get("/api/info")
	var st struct {
		Stack struct {
			RxFrames uint64 `json:"rx_frames"`
			TxTCP    uint64 `json:"tx_tcp"`
			Drops    map[string]uint64
		}
		HTTP struct {
			Requests uint64
			Conns    int
		}
		Websocket map[string]any
		Live      map[string]any
	}
	n.getJSON("/api/stats", &st)
	want := n.dev.Counters()
	if st.Stack.RxFrames == 0 || st.Stack.RxFrames > want.RxFrames || st.Stack.TxTCP == 0 {
		t.Fatalf("stack %+v, counters now %+v", st.Stack, want)
	}
	if len(st.Stack.Drops) != stack.NumDropReasons {
		t.Fatalf("%d drop reasons, want %d", len(st.Stack.Drops), stack.NumDropReasons)
	}
	if _, ok := st.Stack.Drops[stack.DropNoSocket.String()]; !ok {
		t.Fatalf("drops %v", st.Stack.Drops)
	}
	if st.HTTP.Requests != 2 || st.HTTP.Conns < 1 || st.Websocket["open"] != 0.0 || st.Live["snapshots"] != 0.0 {
		t.Fatalf("%+v", st)
	}
}

func TestMemory(t *testing.T) {
	n := newTestNet(t, Config{})
	var m map[string]uint64
	n.getJSON("/api/system/memory", &m)
	for _, k := range []string{"heap_alloc", "heap_inuse", "sys", "mallocs", "goroutines", "http_conns"} {
		if m[k] == 0 {
			t.Fatalf("%s is 0: %v", k, m)
		}
	}
	if m["heap_inuse"] > m["sys"] || m["frees"] > m["mallocs"] {
		t.Fatalf("%v", m)
	}
}

type logAnswer struct {
	Next    uint64
	Entries []struct {
		Seq   uint64
		MS    int64
		Level string
		Msg   string
	}
}

// /api/log streams the whole ring, in order, escaped, in many chunks.
func TestLogRoute(t *testing.T) {
	n := newTestNet(t, Config{LogLines: 16})
	msg := func(i int) string {
		return strings.Repeat(`<"\`, 40) + string(rune('A'+i)) + "\t\u2028"
	}
	for i := range 20 {
		n.r.RunFor(100 * time.Millisecond)
		n.d.Log().AppendString(Level(i%4), msg(i))
	}
	var l logAnswer
	n.getJSON("/api/log", &l)
	if l.Next != 21 || len(l.Entries) != 16 {
		t.Fatalf("next %d, %d entries", l.Next, len(l.Entries))
	}
	for k, e := range l.Entries {
		i := k + 4
		want := msg(i)
		if len(want) > MaxLineLen {
			t.Fatal("test line too long")
		}
		if e.Seq != uint64(i+1) || e.Level != Level(i%4).String() || e.Msg != want || e.MS < int64(i+1)*100 || e.MS > int64(i+1)*100+10 {
			t.Fatalf("entry %d: %+v", k, e)
		}
	}
	var after logAnswer
	n.getJSON("/api/log?after=18", &after)
	if len(after.Entries) != 2 || after.Entries[0].Seq != 19 || after.Entries[1].Seq != 20 {
		t.Fatalf("after=18: %+v", after)
	}
	var empty logAnswer
	n.getJSON("/api/log?after=99", &empty)
	if empty.Next != 21 || empty.Entries == nil || len(empty.Entries) != 0 {
		t.Fatalf("after=99: %+v", empty)
	}
	var huge logAnswer
	n.getJSON("/api/log?after=18446744073709551615", &huge)
	if len(huge.Entries) != 0 {
		t.Fatalf("after=max: %+v", huge)
	}
	if resp, _ := n.get("/api/log?after=x"); resp.StatusCode != 400 {
		t.Fatalf("after=x: %s", resp.Status)
	}
}

// A keep-alive GET of /api/info or /api/log, both stacks, the server and
// the dashboard included, allocates nothing.
func TestRoutesAllocateNothing(t *testing.T) {
	n := newTestNet(t, testConfig())
	for i := range 64 {
		n.d.Log().Printf(LevelInfo, "line %d", i)
	}
	for _, path := range []string{"/api/info", "/api/log", "/api/stats", "/api/network", "/api/system/memory"} {
		c := n.dial()
		req := "GET " + path + " HTTP/1.1\r\nHost: device\r\n\r\n"
		tail := []byte("}")
		if path == "/api/log" {
			tail = []byte("]}\r\n0\r\n\r\n")
		}
		done := func() bool { return bytes.HasSuffix(c.got.Bytes(), tail) }
		roundTrip := func() {
			c.got.Reset()
			c.send(req)
			if !n.r.RunUntil(time.Second, done) {
				t.Fatalf("%s: no answer: %q", path, c.got.Bytes())
			}
		}
		for range 5 {
			roundTrip()
		}
		a := testing.AllocsPerRun(100, roundTrip)
		t.Logf("%s: %v allocs per request, %d bytes", path, a, c.got.Len())
		if a != 0 {
			t.Errorf("%s: %v allocations per request", path, a)
		}
	}
}
