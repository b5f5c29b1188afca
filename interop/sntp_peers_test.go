package interop

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/sntp"
	"github.com/seed947b3480/legation/hal/tap"
	"github.com/seed947b3480/legation/internal/netnstest"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/wire"
	"golang.org/x/sys/unix"
)

// Helpers of the SNTP interop tests: the TAP set-up, chronyd as server and
// as reference client, and a Go NTP server in the namespace that answers as
// a test tells it to.

var sntpServer = netip.MustParseAddr("10.77.0.1")

// sntpTap makes a namespace with tap0 at 10.77.0.1/24 on the kernel side
// and a stack at 10.77.0.2 on ours.
func sntpTap(t *testing.T) (*netnstest.NS, *device) {
	t.Helper()
	ns := netnstest.New(t)
	dev, err := tap.Open(tap.Config{Name: "tap0", Netns: ns.Name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	d := startDevice(t, dev, stack.Config{Addr: netip.MustParsePrefix("10.77.0.2/24"), Gateway: sntpServer})
	ns.ConfigureTap(t, "tap0", "10.77.0.1/24", 1500)
	return ns, d
}

func sntpNeedChrony(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("chronyd"); err != nil {
		t.Skip("interop: skipped: chronyd not found (Debian package chrony)")
	}
}

// sntpChronyStart starts chronyd as an NTP server on 10.77.0.1:123 in ns,
// never touching the system clock (-x). With local it serves its own clock
// at stratum 8; without, it has no source and answers unsynchronised.
func sntpChronyStart(t *testing.T, ns *netnstest.NS, local bool) {
	t.Helper()
	dir := t.TempDir()
	conf := fmt.Sprintf("allow 10.77.0.0/24\nbindaddress 10.77.0.1\nport 123\ncmdport 0\npidfile %s\ndriftfile %s\n",
		filepath.Join(dir, "chronyd.pid"), filepath.Join(dir, "drift"))
	if local {
		conf = "local stratum 8\n" + conf
	}
	path := filepath.Join(dir, "chrony.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	ns.Start(t, "chronyd", "-x", "-d", "-u", "root", "-f", path)
}

var chronyWrongBy = regexp.MustCompile(`System clock wrong by (-?[0-9.]+) seconds`)

// sntpChronyQuery runs `chronyd -Q` in ns as a reference client of the
// server at 10.77.0.1:port and returns the offset it measured. chronyd
// prints how wrong the system clock is, "System clock wrong by X seconds";
// against a server 1.5 s ahead it prints +1.5 (TestSNTPBadServers/offset),
// so X is the server's clock minus ours, as sntp.Result.Offset is.
func sntpChronyQuery(t *testing.T, ns *netnstest.NS, port int) (time.Duration, error) {
	t.Helper()
	dir := t.TempDir()
	conf := fmt.Sprintf("server 10.77.0.1 port %d iburst maxsamples 1\ncmdport 0\npidfile %s\n", port, filepath.Join(dir, "q.pid"))
	path := filepath.Join(dir, "q.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("ip", "netns", "exec", ns.Name, "chronyd", "-Q", "-t", "20", "-u", "root", "-f", path).CombinedOutput()
	m := chronyWrongBy.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("chronyd -Q measured nothing:\n%s", out)
	}
	s, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		return 0, err
	}
	return time.Duration(s * float64(time.Second)), nil
}

// sntpQuery runs one round of a new client on d's stack against
// 10.77.0.1:port and returns its result. Retransmissions are quick so that
// a server still starting up costs little.
func sntpQuery(t *testing.T, d *device, port uint16, cfg sntp.Config) (sntp.Result, error) {
	t.Helper()
	cfg.Servers, cfg.Port = []netip.Addr{sntpServer}, port
	if cfg.Timeout == 0 {
		cfg.Timeout = 200 * time.Millisecond
	}
	var (
		c   *sntp.Client
		f   *reactor.Future[sntp.Result]
		err error
	)
	d.do(func() {
		if c, err = sntp.New(d.r, d.s, cfg); err == nil {
			f = c.Sync()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.do(c.Close)
	if !d.waitFor(60*time.Second, f.Done) {
		t.Fatal("sntp: round not done within 60 s")
	}
	var res sntp.Result
	d.do(func() { res, err = f.Result() })
	return res, err
}

// sntpBest runs n rounds, each by a new client, and returns the one with
// the least delay: the one least disturbed by scheduling on either side
// (NTP's clock filter prefers it for that reason).
func sntpBest(t *testing.T, d *device, port uint16, n int) sntp.Result {
	t.Helper()
	var best sntp.Result
	for i := 0; i < n; i++ {
		res, err := sntpQuery(t, d, port, sntp.Config{Attempts: 20})
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		t.Logf("legation round %d: offset=%v delay=%v", i, res.Offset, res.Delay)
		if i == 0 || res.Delay < best.Delay {
			best = res
		}
	}
	return best
}

// sntpGoServer is an NTP server written for the test, listening on
// 10.77.0.1 in the namespace on the kernel's own UDP, with a clock running
// offset ahead of the host's and answers as mode says.
type sntpGoServer struct {
	conn *net.UDPConn
	port int

	mu       sync.Mutex
	mode     sntpMode
	offset   time.Duration
	requests int
}

type sntpMode int

const (
	sntpGood        sntpMode = iota
	sntpWrongOrigin          // the origin timestamp is not the request's transmit timestamp
	sntpKissRate             // kiss-o'-death RATE
	sntpKissDeny             // kiss-o'-death DENY
	sntpLeap3                // leap indicator 3
	sntpStratum0             // stratum 0 without a kiss code
)

func sntpStartGoServer(t *testing.T, ns *netnstest.NS) *sntpGoServer {
	t.Helper()
	s := &sntpGoServer{}
	inNetns(t, ns.Name, func() {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(10, 77, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		s.conn = c
	})
	s.port = s.conn.LocalAddr().(*net.UDPAddr).Port
	// The kernel stamps each datagram as it arrives, so the receive
	// timestamp does not include the goroutine's wake-up, which under -race
	// on a busy machine can be milliseconds.
	raw, err := s.conn.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		t.Fatalf("SO_TIMESTAMPNS: %v %v", err, serr)
	}
	done := make(chan struct{})
	go s.serve(done)
	t.Cleanup(func() { s.conn.Close(); <-done })
	return s
}

func (s *sntpGoServer) set(m sntpMode, offset time.Duration) {
	s.mu.Lock()
	s.mode, s.offset = m, offset
	s.mu.Unlock()
}

func (s *sntpGoServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func (s *sntpGoServer) serve(done chan<- struct{}) {
	defer close(done)
	buf, oob := make([]byte, 512), make([]byte, 128)
	for {
		n, oobn, _, from, err := s.conn.ReadMsgUDP(buf, oob)
		if err != nil {
			return // closed
		}
		recv := kernelStamp(oob[:oobn])
		req, err := wire.NewNTPPacket(buf[:n])
		if err != nil || req.Mode() != wire.NTPModeClient {
			continue
		}
		s.mu.Lock()
		mode, off := s.mode, s.offset
		s.requests++
		s.mu.Unlock()
		r := wire.NTPRepr{
			Version: req.Version(), Mode: wire.NTPModeServer, Stratum: 2, Poll: req.Poll(), Precision: -20,
			RootDelay: wire.NTPShortFromDuration(time.Millisecond), RootDispersion: wire.NTPShortFromDuration(time.Millisecond),
			ReferenceID:   [4]byte{192, 0, 2, 1},
			ReferenceTime: wire.NTPTimestampFromTime(recv.Add(off - time.Second)),
			OriginTime:    req.TransmitTime(),
			ReceiveTime:   wire.NTPTimestampFromTime(recv.Add(off)),
		}
		switch mode {
		case sntpWrongOrigin:
			r.OriginTime ^= 0x80000000
		case sntpKissRate, sntpKissDeny:
			code := wire.NTPKissRate
			if mode == sntpKissDeny {
				code = wire.NTPKissDeny
			}
			r.Leap, r.Stratum, r.ReferenceID = wire.NTPLeapUnsynced, 0, code
		case sntpLeap3:
			r.Leap = wire.NTPLeapUnsynced
		case sntpStratum0:
			r.Stratum, r.ReferenceID = 0, [4]byte{}
		}
		out := make([]byte, wire.NTPHeaderLen)
		r.TransmitTime = wire.NTPTimestampFromTime(time.Now().Add(off))
		r.Emit(out)
		s.conn.WriteToUDP(out, from)
	}
}

// kernelStamp returns the SO_TIMESTAMPNS time in a datagram's control
// messages, or now if there is none.
func kernelStamp(oob []byte) time.Time {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return time.Now()
	}
	for _, m := range msgs {
		if m.Header.Level != unix.SOL_SOCKET || m.Header.Type != unix.SO_TIMESTAMPNS {
			continue
		}
		switch len(m.Data) { // struct timespec: two longs
		case 16:
			return time.Unix(int64(binary.NativeEndian.Uint64(m.Data[0:8])), int64(binary.NativeEndian.Uint64(m.Data[8:16])))
		case 8:
			return time.Unix(int64(int32(binary.NativeEndian.Uint32(m.Data[0:4]))), int64(int32(binary.NativeEndian.Uint32(m.Data[4:8]))))
		}
	}
	return time.Now()
}

// sntpNear fails the test unless got is within tol of want.
func sntpNear(t *testing.T, what string, got, want, tol time.Duration) {
	t.Helper()
	if d := got - want; d > tol || d < -tol {
		t.Errorf("%s: %v, want %v ± %v", what, got, want, tol)
	}
}
