package main

import (
	"flag"
	"io"
	"os"

	"github.com/seed947b3480/legation/examples/internal/netup"
	"net/netip"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// The demo zone answers like an authoritative server: records, a CNAME
// with its target, NXDOMAIN and NODATA with the SOA, REFUSED outside the
// zone, and nothing for a datagram that is not a query.
func TestDemoZone(t *testing.T) {
	for _, tc := range []struct {
		name    string
		typ     dnsmessage.Type
		rcode   dnsmessage.RCode
		answers []string
		soa     bool
	}{
		{"demo.legation.test.", dnsmessage.TypeA, dnsmessage.RCodeSuccess, []string{"192.168.7.10", "192.168.7.11"}, false},
		{"DEMO.legation.test.", dnsmessage.TypeAAAA, dnsmessage.RCodeSuccess, []string{"fd00:7::10"}, false},
		{"www.legation.test.", dnsmessage.TypeA, dnsmessage.RCodeSuccess, []string{"cname demo.legation.test.", "192.168.7.10", "192.168.7.11"}, false},
		{"peer.legation.test.", dnsmessage.TypeAAAA, dnsmessage.RCodeSuccess, nil, true},
		{"nope.legation.test.", dnsmessage.TypeA, dnsmessage.RCodeNameError, nil, true},
		{"example.com.", dnsmessage.TypeA, dnsmessage.RCodeRefused, nil, false},
	} {
		b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: 77, RecursionDesired: true})
		must(t, b.StartQuestions())
		must(t, b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName(tc.name), Type: tc.typ, Class: dnsmessage.ClassINET}))
		q, err := b.Finish()
		must(t, err)
		out, ok := answer(q, make([]byte, 0, 512))
		if !ok {
			t.Fatalf("%s: no answer", tc.name)
		}
		var m dnsmessage.Message
		must(t, m.Unpack(out))
		var got []string
		for _, r := range m.Answers {
			switch b := r.Body.(type) {
			case *dnsmessage.AResource:
				got = append(got, netip.AddrFrom4(b.A).String())
			case *dnsmessage.AAAAResource:
				got = append(got, netip.AddrFrom16(b.AAAA).String())
			case *dnsmessage.CNAMEResource:
				got = append(got, "cname "+b.CNAME.String())
			}
		}
		soa := len(m.Authorities) == 1 && m.Authorities[0].Header.Type == dnsmessage.TypeSOA
		if m.ID != 77 || !m.Response || m.RCode != tc.rcode || soa != tc.soa || len(got) != len(tc.answers) {
			t.Fatalf("%s %v: %+v answers %v soa %v", tc.name, tc.typ, m.Header, got, soa)
		}
		for i := range got {
			if got[i] != tc.answers[i] {
				t.Fatalf("%s: answers %v, want %v", tc.name, got, tc.answers)
			}
		}
	}
	if _, ok := answer([]byte{1, 2, 3}, nil); ok {
		t.Fatal("answered garbage")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// The whole program on the default loopback link: the peer serves the demo
// zone and is the default name server.
func TestRunLoopback(t *testing.T) {
	for _, tc := range []struct {
		name, qtype string
		code        int
		out         string
	}{
		{"demo.legation.test", "host", 0, "192.168.7.10\n192.168.7.11\nfd00:7::10\n"},
		{"www.legation.test", "a", 0, "192.168.7.10\n192.168.7.11\n"},
		{"nope.legation.test", "host", 1, ""},
		{"demo.legation.test", "mx", 2, ""},
	} {
		fs := flag.NewFlagSet("resolve", flag.ContinueOnError)
		link := netup.Register(fs)
		if err := fs.Parse(nil); err != nil {
			t.Fatal(err)
		}
		var code int
		out := captureStdout(t, func() { code = run(link, tc.name, tc.qtype, false) })
		if code != tc.code || out != tc.out {
			t.Errorf("%s -type %s: exit %d, output %q; want %d, %q", tc.name, tc.qtype, code, out, tc.code, tc.out)
		}
	}
}

func captureStdout(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	done := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); done <- b }()
	fn()
	os.Stdout = saved
	w.Close()
	return string(<-done)
}
