package interop

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/stack"
)

// The device example on the loopback link, reached from the host through
// its forwarder: the dashboard's JSON routes with net/http and curl, then
// the page in headless Chromium, which must show the device and what only
// the live WebSocket brings; then Ctrl-C stops the device gracefully.
func TestDashboardDevice(t *testing.T) {
	start := time.Now()
	dev := startDeviceExample(t)
	t.Logf("device built and serving at %s after %v", dev.url, time.Since(start).Round(time.Millisecond))

	t.Run("JSON", func(t *testing.T) { checkDashboardJSON(t, dev) })
	t.Run("Page", func(t *testing.T) { checkDashboardPage(t, dev) })
	t.Run("Curl", func(t *testing.T) { checkDashboardCurl(t, dev) })
	t.Run("Chromium", func(t *testing.T) { checkDashboardChromium(t, dev) })

	// Ctrl-C: the device closes the live views and its server, then exits 0.
	stopped := time.Now()
	if err := dev.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-dev.exited:
	case <-time.After(15 * time.Second):
		t.Fatalf("device still running 15 s after SIGINT\nstderr:\n%s", dev.stderr.String())
	}
	if code := dev.cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(dev.stderr.String(), "device: shutting down") {
		t.Fatalf("exit code %d after SIGINT\nstderr:\n%s", code, dev.stderr.String())
	}
	t.Logf("stopped %v after SIGINT; whole test %v", time.Since(stopped).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

type deviceExample struct {
	cmd    *exec.Cmd
	url    string // "http://127.0.0.1:PORT"
	name   string
	stderr *lockedBuffer
	exited chan struct{}
}

// lockedBuffer is a bytes.Buffer that a process writes while a test reads.
type lockedBuffer struct {
	mu chan struct{}
	b  bytes.Buffer
}

func newLockedBuffer() *lockedBuffer { return &lockedBuffer{mu: make(chan struct{}, 1)} }

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu <- struct{}{}
	defer func() { <-l.mu }()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu <- struct{}{}
	defer func() { <-l.mu }()
	return l.b.String()
}

// startDeviceExample builds examples/device, runs it on the loopback link
// with its forwarder on a free host port, and waits until the dashboard
// answers.
func startDeviceExample(t *testing.T) *deviceExample {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "device")
	build := exec.Command("go", "build", "-o", bin, "github.com/seed947b3480/legation/examples/device")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build examples/device: %v\n%s", err, out)
	}
	// A name only this run uses, so the page cannot show it by accident.
	name := fmt.Sprintf("interop-dash-%d", os.Getpid())
	dev := &deviceExample{name: name, stderr: newLockedBuffer(), exited: make(chan struct{})}
	// Port 0: the kernel picks a free port and the device prints its URL.
	dev.cmd = exec.Command(bin, "-listen", "127.0.0.1:0", "-name", name, "-model", "interop model", "-heartbeat", "250ms")
	dev.cmd.Stderr = dev.stderr
	stdout, err := dev.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := dev.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "dashboard: "); ok {
				u, _, _ := strings.Cut(rest, " ")
				urls <- strings.TrimSuffix(u, "/")
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { dev.cmd.Wait(); close(dev.exited) }()
	t.Cleanup(func() {
		select {
		case <-dev.exited:
		default:
			dev.cmd.Process.Kill()
			<-dev.exited
		}
	})
	select {
	case dev.url = <-urls:
	case <-dev.exited:
		t.Fatalf("device exited: %v\nstderr:\n%s", dev.cmd.ProcessState, dev.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("device printed no URL within 30 s\nstderr:\n%s", dev.stderr.String())
	}
	if !strings.HasPrefix(dev.url, "http://127.0.0.1:") {
		t.Fatalf("URL %q", dev.url)
	}
	// The listener is open before the URL is printed; poll until the
	// device behind it answers too.
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(dev.url + "/api/info")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return dev
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("dashboard not answering within 15 s: %v\nstderr:\n%s", err, dev.stderr.String())
		}
		<-tick.C
	}
}

func getDashboardJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%s: %s %s\n%s", url, resp.Status, resp.Header.Get("Content-Type"), body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("%s: %v\n%s", url, err, body)
	}
}

func checkDashboardJSON(t *testing.T, dev *deviceExample) {
	var info struct {
		Name, Model, Firmware, Go, Goarch string
		UptimeMS                          int64 `json:"uptime_ms"`
		App                               map[string]any
	}
	getDashboardJSON(t, dev.url+"/api/info", &info)
	if info.Name != dev.name || info.Model != "interop model" || info.Go != runtime.Version() || info.Goarch != runtime.GOARCH ||
		info.UptimeMS <= 0 || info.App["link"] != "loopback" || info.App["addressing"] != "static" {
		t.Fatalf("/api/info: %+v", info)
	}

	var network struct {
		Addr, MAC string
		LinkUp    bool `json:"link_up"`
	}
	getDashboardJSON(t, dev.url+"/api/network", &network)
	if network.Addr != "192.168.7.2/24" || !network.LinkUp || len(network.MAC) != 17 {
		t.Fatalf("/api/network: %+v", network)
	}

	var stats struct {
		Stack struct {
			RxTCP uint64            `json:"rx_tcp"`
			Drops map[string]uint64 `json:"drops"`
		}
		HTTP struct{ Requests uint64 }
	}
	getDashboardJSON(t, dev.url+"/api/stats", &stats)
	if stats.Stack.RxTCP == 0 || len(stats.Stack.Drops) != stack.NumDropReasons || stats.HTTP.Requests < 3 {
		t.Fatalf("/api/stats: %+v", stats)
	}

	var mem map[string]uint64
	getDashboardJSON(t, dev.url+"/api/system/memory", &mem)
	if mem["heap_alloc"] == 0 || mem["sys"] < mem["heap_inuse"] || mem["http_conns"] == 0 {
		t.Fatalf("/api/system/memory: %v", mem)
	}

	var log struct {
		Next    uint64
		Entries []struct {
			Seq   uint64
			Level string
			Msg   string
		}
	}
	getDashboardJSON(t, dev.url+"/api/log", &log)
	if len(log.Entries) == 0 || log.Entries[0].Seq != 1 || !strings.HasPrefix(log.Entries[0].Msg, "booted: 192.168.7.2/24 on link loopback") {
		t.Fatalf("/api/log: %+v", log)
	}
}

// The page goes out gzip-compressed to a client that accepts it, plain to
// one that does not, and is the source file either way.
func checkDashboardPage(t *testing.T, dev *deviceExample) {
	src, err := os.ReadFile(filepath.Join("..", "servers", "dashboard", "page.html"))
	if err != nil {
		t.Fatal(err)
	}
	get := func(acceptGzip bool, etag string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", dev.url+"/", nil)
		if acceptGzip {
			req.Header.Set("Accept-Encoding", "gzip") // set by hand: the transport then leaves the body compressed
		}
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}
	resp, body := get(true, "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: %s %v", resp.Status, resp.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, src) {
		t.Fatalf("gzip body (%d bytes) does not decompress to page.html: %v", len(body), err)
	}
	t.Logf("page: %d bytes gzip, %d plain", len(body), len(plain))
	etag := resp.Header.Get("ETag")

	resp, body = get(false, "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, src) {
		t.Fatalf("identity: %s %v, %d bytes", resp.Status, resp.Header, len(body))
	}
	if resp, _ = get(true, etag); resp.StatusCode != 304 {
		t.Fatalf("If-None-Match %s: %s", etag, resp.Status)
	}
}

func checkDashboardCurl(t *testing.T, dev *deviceExample) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("interop: skipped: curl not found (Debian package curl)")
	}
	out, err := exec.Command("curl", "-sS", "--max-time", "10", "--compressed", "-D", "-", dev.url+"/").CombinedOutput()
	if err != nil || !bytes.Contains(bytes.ToLower(out), []byte("\r\ncontent-encoding: gzip\r\n")) || !bytes.Contains(out, []byte("<title>Device</title>")) {
		t.Fatalf("curl --compressed /: %v\n%.600s", err, out)
	}
	out, err = exec.Command("curl", "-sS", "--max-time", "10", "--fail", dev.url+"/api/info").CombinedOutput()
	var info struct{ Name string }
	if err != nil || json.Unmarshal(out, &info) != nil || info.Name != dev.name {
		t.Fatalf("curl /api/info: %v\n%s", err, out)
	}
}

// checkDashboardChromium loads the page in headless Chromium twice: once
// from the command line with --dump-dom, which shows what the page built
// from its JSON requests (virtual time waits for pending fetches), and
// once over the DevTools protocol, waiting until the live feed has
// delivered the line that logs this very view's WebSocket opening: the
// page read /api/log before it opened the WebSocket, so that line can only
// have come over it. (--dump-dom cannot check that: virtual time does not
// wait for a WebSocket, and about one run in six dumped the page before
// its feed had opened.) The screenshot, taken once the page is live, is
// kept.
func checkDashboardChromium(t *testing.T, dev *deviceExample) {
	chromium := requireChromium(t)

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{}, chromiumFlags...)
	args = append(args, "--user-data-dir="+t.TempDir(), "--virtual-time-budget=5000", "--dump-dom", dev.url+"/")
	cmd := exec.CommandContext(ctx, chromium, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil || !bytes.Contains(dom, []byte(`<h1 id="name">`+dev.name+`</h1>`)) || !bytes.Contains(dom, []byte("interop model")) {
		t.Fatalf("--dump-dom: %v: the device name is missing\n%.3000s\nstderr:\n%.2000s", err, dom, stderr.Bytes())
	}
	t.Logf("chromium --dump-dom: %d bytes of DOM with the device name, %v", len(dom), time.Since(start).Round(time.Millisecond))

	start = time.Now()
	b := startCDP(t, chromium)
	page, err := b.openPage(ctx, 1280, 900)
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, b.stderrTail())
	}
	// Every line from here on is newer than the page's first /api/log.
	var before struct{ Next uint64 }
	getDashboardJSON(t, dev.url+"/api/log", &before)
	if err := b.call(ctx, page, "Page.navigate", map[string]any{"url": dev.url + "/"}, nil); err != nil {
		t.Fatal(err)
	}
	// Resolves once the page is live, has counted a live message and shows
	// a line delivered over the WebSocket (marked "fresh") that logs a
	// view opening after the page loaded: its own.
	waitLive := `new Promise(resolve => {
		const check = () => {
			const n = Number((document.getElementById("live-n") || {}).textContent || 0);
			const state = (document.getElementById("state") || {}).textContent || "";
			for (const row of document.querySelectorAll("#log .line.fresh")) {
				const seq = Number(row.dataset.seq), msg = row.querySelector(".m").textContent;
				if (n >= 1 && state === "live" && seq >= ` + strconv.FormatUint(before.Next, 10) + ` && msg.startsWith("live view opened from ")) {
					resolve({updates: n, seq: seq, msg: msg});
					return true;
				}
			}
			return false;
		};
		if (!check()) new MutationObserver((_, obs) => { if (check()) obs.disconnect(); })
			.observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
	})`
	var live struct {
		Updates int
		Seq     uint64
		Msg     string
	}
	liveCtx, liveCancel := context.WithTimeout(ctx, 20*time.Second)
	defer liveCancel()
	if err := b.eval(liveCtx, page, waitLive, &live); err != nil {
		var text string
		diag, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		b.eval(diag, page, "document.body.innerText", &text)
		t.Fatalf("live view: %v\npage text:\n%.3000s\nstderr:\n%s", err, text, b.stderrTail())
	}
	var html string
	if err := b.eval(ctx, page, "document.documentElement.outerHTML", &html); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html, `<h1 id="name">`+dev.name+`</h1>`) || !strings.Contains(html, `data-seq="`+strconv.FormatUint(live.Seq, 10)+`"`) ||
		!strings.HasPrefix(live.Msg, "live view opened from 192.168.7.1:") {
		t.Fatalf("live line %+v; DOM:\n%.3000s", live, html)
	}
	t.Logf("chromium over DevTools: live after %v, %d live messages, line %d %q", time.Since(start).Round(time.Millisecond), live.Updates, live.Seq, live.Msg)

	// The device saw the WebSocket too.
	var stats struct {
		Websocket struct{ Adopted, Open int }
	}
	getDashboardJSON(t, dev.url+"/api/stats", &stats)
	if stats.Websocket.Adopted < 1 || stats.Websocket.Open < 1 {
		t.Fatalf("device's websocket stats %+v", stats.Websocket)
	}

	png, err := b.screenshot(ctx, page)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot: %v (%d bytes)", err, len(png))
	}
	dir := os.Getenv("LEGATION_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "dashboard-"+strconv.Itoa(1280)+"x900.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
}
