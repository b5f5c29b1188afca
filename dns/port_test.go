package dns

import (
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/udp"
	"golang.org/x/net/dns/dnsmessage"
)

// Every question gets a random ID and a fresh random source port (RFC 5452
// 9.2): over many queries the ports a server sees are nearly all distinct,
// all ephemeral, and spread over the whole range, so a spoofer must guess
// about 14 bits of port besides the 16 of the ID.
func TestFreshPortPerQuestion(t *testing.T) {
	const (
		n           = 1200
		first, last = 49152, 65535 // the stack's default ephemeral range
		span        = last - first + 1
	)
	e := newEnv(t, Config{CacheEntries: -1})
	srv := e.serve(53, func(q *dnsmessage.Message) []byte {
		return reply(q, dnsmessage.RCodeSuccess, []rr{{name: q.Questions[0].Name.String(), ttl: 60, a: "192.0.2.1"}}, nil, nil)
	})
	for i := 0; i < n; i++ {
		if _, err := e.lookupA("host.test"); err != nil {
			t.Fatal(err)
		}
	}
	if len(srv.log) != n {
		t.Fatalf("%d queries for %d lookups", len(srv.log), n)
	}
	ids, ports := map[uint16]bool{}, map[uint16]bool{}
	var buckets [16]int
	for _, s := range srv.log {
		p := s.from.Port()
		if p < first || p > last {
			t.Fatalf("source port %d outside the ephemeral range", p)
		}
		ids[s.id] = true
		ports[p] = true
		buckets[(int(p)-first)*len(buckets)/span]++
	}
	// n uniform draws from k values repeat about n(n-1)/2k times; three
	// times that is far beyond chance.
	repeats := func(k int) int { return 3 * n * (n - 1) / (2 * k) }
	if len(ids) < n-repeats(1<<16) {
		t.Errorf("%d distinct IDs in %d queries", len(ids), n)
	}
	if len(ports) < n-repeats(span) {
		t.Errorf("%d distinct source ports in %d queries, want about %d", len(ports), n, n-repeats(span)/3)
	}
	// Each sixteenth of the range within six standard deviations of its
	// share: the whole range is used, evenly.
	mean := float64(n) / float64(len(buckets))
	sd := math.Sqrt(mean * (1 - 1/float64(len(buckets))))
	for b, c := range buckets {
		if math.Abs(float64(c)-mean) > 6*sd {
			t.Errorf("sixteenth %d of the port range got %d queries, want %.0f±%.0f: %v", b, c, mean, 6*sd, buckets)
			break
		}
	}
	if st := e.res.Stats(); st.Sent != n || st.Answers != n || st.SendErrors != 0 {
		t.Errorf("stats %+v", st)
	}
}

// Questions in flight at once each own a socket, so each has its own port,
// and every retransmission of a question leaves from the port (and with
// the ID) of its first send.
func TestQuestionsInFlightOwnPorts(t *testing.T) {
	const inFlight = 4
	e := newEnv(t, Config{MaxQueries: inFlight, Attempts: 3})
	srv := e.serve(53, silent)
	var fs []*reactor.Future[Result]
	for i := 0; i < inFlight; i++ {
		fs = append(fs, e.res.LookupA(string(rune('a'+i))+".test"))
	}
	if !e.r.RunUntil(time.Minute, func() bool {
		for _, f := range fs {
			if !f.Done() {
				return false
			}
		}
		return true
	}) {
		t.Fatal("lookups never ended")
	}
	first := map[string]seen{}
	ports := map[uint16]string{}
	for _, s := range srv.log {
		f, ok := first[s.name]
		if !ok {
			first[s.name] = s
			if other, taken := ports[s.from.Port()]; taken {
				t.Fatalf("%s and %s, in flight together, both left from port %d", other, s.name, s.from.Port())
			}
			ports[s.from.Port()] = s.name
			continue
		}
		if s.from != f.from || s.id != f.id {
			t.Errorf("%s retransmitted from %v with ID %#x; first send from %v with %#x", s.name, s.from, s.id, f.from, f.id)
		}
	}
	if len(first) != inFlight || len(srv.log) != 3*inFlight {
		t.Fatalf("%d names, %d queries; want %d and %d", len(first), len(srv.log), inFlight, 3*inFlight)
	}
}

// A stack that refuses the fresh port cannot wedge the resolver: the
// question's sends fail and count as lost, it times out, its socket goes
// back to the pool, and the next question gets a port and is sent.
func TestFreshPortRefused(t *testing.T) {
	h := &refusingHost{ports: map[uint16]*udp.Socket{}, next: 50000}
	r := reactor.New(reactor.NewVirtualClock(0))
	res, err := New(r, h, Config{MaxQueries: 1, Attempts: 3, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	h.refuse = true
	f := res.LookupA("host.test")
	if !r.RunUntil(time.Minute, f.Done) {
		t.Fatal("lookup never ended")
	}
	if st := res.Stats(); f.Err() != ErrTimeout || st.SendErrors != 3 || st.Sent != 0 || h.sendReady != 0 || res.InFlight() != 0 {
		t.Fatalf("err %v, stats %+v, %d datagrams queued, %d in flight", f.Err(), st, h.sendReady, res.InFlight())
	}
	h.refuse = false
	res.LookupA("host.test")
	if st := res.Stats(); st.Sent != 1 || h.sendReady != 1 || !res.socks[0].s.Bound() {
		t.Fatalf("after the stack had ports again: stats %+v, %d datagrams queued, bound %v", st, h.sendReady, res.socks[0].s.Bound())
	}
	res.Close()
}

// refusingHost is a network stack reduced to a port table that can be told
// to refuse every bind; it never sends anything.
type refusingHost struct {
	refuse    bool
	ports     map[uint16]*udp.Socket
	next      uint16
	sendReady int
}

func (h *refusingHost) NewUDPSocket(cfg udp.Config) *udp.Socket { return udp.NewSocket(h, cfg) }
func (h *refusingHost) DNS() []netip.Addr                       { return []netip.Addr{serverAddr} }

func (h *refusingHost) BindUDP(s *udp.Socket, port uint16) (uint16, error) {
	if h.refuse || port != 0 {
		return 0, udp.ErrNoPorts
	}
	h.next++
	h.ports[h.next] = s
	return h.next, nil
}

func (h *refusingHost) UnbindUDP(s *udp.Socket)     { delete(h.ports, s.LocalAddr().Port()) }
func (h *refusingHost) UDPSendReady(*udp.Socket)    { h.sendReady++ }
func (h *refusingHost) UDPMaxPayload() int          { return 1472 }
func (h *refusingHost) UDPTimerChanged(*udp.Socket) {}
