package mqtt

import (
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/dns"
	"github.com/seed947b3480/legation/udp"
	"golang.org/x/net/dns/dnsmessage"
)

// serveDNS answers A queries for name with addr from the broker's stack.
func (n *testNet) serveDNS(name string, addr netip.Addr) *int {
	queries := new(int)
	s := n.bst.NewUDPSocket(udp.Config{})
	if err := s.Bind(netip.AddrPortFrom(brokerIP, 53)); err != nil {
		n.t.Fatal(err)
	}
	buf := make([]byte, 512)
	s.OnReadable(func() {
		for {
			k, from, _, err := s.RecvFrom(buf)
			if err != nil {
				return
			}
			var m dnsmessage.Message
			if m.Unpack(buf[:k]) != nil || len(m.Questions) != 1 {
				continue
			}
			*queries++
			q := m.Questions[0]
			m.Response, m.Authoritative = true, true
			if q.Name.String() == name && q.Type == dnsmessage.TypeA {
				m.Answers = []dnsmessage.Resource{{
					Header: dnsmessage.ResourceHeader{Name: q.Name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 60},
					Body:   &dnsmessage.AResource{A: addr.As4()},
				}}
			} else {
				m.RCode = dnsmessage.RCodeNameError
			}
			out, _ := m.Pack()
			s.SendTo(out, from)
		}
	})
	return queries
}

// A broker given by name is looked up through the resolver.
func TestBrokerByName(t *testing.T) {
	n := newNet(t)
	queries := n.serveDNS("broker.test.", brokerIP)
	res, err := dns.New(n.r, n.cst, dns.Config{Servers: []netip.AddrPort{netip.AddrPortFrom(brokerIP, 53)}, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	c := n.client(Config{Broker: "broker.test:1883", Resolver: res})
	n.run(10*time.Second, "connect", c.Connected)
	if *queries != 1 {
		t.Fatalf("%d DNS queries", *queries)
	}
	// A name that does not resolve fails the attempt and is retried.
	var failed []error
	c2 := n.client(Config{Broker: "nowhere.test", Resolver: res, OnConnectFailed: func(err error) { failed = append(failed, err) }})
	n.r.RunFor(5 * time.Second)
	if len(failed) < 2 || c2.Connected() {
		t.Fatalf("failures %v", failed)
	}
}
