package main

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/examples/device/app"
)

// The device with -tls-cert and -tls-key on the loopback link, reached
// from the host through the forwarders as main sets them up (-listen,
// -listen-https), on a real clock (Go's crypto/tls computes on the test's
// goroutine): Go's TLS client, trusting the test's CA, gets the dashboard
// page and /api/info over HTTPS (TLS 1.3, ALPN http/1.1) and opens the
// live feed over WSS; the page is served over plain HTTP too.
func TestDeviceHTTPS(t *testing.T) {
	rg := newTLSRig(t, app.Config{Name: "tls-dev", Link: "loopback", HTTPSPort: 8443,
		UpdateInterval: 100 * time.Millisecond}, httpsPoolBuffers, false)
	plain := rg.forward(t, app.DefaultHTTPPort)
	secure := rg.forward(t, 8443)

	tlsConfig := rg.tlsConfig()
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
	rg.onReactor(func() { views = rg.d.TLSDashboard().Group().Len() })
	if views != 1 {
		t.Errorf("%d live views on the HTTPS dashboard, want 1", views)
	}
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
