package interop

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	lhttp "github.com/seed947b3480/legation/clients/http"
	"github.com/seed947b3480/legation/dns"
)

// hcDnsmasqConf makes dnsmasq, on the kernel side, authoritative for .test
// (NXDOMAIN for what it does not know) with web.test at the address the
// kernel-side peers listen on.
const hcDnsmasqConf = `interface=tap0
bind-interfaces
no-daemon
no-resolv
no-hosts
user=root
no-ping
local=/test/
log-queries
host-record=web.test,10.77.0.1
`

// A URL with a host name, resolved through legation's resolver asking
// dnsmasq: the request reaches Go's server with the name in its Host field,
// and a name dnsmasq does not know fails with ErrDNS that unwraps to the
// resolver's dns.ErrNotFound.
func TestHTTPClientDNS(t *testing.T) {
	requireTools(t, [2]string{"dnsmasq", "dnsmasq-base"}, [2]string{"dig", "bind9-dnsutils"})
	env := hcSetup(t)
	dir := t.TempDir()
	logPath, conf := filepath.Join(dir, "dnsmasq.log"), filepath.Join(dir, "dnsmasq.conf")
	if err := os.WriteFile(conf, []byte(hcDnsmasqConf+"log-facility="+logPath+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env.ns.Start(t, "dnsmasq", "-C", conf)
	// Wait (bounded, polling with dig about every 50 ms) until dnsmasq
	// answers.
	for deadline := time.Now().Add(10 * time.Second); ; {
		out, err := dnsDig(env.ns, "+short", "web.test", "A")
		if err == nil && strings.TrimSpace(out) == hcKernelAddr {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dnsmasq never answered: %v\n%s", err, out)
		}
		<-time.After(50 * time.Millisecond)
	}

	var res *dns.Resolver
	var err error
	env.d.do(func() { res, err = dns.New(env.d.r, env.d.s, dns.Config{}) })
	if err != nil {
		t.Fatal(err)
	}
	hc := hcNewClient(t, env.d, lhttp.Config{Resolver: res})
	port := env.srv.url("")[strings.LastIndexByte(env.srv.url(""), ':'):]
	r := hc.fetch(t, &lhttp.Request{URL: "http://web.test" + port + "/echo"})
	if r.err != nil || r.status != 200 || r.header.Get("X-Request-Host") != "web.test"+port {
		t.Fatalf("GET by name: %v, status %d, the server saw Host %q", r.err, r.status, r.header.Get("X-Request-Host"))
	}
	r = hc.fetch(t, &lhttp.Request{URL: "http://nowhere.test" + port + "/echo"})
	if !errors.Is(r.err, lhttp.ErrDNS) || !errors.Is(r.err, dns.ErrNotFound) {
		t.Fatalf("GET of an unknown name: status %d, %v; want ErrDNS and dns.ErrNotFound", r.status, r.err)
	}
	// Without a resolver a name is refused at once.
	bare := hcNewClient(t, env.d, lhttp.Config{})
	if r := bare.fetch(t, &lhttp.Request{URL: "http://web.test" + port + "/echo"}); !errors.Is(r.err, lhttp.ErrNoResolver) {
		t.Fatalf("no resolver: %v, want ErrNoResolver", r.err)
	}
	// dnsmasq logs a query after answering it: wait (bounded) for the line.
	for deadline := time.Now().Add(5 * time.Second); dnsmasqCount(logPath, "web.test") < 1; {
		if time.Now().After(deadline) {
			t.Fatal("dnsmasq logged no query for web.test from the device")
		}
		<-time.After(20 * time.Millisecond)
	}
}
