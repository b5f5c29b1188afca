package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/examples/device/app"
	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/netconn"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
)

// testDeviceName is on the device's certificate, besides its address.
const testDeviceName = "device.test"

var (
	testDevAddr  = netip.MustParsePrefix("192.168.7.2/24")
	testPeerAddr = netip.MustParsePrefix("192.168.7.1/24")
)

// testPKI writes a CA's certificate and a device certificate it signs
// (with its key) as PEM files, as -tls-cert and -tls-key take them.
func testPKI(t *testing.T) (roots *x509.CertPool, certFile, keyFile string) {
	t.Helper()
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "device test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: testDeviceName},
		DNSNames: []string{testDeviceName}, IPAddresses: []net.IP{testDevAddr.Addr().AsSlice()},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "device.crt"), filepath.Join(dir, "device.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(ca)
	return roots, certFile, keyFile
}

// The device with -tls-cert and -tls-key on the loopback link, reached
// from the host through the forwarders as main sets them up (-listen,
// -listen-https), on a real clock (Go's crypto/tls computes on the test's
// goroutine): Go's TLS client, trusting the test's CA, gets the dashboard
// page and /api/info over HTTPS (TLS 1.3, ALPN http/1.1) and opens the
// live feed over WSS; the page is served over plain HTTP too.
func TestDeviceHTTPS(t *testing.T) {
	roots, certFile, keyFile := testPKI(t)
	acc, err := loadTLS(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	a, b := loopback.NewPair(loopback.Config{})
	r := reactor.New(reactor.NewRealClock())
	st, err := stack.New(a, stack.Config{Addr: testDevAddr, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	peer, err := stack.New(b, stack.Config{Addr: testPeerAddr, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	st.Spawn(r)
	peer.Spawn(r)
	sharePool(acc, httpsPoolBuffers, r) // as main does
	d, err := app.New(r, st, app.Config{Name: "tls-dev", Link: "loopback", TLS: acc, HTTPSPort: 8443,
		UpdateInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	defer func() { cancel(); <-done }()

	nn := netconn.New(peer, r, netconn.Config{})
	plain, err := startForwarder("127.0.0.1:0", nn, netip.AddrPortFrom(testDevAddr.Addr(), app.DefaultHTTPPort))
	if err != nil {
		t.Fatal(err)
	}
	secure, err := startForwarder("127.0.0.1:0", nn, netip.AddrPortFrom(testDevAddr.Addr(), 8443))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, f := range []*forwarder{plain, secure} {
			f.stopAccepting()
			f.closeAll(2 * time.Second)
		}
	}()

	tlsConfig := &tls.Config{RootCAs: roots, ServerName: testDeviceName, NextProtos: []string{"http/1.1"}}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfig}}
	defer client.CloseIdleConnections()
	get := func(url string) (*http.Response, []byte) {
		t.Helper()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v %q", url, resp.StatusCode, err, body)
		}
		return resp, body
	}
	base := "https://" + secure.ln.Addr().String()
	resp, page := get(base + "/")
	if cs := resp.TLS; cs == nil || cs.Version != tls.VersionTLS13 || cs.NegotiatedProtocol != "http/1.1" {
		t.Fatalf("TLS state %+v: want TLS 1.3, ALPN http/1.1", cs)
	}
	if !strings.Contains(strings.ToLower(string(page)), "<html") || !strings.Contains(string(page), "/api/live") {
		t.Fatalf("page over HTTPS: %d bytes, not the dashboard: %.200q", len(page), page)
	}
	_, plainPage := get("http://" + plain.ln.Addr().String() + "/")
	if string(plainPage) != string(page) {
		t.Errorf("the page over HTTP (%d B) differs from the page over HTTPS (%d B)", len(plainPage), len(page))
	}
	t.Logf("page: %d bytes over HTTPS (%s, ALPN %s) and over HTTP", len(page), tls.VersionName(resp.TLS.Version), resp.TLS.NegotiatedProtocol)
	var info struct{ Name string }
	if _, body := get(base + "/api/info"); json.Unmarshal(body, &info) != nil || info.Name != "tls-dev" {
		t.Fatalf("/api/info over HTTPS: %q", body)
	}

	// The live feed over WSS: a snapshot at once, naming the device, then
	// the line logging this view's arrival.
	raw, err := net.DialTimeout("tcp", secure.ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(10 * time.Second))
	c := tls.Client(raw, tlsConfig)
	br := wsOpen(t, c, "/api/live")
	var snap struct{ T, Name string }
	if m := wsRead(t, br); json.Unmarshal(m, &snap) != nil || snap.T != "snap" || snap.Name != "tls-dev" {
		t.Fatalf("first live message %.300q: want a snapshot of tls-dev", m)
	}
	for {
		var line struct{ T, Msg string }
		m := wsRead(t, br)
		if json.Unmarshal(m, &line) == nil && line.T == "log" && strings.Contains(line.Msg, "live view opened") {
			break
		}
	}
	var views int
	gotViews := make(chan struct{})
	r.Post(func() { views = d.TLSDashboard().Group().Len(); close(gotViews) })
	<-gotViews
	if views != 1 {
		t.Errorf("%d live views on the HTTPS dashboard, want 1", views)
	}
}

// wsOpen sends a WebSocket opening handshake for path on c and checks the
// 101 answer (RFC 6455 4.1).
func wsOpen(t *testing.T, c net.Conn, path string) *bufio.Reader {
	t.Helper()
	key := base64.StdEncoding.EncodeToString([]byte("legation-device!"))
	req := "GET " + path + " HTTP/1.1\r\nHost: " + testDeviceName + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if resp.StatusCode != 101 || resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		t.Fatalf("upgrade of %s: %s %v", path, resp.Status, resp.Header)
	}
	return br
}

// wsRead reads one unfragmented, unmasked server message.
func wsRead(t *testing.T, br *bufio.Reader) []byte {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		t.Fatal(err)
	}
	if h[0] != 0x81 || h[1]&0x80 != 0 {
		t.Fatalf("frame header %x: want a final unmasked text frame", h)
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			t.Fatal(err)
		}
		n = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			t.Fatal(err)
		}
		n = binary.BigEndian.Uint64(l[:])
	}
	if n > 1<<20 {
		t.Fatalf("message of %d bytes", n)
	}
	m := make([]byte, n)
	if _, err := io.ReadFull(br, m); err != nil {
		t.Fatal(err)
	}
	return m
}

// -tls-cert and -tls-key go together, and files that are no certificate
// and key are refused at start.
func TestLoadTLSRefusals(t *testing.T) {
	if acc, err := loadTLS("", ""); acc != nil || err != nil {
		t.Errorf("no flags: %v, %v; want nil, nil", acc, err)
	}
	_, certFile, keyFile := testPKI(t)
	for _, tc := range [][2]string{{certFile, ""}, {"", keyFile}, {keyFile, certFile}, {certFile, certFile + ".missing"}} {
		if acc, err := loadTLS(tc[0], tc[1]); acc != nil || err == nil {
			t.Errorf("loadTLS(%q, %q) = %v, %v; want an error", tc[0], tc[1], acc, err)
		}
	}
}
