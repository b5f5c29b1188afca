package app

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/testpki"
	"github.com/seed947b3480/legation/servers/dashboard"
	"github.com/seed947b3480/legation/tlsx"
	"github.com/seed947b3480/legation/tlsx/tlsstream"
)

// selfSigned is a TLS server with a self-signed certificate: these tests
// look at the device's two dashboards, not at the handshake (the command's
// TestDeviceHTTPS fetches over HTTPS).
func selfSigned(t *testing.T) *tlsstream.Acceptor {
	t.Helper()
	// Valid around the virtual clock's epoch, not around now.
	l := testpki.SelfSigned(t, testpki.LeafOpts{Name: "device.test",
		NotBefore: time.Unix(0, int64(epoch)).Add(-time.Hour), NotAfter: time.Unix(0, int64(epoch)).Add(time.Hour)})
	return &tlsstream.Acceptor{Config: &tlsx.Config{Certificates: []tlsx.Certificate{{Chain: l.Chain, Key: l.Key}}}}
}

// With TLS the device runs a second server and dashboard: a command's
// effects and every log line show on both, and Shutdown stops both.
func TestDeviceTLSDashboards(t *testing.T) {
	rg := newRig(t, 0)
	d, err := New(rg.r, rg.st, Config{Name: "dev-tls", MQTT: peerAddr.Addr().String(), TLS: selfSigned(t), Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	if d.TLSServer() == nil || d.TLSServer().Listener() == nil || d.TLSDashboard() == nil {
		t.Fatal("no HTTPS server or dashboard")
	}
	if !rg.r.RunUntil(10*time.Second, func() bool { return d.State().MQTTUp }) {
		t.Fatal("not connected")
	}
	rg.r.RunFor(time.Second)
	for _, cmd := range []string{"name kitchen", "log hello from the broker"} {
		rg.demo.Publish("legation/dev-tls/cmd", []byte(cmd), 1, false)
	}
	rg.r.RunFor(time.Second)
	if a, b := d.Dashboard().Name(), d.TLSDashboard().Name(); a != "kitchen" || b != "kitchen" {
		t.Fatalf("names %q and %q after \"name kitchen\"", a, b)
	}
	plain, secure := logLines(d.Dashboard().Log()), logLines(d.TLSDashboard().Log())
	if plain != secure {
		t.Fatalf("the logs differ:\nHTTP:\n%s\nHTTPS:\n%s", plain, secure)
	}
	if !strings.Contains(plain, "https port 443") || !strings.Contains(plain, "mqtt: hello from the broker") {
		t.Fatalf("log:\n%s", plain)
	}
	if info := rg.info(); info.Name != "kitchen" {
		t.Fatalf("/api/info over HTTP: %+v", info)
	}
	f := d.Shutdown()
	if !rg.r.RunUntil(5*time.Second, f.Done) {
		t.Fatal("shutdown did not finish")
	}
	if s := d.TLSServer().Stats(); s.Conns != 0 {
		t.Fatalf("HTTPS server after shutdown: %+v", s)
	}
}

func logLines(l *dashboard.Log) string {
	var b bytes.Buffer
	for seq := l.Oldest(); seq < l.Next(); seq++ {
		if e, ok := l.Entry(seq); ok {
			b.WriteString(e.Level.String())
			b.WriteByte(' ')
			b.Write(e.Msg)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// A TLS configuration the engine cannot serve with fails Start, and the
// HTTP port is left free.
func TestDeviceTLSBadConfig(t *testing.T) {
	rg := newRig(t, 0)
	d, err := New(rg.r, rg.st, Config{TLS: &tlsstream.Acceptor{Config: &tlsx.Config{}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); !errors.Is(err, tlsx.ErrConfig) {
		t.Fatalf("Start: %v, want tlsx.ErrConfig", err)
	}
	d2, err := New(rg.r, rg.st, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := d2.Start(); err != nil {
		t.Fatalf("HTTP port not free after the failed start: %v", err)
	}
}
