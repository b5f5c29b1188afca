package interop

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/seed947b3480/legation/internal/netnstest"
)

// curl in the test's namespace, the reference client whose view of the
// kernel-side peers the legation client's results are compared with.

// hcCurlRun runs curl inside ns and returns its exit code, stdout and
// stderr; unlike runCurl a failing transfer does not fail the test.
func hcCurlRun(t *testing.T, ns *netnstest.NS, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns.Name, "curl", "-sS", "--max-time", "60"}, args...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("curl %v: %v", args, err)
	}
	return code, o.String(), e.String()
}

// hcCurlUpload writes body to a file and returns curl's option to send it.
func hcCurlUpload(t *testing.T, body []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "body")
	if err := os.WriteFile(p, body, 0o600); err != nil {
		t.Fatal(err)
	}
	return "@" + p
}

// hcCurlView is what curl saw of one transfer, in the terms the legation
// client's result is compared in.
type hcCurlView struct {
	status int
	n      int
	sum    [32]byte
	header http.Header
	heads  int
}

// hcCurl fetches url with curl in ns (extra options before it) and
// summarises the result; a failed transfer fails the test.
func hcCurl(t *testing.T, ns *netnstest.NS, url string, extra ...string) hcCurlView {
	t.Helper()
	r := curlFetch(t, ns, url, extra...)
	return hcCurlView{status: r.status, n: len(r.body), sum: sha256.Sum256(r.body), header: r.header, heads: r.heads}
}
