package main

import (
	"net/netip"
	"strings"

	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/udp"
	"golang.org/x/net/dns/dnsmessage"
)

// demoZone is what the peer stack serves on the loopback link, so the
// example runs with no DNS server on the machine: a tiny authoritative
// server for legation.test.
const demoZone = "legation.test."

var demoRecords = map[string][]netip.Addr{
	"demo.legation.test.": {netip.MustParseAddr("192.168.7.10"), netip.MustParseAddr("192.168.7.11"), netip.MustParseAddr("fd00:7::10")},
	"peer.legation.test.": {netip.MustParseAddr("192.168.7.1")},
}

// demoAliases are CNAMEs within the zone.
var demoAliases = map[string]string{
	"www.legation.test.": "demo.legation.test.",
}

const demoTTL = 60

// serveDemoZone answers queries on UDP port 53 of s: the zone's records,
// CNAMEs followed, NXDOMAIN with the zone's SOA for other names in it, and
// REFUSED for names outside it.
func serveDemoZone(s *stack.Stack) error {
	sock := s.NewUDPSocket(udp.Config{})
	if err := sock.Bind(netip.AddrPortFrom(netip.Addr{}, 53)); err != nil {
		return err
	}
	out := make([]byte, 0, 512)
	sock.OnReadable(func() {
		for {
			from, p, ok := sock.Peek()
			if !ok {
				return
			}
			msg, ok := answer(p, out[:0])
			sock.Discard()
			if ok {
				_ = sock.SendTo(msg, from) // a lost answer is retransmitted by the client
			}
		}
	})
	return nil
}

// answer builds the response to query q into buf; ok is false for input
// that is not a query worth answering.
func answer(q, buf []byte) (msg []byte, ok bool) {
	var p dnsmessage.Parser
	h, err := p.Start(q)
	if err != nil || h.Response {
		return nil, false
	}
	question, err := p.Question()
	if err != nil {
		return nil, false
	}
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired}
	name := strings.ToLower(question.Name.String())
	inZone := name == demoZone || strings.HasSuffix(name, "."+demoZone)
	_, known := demoRecords[name]
	_, alias := demoAliases[name]
	switch {
	case h.OpCode != 0 || question.Class != dnsmessage.ClassINET:
		rh.RCode = dnsmessage.RCodeNotImplemented
	case !inZone:
		rh.RCode, rh.Authoritative = dnsmessage.RCodeRefused, false
	case !known && !alias && name != demoZone:
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(buf, rh)
	b.EnableCompression()
	if b.StartQuestions() != nil || b.Question(question) != nil || b.StartAnswers() != nil {
		return nil, false
	}
	found := false
	if rh.RCode == dnsmessage.RCodeSuccess {
		if target, ok := demoAliases[name]; ok {
			hdr := dnsmessage.ResourceHeader{Name: question.Name, Class: dnsmessage.ClassINET, TTL: demoTTL}
			if b.CNAMEResource(hdr, dnsmessage.CNAMEResource{CNAME: dnsmessage.MustNewName(target)}) != nil {
				return nil, false
			}
			name = target
		}
		owner := dnsmessage.MustNewName(name)
		for _, a := range demoRecords[name] {
			hdr := dnsmessage.ResourceHeader{Name: owner, Class: dnsmessage.ClassINET, TTL: demoTTL}
			switch {
			case a.Is4() && question.Type == dnsmessage.TypeA:
				err = b.AResource(hdr, dnsmessage.AResource{A: a.As4()})
			case a.Is6() && question.Type == dnsmessage.TypeAAAA:
				err = b.AAAAResource(hdr, dnsmessage.AAAAResource{AAAA: a.As16()})
			default:
				continue
			}
			if err != nil {
				return nil, false
			}
			found = true
		}
	}
	if !found && rh.RCode != dnsmessage.RCodeRefused && rh.RCode != dnsmessage.RCodeNotImplemented {
		// NXDOMAIN and NODATA carry the SOA, so resolvers may cache them
		// for its MINIMUM (RFC 2308 3).
		if b.StartAuthorities() != nil || b.SOAResource(
			dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(demoZone), Class: dnsmessage.ClassINET, TTL: demoTTL},
			dnsmessage.SOAResource{
				NS: dnsmessage.MustNewName("peer." + demoZone), MBox: dnsmessage.MustNewName("hostmaster." + demoZone),
				Serial: 1, Refresh: 3600, Retry: 600, Expire: 86400, MinTTL: 30,
			}) != nil {
			return nil, false
		}
	}
	msg, err = b.Finish()
	return msg, err == nil
}
