package sntp

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/beevik/ntp"
	"github.com/seed947b3480/legation/clients/sntp"
	"github.com/seed947b3480/legation/hal/tap"
	"github.com/seed947b3480/legation/internal/netnstest"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
)

const samples = 3

// sample is one measurement: the server's clock minus ours, and the round
// trip.
type sample struct{ offset, delay time.Duration }

// best is the sample with the least delay: the one least disturbed by
// scheduling on either side (NTP's clock filter keeps it for that reason).
func best(s []sample) sample {
	b := s[0]
	for _, x := range s[1:] {
		if x.delay < b.delay {
			b = x
		}
	}
	return b
}

// TestOffsetAgreesWithBeevik: chronyd serves NTP at 10.77.0.1 in a
// namespace; legation's client asks it from 10.77.0.2 over a TAP device,
// beevik/ntp from a kernel socket in the same namespace. Both read the same
// host clock as chronyd, so both must find an offset near zero, and the
// two must agree within 1 ms.
func TestOffsetAgreesWithBeevik(t *testing.T) {
	requireTools(t, map[string]string{"ip": "iproute2", "chronyd": "chrony"})
	ns := newNetns(t)

	// The tap's fd is attached before the kernel side comes up, so no
	// early frame is lost.
	dev, err := tap.Open(tap.Config{Name: "tap0", Netns: ns})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	st, err := stack.New(dev, stack.Config{Addr: netip.MustParsePrefix("10.77.0.2/24")})
	if err != nil {
		t.Fatal(err)
	}
	r := reactor.New(reactor.NewRealClock())
	st.Spawn(r)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { defer close(stopped); r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-stopped })
	run(t, "ip", "-n", ns, "addr", "add", "10.77.0.1/24", "dev", "tap0")
	run(t, "ip", "-n", ns, "link", "set", "dev", "tap0", "up")

	startChrony(t, ns)
	server := netip.MustParseAddr("10.77.0.1")

	ours := make([]sample, 0, samples)
	for range samples {
		res, err := legationQuery(r, st, server)
		if err != nil {
			t.Fatalf("legation: %v", err)
		}
		ours = append(ours, sample{res.Offset, res.Delay})
	}
	theirs := make([]sample, 0, samples)
	for range samples {
		resp, err := ntp.QueryWithOptions(server.String(), ntp.QueryOptions{
			Timeout: 2 * time.Second,
			Dialer: func(la, ra string) (net.Conn, error) {
				var c net.Conn
				var err error
				if nerr := netnstest.Enter(ns, func() { c, err = net.Dial("udp", ra) }); nerr != nil {
					err = nerr
				}
				return c, err
			},
		})
		if err != nil {
			t.Fatalf("beevik/ntp: %v", err)
		}
		if err := resp.Validate(); err != nil {
			t.Fatalf("beevik/ntp: chronyd's reply: %v", err)
		}
		theirs = append(theirs, sample{resp.ClockOffset, resp.RTT})
	}
	a, b := best(ours), best(theirs)
	for i := range samples {
		t.Logf("sample %d: legation offset=%v delay=%v   beevik/ntp offset=%v delay=%v", i, ours[i].offset, ours[i].delay, theirs[i].offset, theirs[i].delay)
	}
	t.Logf("least-delay: legation offset=%v, beevik/ntp offset=%v, difference %v", a.offset, b.offset, a.offset-b.offset)
	for _, s := range []struct {
		who string
		x   sample
	}{{"legation", a}, {"beevik/ntp", b}} {
		if s.x.offset.Abs() > 5*time.Millisecond {
			t.Errorf("%s: offset %v from a server on the same clock", s.who, s.x.offset)
		}
	}
	if d := (a.offset - b.offset).Abs(); d > time.Millisecond {
		t.Errorf("offsets differ by %v, more than 1 ms", d)
	}
}

// legationQuery runs one round of a new client, on the reactor goroutine,
// and waits for it.
func legationQuery(r *reactor.Reactor, st *stack.Stack, server netip.Addr) (sntp.Result, error) {
	type out struct {
		res sntp.Result
		err error
	}
	done := make(chan out, 1)
	r.Post(func() {
		c, err := sntp.New(r, st, sntp.Config{Servers: []netip.Addr{server}, Timeout: 200 * time.Millisecond, Attempts: 20})
		if err != nil {
			done <- out{err: err}
			return
		}
		c.Sync().OnComplete(func(res sntp.Result, err error) {
			c.Close()
			done <- out{res, err}
		})
	})
	select {
	case o := <-done:
		return o.res, o.err
	case <-time.After(30 * time.Second):
		return sntp.Result{}, fmt.Errorf("no result within 30 s")
	}
}

// startChrony runs chronyd as a stratum-8 server of its own clock at
// 10.77.0.1:123 in ns, never touching the system clock.
func startChrony(t *testing.T, ns string) {
	t.Helper()
	dir := t.TempDir()
	conf := fmt.Sprintf("local stratum 8\nallow 10.77.0.0/24\nbindaddress 10.77.0.1\nport 123\ncmdport 0\npidfile %s\ndriftfile %s\n",
		filepath.Join(dir, "chronyd.pid"), filepath.Join(dir, "drift"))
	path := filepath.Join(dir, "chrony.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", ns, "chronyd", "-x", "-d", "-u", "root", "-f", path)
	cmd.Stdout, cmd.Stderr = logWriter{t, "chronyd: "}, logWriter{t, "chronyd: "}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
}
