package httpd

import (
	"os/exec"
	"strings"
	"testing"
)

// The servers and clients that can run over TLS take it through an
// interface (Config.TLS here, a stream.Dialer in the clients), so that a
// program that never speaks TLS does not link the engine: about 1.5 MB of
// an arm binary. A direct import of tlsx or tlsx/tlsstream from any of
// them, or from anything they import, fails this test.
func TestNoTLSDependency(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH:", err)
	}
	const module = "github.com/seed947b3480/legation/"
	pkgs := []string{"servers/httpd", "servers/httpd/websocket", "servers/dashboard", "clients/http", "clients/mqtt"}
	for _, p := range pkgs {
		out, err := exec.Command(goTool, "list", "-deps", module+p).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", p, err, out)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 2 || deps[len(deps)-1] != module+p {
			t.Fatalf("go list -deps %s: unexpected output %q", p, out)
		}
		for _, d := range deps {
			if d == module+"tlsx" || strings.HasPrefix(d, module+"tlsx/") {
				t.Errorf("%s depends on %s: a program using it links the TLS engine even without TLS", p, d)
			}
		}
	}
}
