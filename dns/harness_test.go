package dns

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/udp"
	"golang.org/x/net/dns/dnsmessage"
)

// The tests run the resolver on one stack and scripted DNS servers on a
// second, joined by the in-memory link on a virtual-time reactor: every
// timer is exact and a test of minutes of retransmissions takes
// microseconds.

var (
	clientAddr = netip.MustParseAddr("10.0.0.1")
	serverAddr = netip.MustParseAddr("10.0.0.2")
)

// server is the address of the scripted server on port.
func server(port uint16) netip.AddrPort { return netip.AddrPortFrom(serverAddr, port) }

type env struct {
	t        testing.TB
	r        *reactor.Reactor
	clk      *reactor.VirtualClock
	cli, srv *stack.Stack
	res      *Resolver
}

// newEnv builds the two stacks and a resolver with cfg; cfg.Servers empty
// means the client stack's DNS list, which is serverAddr.
func newEnv(t testing.TB, cfg Config) *env {
	t.Helper()
	devA, devB := loopback.NewPair(loopback.Config{})
	clk := reactor.NewVirtualClock(reactor.Instant(1000 * time.Second))
	r := reactor.New(clk)
	cli, err := stack.New(devA, stack.Config{Addr: netip.PrefixFrom(clientAddr, 24), DNS: []netip.Addr{serverAddr}, Seed: 1, GratuitousARPs: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := stack.New(devB, stack.Config{Addr: netip.PrefixFrom(serverAddr, 24), Seed: 2, GratuitousARPs: -1})
	if err != nil {
		t.Fatal(err)
	}
	cli.Spawn(r)
	srv.Spawn(r)
	if cfg.Seed == 0 {
		cfg.Seed = 7
	}
	res, err := New(r, cli, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, r: r, clk: clk, cli: cli, srv: srv, res: res}
}

// wait runs the reactor until f completes (or limit of virtual time passes)
// and returns its outcome.
func (e *env) wait(f *reactor.Future[Result], limit time.Duration) (Result, error) {
	e.t.Helper()
	if !e.r.RunUntil(limit, f.Done) {
		e.t.Fatalf("lookup still pending after %v; stats %+v", limit, e.res.Stats())
	}
	return f.Result()
}

// lookupA runs LookupA(name) to completion.
func (e *env) lookupA(name string) (Result, error) {
	e.t.Helper()
	return e.wait(e.res.LookupA(name), time.Minute)
}

// seen is one query a scripted server received.
type seen struct {
	at   reactor.Instant
	from netip.AddrPort
	id   uint16
	name string
	typ  dnsmessage.Type
}

// handler answers a query (msg is the parsed query) with a reply, or with
// nil to stay silent.
type handler func(q *dnsmessage.Message) []byte

// scripted is a DNS server on the peer stack whose every answer the test
// writes; it records every query it gets.
type scripted struct {
	e      *env
	sock   *udp.Socket
	handle handler
	log    []seen
}

// serve starts a scripted server on port with handler h.
func (e *env) serve(port uint16, h handler) *scripted {
	e.t.Helper()
	s := &scripted{e: e, handle: h, sock: e.srv.NewUDPSocket(udp.Config{})}
	if err := s.sock.Bind(netip.AddrPortFrom(netip.Addr{}, port)); err != nil {
		e.t.Fatal(err)
	}
	buf := make([]byte, 2048)
	s.sock.OnReadable(func() {
		for {
			n, from, _, err := s.sock.RecvFrom(buf)
			if err != nil {
				return
			}
			var m dnsmessage.Message
			if err := m.Unpack(buf[:n]); err != nil || len(m.Questions) != 1 {
				e.t.Errorf("server %d: bad query from %v: %v", port, from, err)
				continue
			}
			q := m.Questions[0]
			s.log = append(s.log, seen{at: e.r.Now(), from: from, id: m.ID, name: q.Name.String(), typ: q.Type})
			if out := s.handle(&m); out != nil {
				if err := s.sock.SendTo(out, from); err != nil {
					e.t.Errorf("server %d: send: %v", port, err)
				}
			}
		}
	})
	return s
}

// queries reports how many queries the server has received.
func (s *scripted) queries() int { return len(s.log) }

// rr is a resource record in a scripted answer.
type rr struct {
	name string
	ttl  uint32
	a    string // A or AAAA, by the address's family
	// cname, if set, makes this a CNAME record.
	cname string
	// soaMin, if set, makes this an SOA record with that MINIMUM.
	soaMin uint32
}

// reply builds the answer to q with rcode, answer and authority records;
// edit, if not nil, may change the header first (ID, flags).
func reply(q *dnsmessage.Message, rcode dnsmessage.RCode, answers, authority []rr, edit func(h *dnsmessage.Header, qu *dnsmessage.Question)) []byte {
	h := dnsmessage.Header{ID: q.ID, Response: true, RecursionDesired: q.RecursionDesired, RecursionAvailable: true, RCode: rcode}
	qu := q.Questions[0]
	if edit != nil {
		edit(&h, &qu)
	}
	b := dnsmessage.NewBuilder(nil, h)
	b.EnableCompression()
	must(b.StartQuestions())
	must(b.Question(qu))
	must(b.StartAnswers())
	for _, r := range answers {
		addRR(&b, r)
	}
	must(b.StartAuthorities())
	for _, r := range authority {
		addRR(&b, r)
	}
	out, err := b.Finish()
	must(err)
	return out
}

func addRR(b *dnsmessage.Builder, r rr) {
	h := dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(fqdn(r.name)), Class: dnsmessage.ClassINET, TTL: r.ttl}
	switch {
	case r.cname != "":
		must(b.CNAMEResource(h, dnsmessage.CNAMEResource{CNAME: dnsmessage.MustNewName(fqdn(r.cname))}))
	case r.soaMin != 0:
		must(b.SOAResource(h, dnsmessage.SOAResource{
			NS: dnsmessage.MustNewName("ns." + fqdn(r.name)), MBox: dnsmessage.MustNewName("admin." + fqdn(r.name)),
			Serial: 1, Refresh: 3600, Retry: 600, Expire: 86400, MinTTL: r.soaMin,
		}))
	default:
		a := netip.MustParseAddr(r.a)
		if a.Is4() {
			must(b.AResource(h, dnsmessage.AResource{A: a.As4()}))
		} else {
			must(b.AAAAResource(h, dnsmessage.AAAAResource{AAAA: a.As16()}))
		}
	}
}

func fqdn(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// zone is a handler that answers like a recursive server from a table of
// records: CNAME chains are followed and included, NXDOMAIN for names it
// does not know (with an SOA when soaMin is set), NODATA for known names
// without records of the type asked.
type zone struct {
	records []rr
	soaMin  uint32
	soaTTL  uint32
	// omitTarget leaves out what a CNAME points to, so the client must ask
	// for the target itself.
	omitTarget bool
}

func (z *zone) handle(q *dnsmessage.Message) []byte {
	qu := q.Questions[0]
	name := strings.ToLower(qu.Name.String())
	var ans []rr
	known := false
	for hop := 0; hop < 20; hop++ {
		next := ""
		for _, r := range z.records {
			if fqdn(r.name) != name {
				continue
			}
			known = true
			switch {
			case r.cname != "":
				ans = append(ans, r)
				next = fqdn(r.cname)
			case r.soaMin == 0 && typeOf(r) == qu.Type:
				ans = append(ans, r)
			}
		}
		if next == "" || z.omitTarget {
			break
		}
		name = next
	}
	var auth []rr
	if len(ans) == 0 && z.soaMin != 0 {
		auth = []rr{{name: "test", ttl: z.soaTTL, soaMin: z.soaMin}}
	}
	if !known {
		return reply(q, dnsmessage.RCodeNameError, nil, auth, nil)
	}
	return reply(q, dnsmessage.RCodeSuccess, ans, auth, nil)
}

func typeOf(r rr) dnsmessage.Type {
	if netip.MustParseAddr(r.a).Is4() {
		return dnsmessage.TypeA
	}
	return dnsmessage.TypeAAAA
}

// silent is a handler that never answers.
func silent(*dnsmessage.Message) []byte { return nil }

// addrs formats a result's addresses for comparison.
func addrs(r Result) string {
	var s []string
	for _, a := range r.List() {
		s = append(s, a.String())
	}
	return strings.Join(s, ",")
}

type dnsMsg = dnsmessage.Message

const (
	rcodeOK = dnsmessage.RCodeSuccess
	rcodeNX = dnsmessage.RCodeNameError
)
