package app

import (
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/udp"
	"golang.org/x/net/dns/dnsmessage"
)

// serveDNS answers every A question on UDP port 53 of s with addr.
func serveDNS(t *testing.T, s *stack.Stack, addr netip.Addr) *int {
	sock := s.NewUDPSocket(udp.Config{})
	if err := sock.Bind(netip.AddrPortFrom(netip.Addr{}, 53)); err != nil {
		t.Fatal(err)
	}
	asked := new(int)
	sock.OnReadable(func() {
		for {
			from, p, ok := sock.Peek()
			if !ok {
				return
			}
			var parser dnsmessage.Parser
			h, err := parser.Start(p)
			q, qerr := parser.Question()
			sock.Discard()
			if err != nil || qerr != nil || q.Type != dnsmessage.TypeA {
				continue
			}
			*asked++
			h.Response, h.Authoritative = true, true
			b := dnsmessage.NewBuilder(nil, h)
			b.StartQuestions()
			b.Question(q)
			b.StartAnswers()
			b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}, dnsmessage.AResource{A: addr.As4()})
			msg, err := b.Finish()
			if err == nil {
				sock.SendTo(msg, from)
			}
		}
	})
	return asked
}

// The broker and the NTP server by name: both looked up with the stack's
// DNS server, both then reached.
func TestDeviceNames(t *testing.T) {
	rg := newRig(t, time.Second)
	rg.st.SetDNS([]netip.Addr{peerAddr.Addr()})
	asked := serveDNS(t, rg.peer, peerAddr.Addr())
	d, err := New(rg.r, rg.st, Config{Name: "named", MQTT: "broker.test:1883", NTP: "ntp.test", Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	if d.Resolver() == nil || d.SNTP() != nil {
		t.Fatalf("resolver %v, SNTP client %v before the lookup", d.Resolver(), d.SNTP())
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	if !rg.r.RunUntil(10*time.Second, func() bool { s := d.State(); return s.MQTTUp && s.NTPSynced }) {
		t.Fatalf("state %+v after %d DNS questions", d.State(), *asked)
	}
	if s := d.State(); s.NTPServer != peerAddr.Addr() || *asked < 2 {
		t.Fatalf("state %+v after %d DNS questions", s, *asked)
	}
}

// Addresses that cannot be right are errors from New.
func TestDeviceBadConfig(t *testing.T) {
	rg := newRig(t, 0)
	for _, ntp := range []string{"1.2.3.4:0", "1.2.3.4:x", ":123", "1.2.3.4:70000"} {
		if _, err := New(rg.r, rg.st, Config{NTP: ntp}); err == nil {
			t.Errorf("NTP %q: no error", ntp)
		}
	}
}
