package netconn_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/dns"
	"github.com/seed947b3480/legation/netconn"
	"golang.org/x/net/dns/dnsmessage"
)

// serveDNS answers A queries for web.test with 10.0.0.2 on B, over a
// netconn PacketConn with x/net's dnsmessage, and NXDOMAIN otherwise.
func serveDNS(t *testing.T, b *host) {
	pc, err := b.net.ListenPacket("udp", ":53")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true}
			known := q.Name.String() == "web.test." && q.Type == dnsmessage.TypeA
			if !known {
				rh.RCode = dnsmessage.RCodeNameError
			}
			bld := dnsmessage.NewBuilder(nil, rh)
			bld.StartQuestions()
			bld.Question(q)
			if known {
				bld.StartAnswers()
				bld.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}, dnsmessage.AResource{A: addrB.As4()})
			}
			msg, err := bld.Finish()
			if err == nil {
				pc.WriteTo(msg, from)
			}
		}
	}()
}

// Dialing by name through legation's own stub resolver (on A's reactor),
// asking a DNS server that runs over netconn on B.
func TestDialByName(t *testing.T) {
	a, b := newPair(t, netconn.Config{})
	serveDNS(t, b)
	var res *dns.Resolver
	var err error
	a.do(func() {
		res, err = dns.New(a.r, a.s, dns.Config{Servers: []netip.AddrPort{netip.AddrPortFrom(addrB, 53)}, Timeout: 200 * time.Millisecond, Attempts: 2})
	})
	if err != nil {
		t.Fatal(err)
	}
	an := netconn.New(a.s, a.r, netconn.Config{Resolve: netconn.Lookup(a.r, res)})

	l, err := b.net.Listen("tcp", ":80")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			c.Write([]byte("hi"))
			c.Close()
		}
	}()
	c, err := an.Dial("tcp", "web.test:80")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if _, err := c.Read(buf); err != nil || string(buf) != "hi" {
		t.Fatalf("read %q, %v", buf, err)
	}
	c.Close()

	var de *net.DNSError
	_, err = an.Dial("tcp", "nowhere.test:80")
	if !errors.As(err, &de) || !de.IsNotFound || !errors.Is(err, dns.ErrNotFound) {
		t.Fatalf("Dial to an unknown name: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := an.DialContext(ctx, "tcp", "web.test:80"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial with a cancelled context: %v", err)
	}
	// Without a resolver, names fail at once.
	if _, err := a.net.Dial("tcp", "web.test:80"); !errors.As(err, &de) {
		t.Fatalf("Dial by name without a resolver: %v", err)
	}
}
