package dns

import (
	"net/netip"
	"testing"

	"github.com/seed947b3480/legation/udp"
	"golang.org/x/net/dns/dnsmessage"
)

// Forged answers that get the ID, the question or the source wrong are
// dropped, and the genuine answer behind them is used (RFC 5452 9.1).
func TestRejectMismatchedAnswers(t *testing.T) {
	e := newEnv(t, Config{})
	// A spoofer on the server's host but another port: the right ID and
	// question from the wrong source.
	spoofer := e.srv.NewUDPSocket(udp.Config{})
	if err := spoofer.Bind(netip.AddrPortFrom(netip.Addr{}, 5454)); err != nil {
		t.Fatal(err)
	}
	forged := []rr{{name: "host.test", ttl: 60, a: "192.0.2.66"}}
	var srv *scripted
	srv = e.serve(53, func(q *dnsmessage.Message) []byte {
		to := srv.log[len(srv.log)-1].from
		send := func(b []byte) {
			if err := srv.sock.SendTo(b, to); err != nil {
				t.Fatal(err)
			}
		}
		edits := []func(h *dnsmessage.Header, qu *dnsmessage.Question){
			func(h *dnsmessage.Header, _ *dnsmessage.Question) { h.ID++ },
			func(_ *dnsmessage.Header, qu *dnsmessage.Question) { qu.Name = dnsmessage.MustNewName("other.test.") },
			func(_ *dnsmessage.Header, qu *dnsmessage.Question) { qu.Type = dnsmessage.TypeAAAA },
			func(_ *dnsmessage.Header, qu *dnsmessage.Question) { qu.Class = dnsmessage.ClassCHAOS },
			func(h *dnsmessage.Header, _ *dnsmessage.Question) { h.Response = false },
			func(h *dnsmessage.Header, _ *dnsmessage.Question) { h.OpCode = 2 },
		}
		for _, edit := range edits {
			send(reply(q, dnsmessage.RCodeSuccess, forged, nil, edit))
		}
		send([]byte{0x12}) // too short to be anything
		if err := spoofer.SendTo(reply(q, dnsmessage.RCodeSuccess, forged, nil, nil), to); err != nil {
			t.Fatal(err)
		}
		return (&zone{records: demoZone}).handle(q)
	})
	res, err := e.lookupA("host.test")
	if err != nil || addrs(res) != "192.0.2.1,192.0.2.2" {
		t.Fatalf("%q %v: a forged answer was taken", addrs(res), err)
	}
	if st := e.res.Stats(); st.Rejected != 8 || st.Answers != 1 {
		t.Fatalf("stats %+v; want 8 rejected, 1 answer", st)
	}
}

// The question is matched without regard to case (RFC 4343): a server may
// echo it in another case.
func TestQuestionCaseInsensitive(t *testing.T) {
	e := newEnv(t, Config{})
	e.serve(53, func(q *dnsmessage.Message) []byte {
		return reply(q, dnsmessage.RCodeSuccess, []rr{{name: "HOST.test", ttl: 60, a: "192.0.2.1"}}, nil,
			func(_ *dnsmessage.Header, qu *dnsmessage.Question) { qu.Name = dnsmessage.MustNewName("HoSt.TeSt.") })
	})
	if res, err := e.lookupA("host.TEST"); err != nil || addrs(res) != "192.0.2.1" {
		t.Fatalf("%q %v", addrs(res), err)
	}
}

// A duplicate answer that arrives after its lookup ended is counted as
// stale and never reaches a later lookup on the same socket.
func TestLateAnswers(t *testing.T) {
	e := newEnv(t, Config{MaxQueries: 1, Sockets: 1})
	z := &zone{records: demoZone}
	srv := e.serve(53, func(q *dnsmessage.Message) []byte {
		if q.Questions[0].Name.String() == "host.test." {
			return reply(q, dnsmessage.RCodeSuccess, []rr{{name: "host.test", ttl: 60, a: "192.0.2.1"}}, nil, nil)
		}
		return z.handle(q)
	})
	res, err := e.lookupA("host.test")
	if err != nil || addrs(res) != "192.0.2.1" {
		t.Fatal(addrs(res), err)
	}
	// Replay the answer to the single socket after the lookup is over.
	late := reply(&dnsmessage.Message{Header: dnsmessage.Header{ID: srv.log[0].id}, Questions: []dnsmessage.Question{{Name: dnsmessage.MustNewName("v4only.test."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}}},
		dnsmessage.RCodeSuccess, []rr{{name: "v4only.test", ttl: 60, a: "192.0.2.66"}}, nil, nil)
	if err := srv.sock.SendTo(late, srv.log[0].from); err != nil {
		t.Fatal(err)
	}
	e.r.RunFor(0)
	res, err = e.lookupA("v4only.test")
	if err != nil || addrs(res) != "192.0.2.4" {
		t.Fatalf("%q %v: the late answer was taken", addrs(res), err)
	}
	if st := e.res.Stats(); st.Stale != 1 {
		t.Fatalf("stats %+v, want 1 stale", st)
	}
}
