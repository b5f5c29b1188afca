package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"strings"
	"testing"

	"github.com/seed947b3480/legation/examples/internal/netup"
)

// The whole program on the default loopback link, against the demo site
// the peer serves.
func TestRunLoopback(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		url    string
		code   int
		out    string // the body, or "sha256:HEX"
		status string // the start of stderr's status line, or of the error
	}{
		{nil, "http://192.168.7.1/", 0, indexPage, "HTTP/1.1 200 OK"},
		{nil, "http://www.legation.test/hello", 0, "hello, world\n", "HTTP/1.1 200 OK"},
		{nil, "http://192.168.7.1/redirect", 0, indexPage, "HTTP/1.1 200 OK"},
		{[]string{"-no-redirect"}, "http://192.168.7.1/redirect", 1, "see /\n", "HTTP/1.1 302 Found"},
		{[]string{"-d", "posted"}, "http://192.168.7.1/echo", 0, "posted", "HTTP/1.1 200 OK"},
		{nil, "http://192.168.7.1/data?n=100000", 0, "sha256:" + dataSum(100000), "HTTP/1.1 200 OK"},
		{nil, "http://192.168.7.1/status/404", 1, "", "HTTP/1.1 404 Not Found"},
		{nil, "http://nope.legation.test/", 1, "", "httpget: http://nope.legation.test/: http: DNS lookup failed"},
		{nil, "http://192.168.7.1:81/", 1, "", "httpget: http://192.168.7.1:81/: http: connection refused"},
		{nil, "gopher://192.168.7.1/", 1, "", "httpget: gopher://192.168.7.1/: http: unsupported URL scheme"},
		{nil, "https://www.legation.test/hello", 0, "hello, world\n", "HTTP/1.1 200 OK"},
		{nil, "https://192.168.7.1/", 0, indexPage, "HTTP/1.1 200 OK"},
		{nil, "https://192.168.7.1/status/404", 1, "", "HTTP/1.1 404 Not Found"},
		{nil, "https://www.legation.test/redirect", 0, indexPage, "HTTP/1.1 200 OK"},
		{[]string{"-d", "posted"}, "https://192.168.7.1/echo", 0, "posted", "HTTP/1.1 200 OK"},
		{nil, "https://192.168.7.1/data?n=100000", 0, "sha256:" + dataSum(100000), "HTTP/1.1 200 OK"},
		{[]string{"-insecure"}, "https://192.168.7.1/hello", 0, "hello, world\n", "httpget: warning: -insecure"},
		{[]string{"-cacert", "testdata/other-ca.pem"}, "https://192.168.7.1/hello", 1, "",
			"httpget: https://192.168.7.1/hello: http: connection refused: tlsx: unknown certificate authority"},
		{[]string{"-cacert", "testdata/missing.pem"}, "https://192.168.7.1/hello", 1, "", "httpget: open testdata/missing.pem"},
	} {
		fs := flag.NewFlagSet("httpget", flag.ContinueOnError)
		link := netup.Register(fs)
		opts := register(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		code := run(link, opts, tc.url, &stdout, &stderr)
		out := stdout.String()
		if strings.HasPrefix(tc.out, "sha256:") {
			s := sha256.Sum256(stdout.Bytes())
			out = "sha256:" + hex.EncodeToString(s[:])
		}
		if code != tc.code || out != tc.out || !strings.HasPrefix(stderr.String(), tc.status) {
			t.Errorf("%v %s: exit %d, stdout %q, stderr %q; want %d, %q, %q", tc.args, tc.url, code, out, stderr.String(), tc.code, tc.out, tc.status)
		}
	}
}

// dataSum is the SHA-256 of what /data?n=N sends.
func dataSum(n int) string {
	line := strings.Repeat("legation ", 7) + "\n"
	b := []byte(strings.Repeat(line, n/len(line)+1))[:n]
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
