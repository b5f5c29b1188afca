package dns

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/udp"
	"golang.org/x/net/dns/dnsmessage"
)

// The resolver's steady path allocates nothing: a lookup answered from the
// cache, and one that goes to the server and back (with a forged datagram
// rejected on the way). Each guard also checks the lookup succeeded, so a
// path that failed early cannot pass for a cheap one.

func TestNoAllocsCacheHit(t *testing.T) {
	e := newEnv(t, Config{})
	e.serve(53, (&zone{records: demoZone}).handle)
	if _, err := e.wait(e.res.LookupHost("host.test"), time.Minute); err != nil {
		t.Fatal(err)
	}
	failed := 0
	allocs := testing.AllocsPerRun(1000, func() {
		f := e.res.LookupHost("host.test")
		if res, err := f.Result(); !f.Done() || err != nil || res.N != 3 {
			failed++
		}
	})
	if failed > 0 || allocs != 0 {
		t.Fatalf("%.2f allocations per cached lookup; %d failed", allocs, failed)
	}
}

func TestNoAllocsRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		host bool
	}{{"A", false}, {"Host", true}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Config{CacheEntries: -1})
			fastServer(t, e, "host.test")
			var cur *reactor.Future[Result]
			done := func() bool { return cur.Done() }
			want := 1
			if tc.host {
				want = 2
			}
			once := func() bool {
				if tc.host {
					cur = e.res.LookupHost("host.test")
				} else {
					cur = e.res.LookupA("host.test")
				}
				if !e.r.RunUntil(time.Second, done) {
					return false
				}
				res, err := cur.Result()
				return err == nil && res.N == want
			}
			for i := 0; i < 50; i++ { // warm-up: ARP, every socket of the pool
				if !once() {
					t.Fatalf("warm-up lookup %d failed: %v", i, cur.Err())
				}
			}
			// One run of 1000 lookups: AllocsPerRun's count is then the
			// total, so even one allocation in 1000 (a port table growing
			// as sockets are rebound, say) fails the test.
			failed := 0
			allocs := testing.AllocsPerRun(1, func() {
				for i := 0; i < 1000; i++ {
					if !once() {
						failed++
					}
				}
			})
			if failed > 0 || allocs != 0 {
				t.Fatalf("%v allocations in 1000 lookups over the network; %d failed", allocs, failed)
			}
			if st := e.res.Stats(); st.Rejected < 1000 {
				t.Fatalf("forged datagrams not rejected: %+v", st)
			}
		})
	}
}

// fastServer answers A and AAAA for name from prebuilt answers, patching in
// the query's ID, and sends a forged answer (wrong ID) first; unlike the
// scripted server it allocates nothing, so AllocsPerRun sees only the
// resolver and the stacks.
func fastServer(t *testing.T, e *env, name string) {
	build := func(typ dnsmessage.Type, a string) []byte {
		q := &dnsmessage.Message{Questions: []dnsmessage.Question{{Name: dnsmessage.MustNewName(fqdn(name)), Type: typ, Class: dnsmessage.ClassINET}}}
		return reply(q, rcodeOK, []rr{{name: name, ttl: 60, a: a}}, nil, nil)
	}
	answers := map[dnsmessage.Type][]byte{
		dnsmessage.TypeA:    build(dnsmessage.TypeA, "192.0.2.1"),
		dnsmessage.TypeAAAA: build(dnsmessage.TypeAAAA, "2001:db8::1"),
	}
	sock := e.srv.NewUDPSocket(udp.Config{})
	if err := sock.Bind(netip.AddrPortFrom(netip.Addr{}, 53)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, maxMessage)
	sock.OnReadable(func() {
		for {
			from, p, ok := sock.Peek()
			if !ok {
				return
			}
			qlen := len(p)
			id := binary.BigEndian.Uint16(p)
			typ := dnsmessage.Type(binary.BigEndian.Uint16(p[qlen-4:]))
			sock.Discard()
			ans := answers[typ]
			n := copy(buf, ans)
			binary.BigEndian.PutUint16(buf, id+1)
			if err := sock.SendTo(buf[:n], from); err != nil {
				t.Error(err)
			}
			binary.BigEndian.PutUint16(buf, id)
			if err := sock.SendTo(buf[:n], from); err != nil {
				t.Error(err)
			}
		}
	})
}

func TestNoAllocsParse(t *testing.T) {
	msg := loadHex(t, "dnsmasq_cname_chain_a")
	name := dnsmessage.MustNewName("c1.test.")
	var out response
	allocs := testing.AllocsPerRun(1000, func() {
		if parseResponse(msg, 0x4c02, &name, dnsmessage.TypeA, 8, &out) != nil || out.n != 1 {
			t.Fatal("parse failed")
		}
	})
	if allocs != 0 {
		t.Fatalf("%.2f allocations per parse", allocs)
	}
}
