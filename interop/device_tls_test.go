package interop

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/netnstest"
	"github.com/seed947b3480/legation/internal/testpki"
	"github.com/seed947b3480/legation/servers/httpd/websocket/wstest"
)

// examples/device with -tls-cert and -tls-key on a TAP link, run as a
// program inside a network namespace: Debian's curl (OpenSSL) fetches the
// dashboard page and /api/info over HTTPS trusting the test CA, by name
// (--resolve) and by address, and so does plain HTTP on port 80; Go's
// crypto/tls opens the live feed over WSS and gets a snapshot naming the
// device; Ctrl-C then closes that view with 1001 and the device exits 0.
func TestDeviceTLSExample(t *testing.T) {
	netnstest.Require(t)
	requireCurl(t)
	start := time.Now()
	pki := httpdTLSNewPKI(t)
	dir := t.TempDir()
	certFile := testpki.WriteFile(t, dir, "device.crt", pki.certPEM)
	keyFile := testpki.WriteFile(t, dir, "device.key", pki.keyPEM)
	bin := filepath.Join(dir, "device")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/seed947b3480/legation/examples/device").CombinedOutput(); err != nil {
		t.Fatalf("go build examples/device: %v\n%s", err, out)
	}
	built := time.Since(start)

	ns := netnstest.New(t)
	name := fmt.Sprintf("interop-tls-%d", os.Getpid())
	cmd := exec.Command("ip", "netns", "exec", ns.Name, bin, "-link", "tap:tap0", "-addr", httpdAddr+"/24",
		"-mqtt", "off", "-ntp", "off", "-heartbeat", "0", "-name", name, "-tls-cert", certFile, "-tls-key", keyFile)
	stderr := newLockedBuffer()
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	lines := make(chan string, 8)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
	})
	// The device prints its URLs once the tap is open and it listens.
	want := "dashboard: https://" + httpdAddr + "/ on link tap:tap0"
	for seen := false; !seen; {
		select {
		case l := <-lines:
			seen = l == want
		case <-exited:
			t.Fatalf("device exited: %v\nstderr:\n%s", cmd.ProcessState, stderr.String())
		case <-time.After(30 * time.Second):
			t.Fatalf("device did not print %q within 30 s\nstderr:\n%s", want, stderr.String())
		}
	}
	ns.ConfigureTap(t, "tap0", "10.77.0.1/24", 1500)

	// curl over HTTPS, by name and by address (the certificate carries
	// both), and over HTTP.
	var info struct{ Name string }
	out, _, took := runCurl(t, ns, "-sS", "--fail", "--max-time", "20", "--cacert", pki.caFile,
		httpdTLSResolve[0], httpdTLSResolve[1], httpdTLSURL("/api/info"))
	if json.Unmarshal(out, &info) != nil || info.Name != name {
		t.Fatalf("/api/info over HTTPS: %q", out)
	}
	t.Logf("first HTTPS request (ARP, TCP and TLS handshakes) answered in %v", took.Round(time.Millisecond))
	page, _, _ := runCurl(t, ns, "-sS", "--fail", "--max-time", "20", "--compressed", "--cacert", pki.caFile,
		"https://"+httpdAddr+"/")
	if !strings.Contains(strings.ToLower(string(page)), "<html") || !strings.Contains(string(page), "/api/live") {
		t.Fatalf("page over HTTPS: %d bytes: %.200q", len(page), page)
	}
	plain, _, _ := runCurl(t, ns, "-sS", "--fail", "--max-time", "20", "--compressed", "http://"+httpdAddr+"/")
	if string(plain) != string(page) {
		t.Errorf("page over HTTP (%d B) differs from page over HTTPS (%d B)", len(plain), len(page))
	}
	if code, msg := httpdTLSCurlExit(t, ns, "-sS", "--max-time", "20", "https://"+httpdAddr+"/"); code != 60 {
		t.Errorf("curl without the CA: exit %d (%s), want 60 (certificate not trusted)", code, strings.TrimSpace(msg))
	}

	// The live feed over WSS.
	var raw net.Conn
	inNetns(t, ns.Name, func() {
		c, err := net.DialTimeout("tcp4", httpdAddr+":443", 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		raw = c
	})
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(30 * time.Second))
	tc := tls.Client(raw, &tls.Config{RootCAs: pki.roots, ServerName: httpdTLSName, NextProtos: []string{"http/1.1"}})
	br, err := wstest.Open(tc, httpdTLSName, "/api/live")
	if err != nil {
		t.Fatal(err)
	}
	if cs := tc.ConnectionState(); cs.Version != tls.VersionTLS13 || cs.NegotiatedProtocol != "http/1.1" {
		t.Errorf("WSS session: version %x, ALPN %q; want TLS 1.3, http/1.1", cs.Version, cs.NegotiatedProtocol)
	}
	op, m := deviceTLSWSRead(t, br)
	var snap struct{ T, Name string }
	if op != 1 || json.Unmarshal(m, &snap) != nil || snap.T != "snap" || snap.Name != name {
		t.Fatalf("first live message (opcode %d) %.300q: want a snapshot of %s", op, m, name)
	}

	// Ctrl-C: the view is closed with 1001 over TLS, the device exits 0.
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	for {
		op, m := deviceTLSWSRead(t, br)
		if op == 8 {
			if len(m) < 2 || binary.BigEndian.Uint16(m) != 1001 {
				t.Fatalf("close frame %x, want code 1001", m)
			}
			break
		}
	}
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		t.Fatalf("device still running 15 s after SIGINT\nstderr:\n%s", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(stderr.String(), "device: shutting down") {
		t.Fatalf("exit code %d after SIGINT\nstderr:\n%s", code, stderr.String())
	}
	t.Logf("built in %v, whole test %v", built.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// deviceTLSWSRead reads one unfragmented, unmasked server frame: its
// opcode and payload.
func deviceTLSWSRead(t *testing.T, br io.Reader) (byte, []byte) {
	t.Helper()
	f, err := wstest.ReadFrame(br, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return f.Opcode(), f.Payload
}
