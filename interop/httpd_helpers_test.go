package interop

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/netnstest"
)

// Clients for the httpd interop tests: curl run inside the namespace, and
// raw requests from kernel sockets for what curl cannot shape.

// httpdAddr is the device's address on the tap.
const httpdAddr = "10.77.0.2"

// requireCurl skips the test, saying why, when curl is absent.
func requireCurl(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("interop: skipped: curl not found (Debian package curl)")
	}
}

// runCurl runs curl with args inside ns and returns its stdout, its
// stderr and how long it took. A non-zero exit fails the test.
func runCurl(t *testing.T, ns *netnstest.NS, args ...string) (stdout, stderr []byte, took time.Duration) {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns.Name, "curl"}, args...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	start := time.Now()
	err := cmd.Run()
	took = time.Since(start)
	if err != nil {
		t.Fatalf("curl %s: %v after %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, took, o.Bytes(), e.Bytes())
	}
	return o.Bytes(), e.Bytes(), took
}

// curlResult is one transfer as curl saw it.
type curlResult struct {
	status int
	header http.Header // of the final response (after any 100 Continue)
	heads  int         // responses in the head dump, interim ones included
	body   []byte
	stderr string
	took   time.Duration
}

// curlFetch runs one curl transfer of url with extra options, keeping the
// response's head and body.
func curlFetch(t *testing.T, ns *netnstest.NS, url string, extra ...string) curlResult {
	t.Helper()
	dir := t.TempDir()
	bodyPath, headPath := filepath.Join(dir, "body"), filepath.Join(dir, "head")
	args := append([]string{"-sS", "--max-time", "120", "-o", bodyPath, "-D", headPath, "-w", "%{http_code}"}, extra...)
	out, errOut, took := runCurl(t, ns, append(args, url)...)
	status, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("curl %s: -w printed %q", url, out)
	}
	head, err := os.ReadFile(headPath)
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(bodyPath)
	if errors.Is(err, os.ErrNotExist) {
		body, err = nil, nil // curl makes no file for an empty body
	}
	if err != nil {
		t.Fatal(err)
	}
	hdr, heads := parseHeadDump(t, head)
	return curlResult{status: status, header: hdr, heads: heads, body: body, stderr: string(errOut), took: took}
}

// parseHeadDump parses curl's -D output: every response head it read,
// each ending in an empty line. It returns the last head's fields and how
// many heads there were.
func parseHeadDump(t *testing.T, dump []byte) (http.Header, int) {
	t.Helper()
	var blocks []string
	for _, b := range strings.Split(string(dump), "\r\n\r\n") {
		if b != "" {
			blocks = append(blocks, b)
		}
	}
	if len(blocks) == 0 {
		t.Fatalf("curl dumped no response head: %q", dump)
	}
	last := blocks[len(blocks)-1]
	_, fields, _ := strings.Cut(last, "\r\n")
	tp := textproto.NewReader(bufio.NewReader(strings.NewReader(fields + "\r\n\r\n")))
	mh, err := tp.ReadMIMEHeader()
	if err != nil {
		t.Fatalf("curl's head dump %q: %v", last, err)
	}
	return http.Header(mh), len(blocks)
}

// rawConn is a kernel TCP socket in the namespace, for requests written
// byte for byte.
type rawConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

// dialRaw connects from inside ns to addr ("10.77.0.2:80").
func dialRaw(t *testing.T, ns *netnstest.NS, addr string) *rawConn {
	t.Helper()
	var c net.Conn
	inNetns(t, ns.Name, func() {
		var err error
		c, err = net.DialTimeout("tcp4", addr, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return &rawConn{t: t, c: c, br: bufio.NewReader(c)}
}

func (rc *rawConn) send(s string) {
	rc.t.Helper()
	if _, err := io.WriteString(rc.c, s); err != nil {
		rc.t.Fatalf("write: %v", err)
	}
}

// response reads one whole response to a request of method.
func (rc *rawConn) response(method string) (*http.Response, []byte) {
	rc.t.Helper()
	req, _ := http.NewRequest(method, "http://"+httpdAddr+"/", nil)
	resp, err := http.ReadResponse(rc.br, req)
	if err != nil {
		rc.t.Fatalf("reading the response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		rc.t.Fatalf("reading the response body: %v", err)
	}
	return resp, body
}

// expectEOF checks that the server closes the connection cleanly (a FIN,
// not a reset) with nothing more to say.
func (rc *rawConn) expectEOF() {
	rc.t.Helper()
	rc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var b [64]byte
	n, err := rc.br.Read(b[:])
	if n != 0 || err != io.EOF {
		rc.t.Fatalf("after the answer: read %q, %v; want a clean close (EOF)", b[:n], err)
	}
}
