package interop

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/netnstest"
	"github.com/seed947b3480/legation/internal/testpki"
	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/servers/httpd/websocket"
	"github.com/seed947b3480/legation/servers/httpd/websocket/wstest"
	"github.com/seed947b3480/legation/tlsx"
	"github.com/seed947b3480/legation/tlsx/tlsstream"
)

// servers/httpd over TLS (Config.TLS, tlsx's server under tlsstream) on a
// device stack over TAP: Debian's curl (OpenSSL) fetches over HTTPS,
// trusting a test CA made here, and python3-websockets talks WSS to the
// WebSocket echo. The device loads its certificate from PEM with
// tlsx.LoadCertificate, as a program given -tls-cert and -tls-key does.

// httpdTLSName is the name on the device's certificate, besides its
// address; curl reaches it with --resolve.
const httpdTLSName = "device.test"

// httpdTLSPKI is the test CA (its PEM file, for curl's --cacert and
// Python's SSL_CERT_FILE) and the device's certificate and key in PEM.
type httpdTLSPKI struct {
	roots           *x509.CertPool // trusts the CA
	caFile          string
	certPEM, keyPEM []byte
	cert            tlsx.Certificate
}

// httpdTLSNewPKI makes an ECDSA P-256 CA and a server certificate it signs
// for httpdTLSName and httpdAddr.
func httpdTLSNewPKI(t *testing.T) *httpdTLSPKI {
	t.Helper()
	ca := testpki.NewCA(t, "legation httpd interop CA")
	l := ca.Leaf(t, testpki.LeafOpts{Name: httpdTLSName, IPs: []net.IP{net.ParseIP(httpdAddr)}, LeafOnly: true})
	p := &httpdTLSPKI{
		roots:   ca.Pool(),
		caFile:  testpki.WriteFile(t, t.TempDir(), "ca.pem", ca.PEM()),
		certPEM: l.CertPEM(),
		keyPEM:  l.KeyPEM(t),
	}
	var err error
	if p.cert, err = tlsx.LoadCertificate(p.certPEM, p.keyPEM); err != nil {
		t.Fatal(err)
	}
	return p
}

// config is the device's TLS server (httpd.Config.TLS).
func (p *httpdTLSPKI) config() *tlsstream.Acceptor {
	return &tlsstream.Acceptor{Config: &tlsx.Config{Certificates: []tlsx.Certificate{p.cert}}}
}

// httpdTLSURL is an https URL on the device by name (curl resolves it
// with httpdTLSResolve).
func httpdTLSURL(path string) string { return "https://" + httpdTLSName + path }

var httpdTLSResolve = []string{"--resolve", httpdTLSName + ":443:" + httpdAddr}

// httpdTLSCurlExit runs curl in ns and returns its exit status and stderr:
// for the refusals, where a non-zero status is the point.
func httpdTLSCurlExit(t *testing.T, ns *netnstest.NS, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns.Name, "curl"}, args...)...)
	var e bytes.Buffer
	cmd.Stderr = &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, e.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), e.String()
	}
	t.Fatalf("curl: %v", err)
	return 0, ""
}

func httpdTLSSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// curl over HTTPS: routes and statuses, a 1 MiB static resource (gzip as
// stored, and decompressed by the server for a client that does not ask
// for gzip) and 1 MiB streamed each way with SHA-256, keep-alive reuse
// across URLs of one curl run, ALPN http/1.1, and the refusals: a name the
// certificate does not carry, and a CA curl does not trust.
func TestHTTPDTLSCurl(t *testing.T) {
	requireCurl(t)
	ns, d := tcpKernelSetup(t, nil)
	pki := httpdTLSNewPKI(t)
	hs := startHTTPD(t, d, 443, httpd.Config{TLS: pki.config(), HeaderTimeout: 2 * time.Second})
	blob := pseudoRandom(1<<20, 31)
	static, err := httpd.NewStatic("application/octet-stream", gzipped(t, blob))
	if err != nil {
		t.Fatal(err)
	}
	d.do(func() { hs.srv.HandleStatic("/static/1m.bin", static) })
	tlsArgs := append([]string{"--cacert", pki.caFile}, httpdTLSResolve...)
	start := time.Now()

	t.Run("routes", func(t *testing.T) {
		r := curlFetch(t, ns, httpdTLSURL("/hello"), tlsArgs...)
		if r.status != 200 || string(r.body) != httpdHello {
			t.Fatalf("GET /hello: %d %q", r.status, r.body)
		}
		// By address: the certificate names it too.
		r = curlFetch(t, ns, "https://"+httpdAddr+"/api/items/42", "--cacert", pki.caFile)
		var got map[string]string
		if err := json.Unmarshal(r.body, &got); err != nil || r.status != 200 || got["id"] != "42" {
			t.Fatalf("GET /api/items/42 by address: %d %q (%v)", r.status, r.body, err)
		}
		r = curlFetch(t, ns, httpdTLSURL("/no/such/thing"), tlsArgs...)
		if r.status != 404 {
			t.Fatalf("GET /no/such/thing: %d", r.status)
		}
		r = curlFetch(t, ns, httpdTLSURL("/hello"), append(tlsArgs, "-X", "DELETE")...)
		if r.status != 405 {
			t.Fatalf("DELETE /hello: %d", r.status)
		}
	})

	t.Run("static-1MiB", func(t *testing.T) {
		r := curlFetch(t, ns, httpdTLSURL("/static/1m.bin"), append(tlsArgs, "--compressed")...)
		if r.status != 200 || r.header.Get("Content-Encoding") != "gzip" || httpdTLSSum(r.body) != httpdTLSSum(blob) {
			t.Fatalf("GET /static/1m.bin (gzip): %d %v, %d bytes %.16s; want %.16s", r.status, r.header, len(r.body),
				httpdTLSSum(r.body), httpdTLSSum(blob))
		}
		r = curlFetch(t, ns, httpdTLSURL("/static/1m.bin"), tlsArgs...)
		if r.status != 200 || r.header.Get("Content-Encoding") != "" || httpdTLSSum(r.body) != httpdTLSSum(blob) {
			t.Fatalf("GET /static/1m.bin (identity): %d %v, %d bytes", r.status, r.header, len(r.body))
		}
	})

	t.Run("stream-1MiB", func(t *testing.T) {
		r := curlFetch(t, ns, httpdTLSURL(fmt.Sprintf("/download/chunked?size=%d", 1<<20)), tlsArgs...)
		if want := pseudoRandom(1<<20, httpdDownloadSeed); r.status != 200 || httpdTLSSum(r.body) != httpdTLSSum(want) {
			t.Fatalf("GET /download/chunked: %d, %d bytes", r.status, len(r.body))
		}
		file := filepath.Join(t.TempDir(), "up")
		up := pseudoRandom(1<<20, 32)
		if err := os.WriteFile(file, up, 0o600); err != nil {
			t.Fatal(err)
		}
		r = curlFetch(t, ns, httpdTLSURL("/upload"), append(tlsArgs, "--data-binary", "@"+file,
			"-H", "Content-Type: application/octet-stream")...)
		if r.status != 200 || string(r.body) != httpdTLSSum(up) {
			t.Fatalf("POST /upload: %d %q; want %s", r.status, r.body, httpdTLSSum(up))
		}
	})

	t.Run("keep-alive", func(t *testing.T) {
		before := hs.stats()
		// One curl run, three URLs: one connection, one handshake.
		args := append(append([]string{"-sS", "--max-time", "60", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null",
			"-w", "%{http_code} %{num_connects} %{http_version} %{ssl_verify_result}\n"}, tlsArgs...),
			httpdTLSURL("/hello"), httpdTLSURL("/api/items/1"), httpdTLSURL("/hello"))
		out, _, _ := runCurl(t, ns, args...)
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		want := []string{"200 1 1.1 0", "200 0 1.1 0", "200 0 1.1 0"}
		if strings.Join(lines, "|") != strings.Join(want, "|") {
			t.Fatalf("curl -w: %q; want %q (one connect, HTTP/1.1, verified)", lines, want)
		}
		if st := hs.stats(); st.Accepted-before.Accepted != 1 || st.Requests-before.Requests != 3 {
			t.Fatalf("server: %d connections, %d requests; want 1 and 3", st.Accepted-before.Accepted, st.Requests-before.Requests)
		}
		// curl offers h2 and http/1.1; the server picks http/1.1.
		_, stderr, _ := runCurl(t, ns, append(append([]string{"-sS", "-v", "-o", "/dev/null"}, tlsArgs...), httpdTLSURL("/hello"))...)
		if !strings.Contains(string(stderr), "ALPN: server accepted http/1.1") || !strings.Contains(string(stderr), "TLSv1.3") {
			t.Fatalf("curl -v does not show TLS 1.3 with ALPN http/1.1:\n%s", stderr)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		before := hs.stats()
		// A name the certificate does not carry: curl's exit 60 is "peer
		// certificate cannot be authenticated with known CA
		// certificates", the host name check included.
		code, stderr := httpdTLSCurlExit(t, ns, "-sS", "--max-time", "30", "--cacert", pki.caFile,
			"--resolve", "other.test:443:"+httpdAddr, "https://other.test/hello")
		if code != 60 || !strings.Contains(stderr, "other.test") {
			t.Fatalf("wrong name: curl exit %d: %s; want 60 naming other.test", code, stderr)
		}
		// No --cacert: the system roots do not know the test CA.
		code, stderr = httpdTLSCurlExit(t, ns, append([]string{"-sS", "--max-time", "30"}, append(httpdTLSResolve, httpdTLSURL("/hello"))...)...)
		if code != 60 {
			t.Fatalf("unknown CA: curl exit %d: %s; want 60", code, stderr)
		}
		// OpenSSL refuses the unknown CA inside the handshake, with an
		// alert the server counts; curl checks the host name itself once
		// the handshake is over, and just closes.
		if !d.waitFor(10*time.Second, func() bool {
			st := hs.srv.Stats()
			return st.HandshakeErrors-before.HandshakeErrors == 1 && st.Conns == 0
		}) {
			t.Fatalf("server stats %+v; want 1 more handshake error than %d, no connection left", hs.stats(), before.HandshakeErrors)
		}
		if st := hs.stats(); st.Requests != before.Requests {
			t.Fatalf("a refused handshake made a request: %+v", st)
		}
	})

	if !d.waitFor(10*time.Second, func() bool { return hs.srv.Stats().Conns == 0 }) {
		t.Errorf("connections left open: %+v", hs.stats())
	}
	t.Logf("HTTPS interop in %v; server %+v", time.Since(start).Round(time.Millisecond), hs.stats())
}

// python3-websockets over WSS: wsclient.py's cases (echoes from 0 B to
// 1 MiB, fragments, pings, both closing handshakes) against the echo on a
// TLS port, Python's ssl trusting the test CA through SSL_CERT_FILE.
func TestHTTPDTLSWebSocketPython(t *testing.T) {
	requirePythonWebsockets(t)
	ns, d := tcpKernelSetup(t, nil)
	pki := httpdTLSNewPKI(t)
	echo := wstest.NewEcho(256)
	var srv *httpd.Server
	var lerr error
	d.do(func() {
		cfg := websocket.Config{MaxMessage: wstest.MaxMessage, Clock: d.s}
		srv = httpd.New(d.s, httpd.Config{TLS: pki.config()})
		srv.WebSocket("/ws", websocket.NewGroup(cfg, echo.Handler()))
		srv.WebSocket("/bye", websocket.NewGroup(cfg, echo.ByeHandler()))
		if lerr = srv.Listen(443); lerr == nil {
			srv.Spawn(d.r)
		}
	})
	if lerr != nil {
		t.Fatal(lerr)
	}
	cases, took := runWSClientPy(t, ns, "wss://"+httpdAddr, "SSL_CERT_FILE="+pki.caFile)
	byName, _ := checkPyEchoes(t, cases, echo.Messages)
	t.Logf("wsclient.py over wss: %d cases in %v", len(byName), took.Round(time.Millisecond))
	for _, n := range []string{"ping/0", "ping/5", "ping/125"} {
		if !byName[n].Pong {
			t.Errorf("%s: no pong", n)
		}
	}
	if c := byName["close/client"]; c.SentCode != 4000 || c.RcvdCode != 4000 || !c.TCPClosed {
		t.Errorf("close/client: %+v", c)
	}
	if c := byName["close/server"]; c.RcvdCode != 4001 || c.RcvdReason != "see you" || !c.TCPClosed {
		t.Errorf("close/server: %+v", c)
	}
	var st httpd.Stats
	d.do(func() { st = srv.Stats() })
	if st.Upgraded != 2 || st.HandshakeErrors != 0 {
		t.Errorf("server stats %+v; want 2 upgrades over TLS, no handshake error", st)
	}
}
