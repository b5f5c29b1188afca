package interop

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/dhcp"
	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/internal/netnstest"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
)

// dhcpClient is an unconfigured stack on dev with a DHCP client, its
// reactor turning on its own goroutine on the real clock. Events are copied
// to a channel the test reads.
type dhcpClient struct {
	*device
	c      *dhcp.Client
	events chan dhcp.Lease
}

func startDHCPClient(t *testing.T, dev hal.Device, cfg dhcp.Config) *dhcpClient {
	t.Helper()
	s, err := stack.New(dev, stack.Config{})
	if err != nil {
		t.Fatal(err)
	}
	d := &device{r: reactor.New(reactor.NewRealClock()), s: s, done: make(chan struct{})}
	s.Spawn(d.r)
	events := make(chan dhcp.Lease, 64)
	cfg.OnChange = func(l dhcp.Lease) {
		select {
		case events <- l:
		default:
			t.Errorf("dhcp event %v dropped: test not reading", l.Event)
		}
	}
	c, err := dhcp.New(s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Spawn(d.r)
	ctx, cancel := context.WithCancel(context.Background())
	d.stop = cancel
	go func() { defer close(d.done); d.r.Run(ctx) }()
	t.Cleanup(d.shutdown)
	return &dhcpClient{device: d, c: c, events: events}
}

// start starts the client on the reactor goroutine and returns its future.
func (dc *dhcpClient) start() *reactor.Future[dhcp.Lease] {
	var f *reactor.Future[dhcp.Lease]
	dc.do(func() { f = dc.c.Start() })
	return f
}

// waitEvent waits (in real time) for the next event of kind ev, failing
// the test on another kind or a timeout.
func (dc *dhcpClient) waitEvent(t *testing.T, ev dhcp.Event, timeout time.Duration) dhcp.Lease {
	t.Helper()
	select {
	case l := <-dc.events:
		if l.Event != ev {
			t.Fatalf("dhcp event %v (%+v), want %v", l.Event, l, ev)
		}
		return l
	case <-time.After(timeout):
		var st dhcp.State
		var stats dhcp.Stats
		dc.do(func() { st, stats = dc.c.State(), dc.c.Stats() })
		t.Fatalf("no %v event within %v; state %v, stats %+v", ev, timeout, st, stats)
	}
	return dhcp.Lease{}
}

// dhcpLog is a goroutine-safe buffer for a daemon's output.
type dhcpLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *dhcpLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *dhcpLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// count reports the lines holding every one of words.
func (l *dhcpLog) count(words ...string) int {
	n := 0
	for _, line := range strings.Split(l.String(), "\n") {
		all := true
		for _, w := range words {
			all = all && strings.Contains(line, w)
		}
		if all {
			n++
		}
	}
	return n
}

// dhcpDnsmasq is a dnsmasq serving DHCP (and DNS) on tap0 in a namespace.
type dhcpDnsmasq struct {
	cmd    *exec.Cmd
	log    *dhcpLog
	leases string
}

// startDHCPDnsmasq runs dnsmasq in ns with the configuration of PEERS.md plus
// extra lines, and waits until it says its DHCP range is up. It is killed,
// by PID, when the test ends.
func startDHCPDnsmasq(t *testing.T, ns *netnstest.NS, extra ...string) *dhcpDnsmasq {
	t.Helper()
	dir := t.TempDir()
	leases := filepath.Join(dir, "leases")
	conf := strings.Join(append([]string{
		"interface=tap0",
		"bind-interfaces",
		"no-resolv",
		"no-hosts",
		"user=root",
		"no-ping", // else each new lease waits 3 s for an ICMP echo
		"log-dhcp",
		"log-facility=-",
		"pid-file=",
		"dhcp-leasefile=" + leases,
	}, extra...), "\n") + "\n"
	confPath := filepath.Join(dir, "dnsmasq.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	d := &dhcpDnsmasq{log: &dhcpLog{}, leases: leases}
	d.cmd = exec.Command("ip", "netns", "exec", ns.Name, "dnsmasq", "--keep-in-foreground", "-C", confPath)
	d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.stop()
		if t.Failed() {
			t.Logf("dnsmasq log:\n%s", d.log)
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for d.log.count("DHCP, IP range") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("dnsmasq did not start:\n%s", d.log)
		}
		time.Sleep(10 * time.Millisecond) // polling a real daemon's log, bounded by the deadline
	}
	return d
}

// stop kills dnsmasq by PID and waits for it.
func (d *dhcpDnsmasq) stop() {
	if d.cmd.ProcessState == nil {
		d.cmd.Process.Kill()
		d.cmd.Wait()
	}
}

// dhcpTcpdump captures DHCP on tap0 in ns to path until the test ends.
func dhcpTcpdump(t *testing.T, ns *netnstest.NS, path string) {
	t.Helper()
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Skip("interop: skipped: tcpdump not found (Debian package tcpdump)")
	}
	out := &dhcpLog{}
	cmd := exec.Command("ip", "netns", "exec", ns.Name, "tcpdump", "-i", "tap0", "-U", "-w", path, "udp port 67 or udp port 68")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	deadline := time.Now().Add(5 * time.Second)
	for out.count("listening on") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("tcpdump did not start: %s", out)
		}
		time.Sleep(10 * time.Millisecond) // polling a real tool's output, bounded by the deadline
	}
}
