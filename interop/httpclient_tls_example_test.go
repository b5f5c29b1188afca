package interop

import (
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/netnstest"
)

// examples/httpget over TAP against the kernel's HTTPS server: with
// -cacert naming the test's CA it prints the body and exits 0; with
// -insecure too (after its warning); trusting only the system's roots it
// refuses the test CA's certificate and exits 1 with tlsx's error.
func TestHTTPGetExampleTLS(t *testing.T) {
	netnstest.Require(t)
	bin := filepath.Join(t.TempDir(), "httpget")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/seed947b3480/legation/examples/httpget").CombinedOutput(); err != nil {
		t.Fatalf("go build examples/httpget: %v\n%s", err, out)
	}
	ns := netnstest.New(t)
	// A persistent tap: each run of the example attaches to it in turn.
	ns.Run(t, "ip", "tuntap", "add", "dev", "tap0", "mode", "tap")
	ns.ConfigureTap(t, "tap0", hcKernelAddr+"/24", 1500)
	pki := hctNewPKI(t, net.ParseIP(hcKernelAddr))
	srv := hctStartServer(t, ns, pki)
	link := []string{"-link", "tap:tap0", "-addr", "10.77.0.2/24"}

	for _, tc := range []struct {
		args   []string
		ok     bool
		stderr string
	}{
		{[]string{"-cacert", pki.caFile}, true, "HTTP/1.1 200 OK"},
		{[]string{"-insecure"}, true, "httpget: warning: -insecure"},
		{nil, false, "tlsx: unknown certificate authority"},
	} {
		run := startMQTTExample(t, ns, bin, append(append(append([]string{}, link...), tc.args...), srv.url("/hello"))...)
		select {
		case <-run.exited:
		case <-time.After(30 * time.Second):
			t.Fatalf("%v: still running\nstderr: %s", tc.args, run.stderr)
		}
		out, errs := run.stdout.String(), run.stderr.String()
		if run.cmd.ProcessState.Success() != tc.ok || !strings.Contains(errs, tc.stderr) || tc.ok && out != hcHello {
			t.Errorf("%v: %v, stdout %q, stderr %q; want success %v and %q", tc.args, run.cmd.ProcessState, out, errs, tc.ok, tc.stderr)
		}
	}
}
