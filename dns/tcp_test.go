package dns

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/tcp"
	"golang.org/x/net/dns/dnsmessage"
)

// A UDP answer with TC set is asked for again over TCP, from the same
// server, with the same ID and question (RFC 7766 5); the whole answer's
// addresses come back, it is cached, and the connection is closed
// gracefully once it is in: the server reads the client's FIN and the
// close completes without a reset.
func TestTCPFallback(t *testing.T) {
	e := newEnv(t, Config{})
	z := &zone{records: manyAddrs("many.test", 100)}
	udpSrv := e.serve(53, truncating(z))
	tcpSrv := e.serveTCP(53, answering(z))
	res, err := e.lookupA("many.test")
	if err != nil || addrs(res) != firstAddrs(100) || res.TTL != 60*time.Second {
		t.Fatalf("%q TTL %v, %v", addrs(res), res.TTL, err)
	}
	if udpSrv.queries() != 1 || tcpSrv.queries() != 1 {
		t.Fatalf("%d UDP and %d TCP queries, want 1 each", udpSrv.queries(), tcpSrv.queries())
	}
	u, c := udpSrv.log[0], tcpSrv.log[0]
	if c.id != u.id || c.name != u.name || c.typ != u.typ || c.from.Addr() != clientAddr {
		t.Fatalf("TCP query %+v does not repeat the UDP one %+v", c, u)
	}
	st := e.res.Stats()
	if st.Truncated != 1 || st.TCPQueries != 1 || st.TCPAnswers != 1 || st.TCPErrors != 0 || st.TCPWaits != 0 ||
		st.Answers != 2 || st.AddrsDropped != 100-MaxAddrs || st.Queries != 1 {
		t.Fatalf("stats %+v", st)
	}
	e.r.RunFor(time.Second)
	if p := tcpSrv.peers[0]; len(tcpSrv.peers) != 1 || !p.eof || !p.closed || p.err != nil {
		t.Fatalf("%d connections; server saw EOF %v, closed %v with %v; want one, closed gracefully", len(tcpSrv.peers), p.eof, p.closed, p.err)
	}
	if f := e.res.LookupA("many.test"); !f.Done() || f.Err() != nil || e.res.InFlight() != 0 {
		t.Fatalf("the TCP answer was not cached: %v", f.Err())
	}
}

// LookupHost with both questions truncated: with one TCP connection the
// second question waits for the first to finish; with two they go at once.
func TestTCPFallbackQueued(t *testing.T) {
	recs := append(manyAddrs("dual.test", 3), rr{name: "dual.test", ttl: 60, a: "2001:db8::1"}, rr{name: "dual.test", ttl: 60, a: "2001:db8::2"})
	for _, conns := range []int{1, 2} {
		t.Run(map[int]string{1: "one connection", 2: "two connections"}[conns], func(t *testing.T) {
			e := newEnv(t, Config{TCPConns: conns})
			z := &zone{records: recs}
			e.serve(53, truncating(z))
			tcpSrv := e.serveTCP(53, answering(z))
			res, err := e.wait(e.res.LookupHost("dual.test"), time.Minute)
			if err != nil || addrs(res) != "10.1.0.0,10.1.0.1,10.1.0.2,2001:db8::1,2001:db8::2" {
				t.Fatalf("%q %v", addrs(res), err)
			}
			st := e.res.Stats()
			waits := uint64(2 - conns)
			if st.Truncated != 2 || st.TCPQueries != 2 || st.TCPAnswers != 2 || st.TCPWaits != waits || len(tcpSrv.peers) != 2 {
				t.Fatalf("stats %+v, %d connections", st, len(tcpSrv.peers))
			}
			if tcpSrv.log[0].typ == tcpSrv.log[1].typ || tcpSrv.log[0].from == tcpSrv.log[1].from {
				t.Fatalf("TCP queries %+v", tcpSrv.log)
			}
		})
	}
}

// An answer of 60 KB, fifteen times the connection's receive ring, is read
// whole; MaxTCPMessage bounds it to the byte.
func TestTCPFallbackLargeAnswer(t *testing.T) {
	const n = 3800
	z := &zone{records: manyAddrs("huge.test", n)}
	q := &dnsmessage.Message{Questions: []dnsmessage.Question{{Name: dnsmessage.MustNewName("huge.test."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}}}
	size := len(z.handle(q))
	if size < 60000 || size > maxTCPMessage {
		t.Fatalf("answer of %d bytes", size)
	}
	for _, tc := range []struct {
		max int
		err error
	}{{0, nil}, {size, nil}, {size - 1, ErrTCPTooLarge}} {
		e := newEnv(t, Config{MaxTCPMessage: tc.max})
		e.serve(53, truncating(z))
		tcpSrv := e.serveTCP(53, answering(z))
		res, err := e.lookupA("huge.test")
		if err != tc.err {
			t.Fatalf("MaxTCPMessage %d: %v, want %v", tc.max, err, tc.err)
		}
		st := e.res.Stats()
		if err == nil && (addrs(res) != firstAddrs(n) || st.AddrsDropped != n-MaxAddrs || st.TCPAnswers != 1) {
			t.Fatalf("MaxTCPMessage %d: %q, stats %+v", tc.max, addrs(res), st)
		}
		if err != nil {
			// Refused on its length alone: the connection is reset
			// without waiting for the rest.
			e.r.RunFor(time.Second)
			if p := tcpSrv.peers[0]; st.TCPErrors != 1 || p.err != tcp.ErrReset {
				t.Fatalf("MaxTCPMessage %d: stats %+v, server's connection ended with %v", tc.max, st, p.err)
			}
		}
	}
}

// Every way a TCP fallback can fail ends the lookup with its own error, at
// the right time, leaves nothing in flight and the connection slot free:
// the next lookup, with the server mended, is answered over TCP.
func TestTCPFallbackErrors(t *testing.T) {
	z := &zone{records: append(manyAddrs("big.test", 40), manyAddrs("next.test", 10)...)}
	answer := func(q *dnsmessage.Message) []byte { return framed(z.handle(q)) }
	send := func(b []byte) tcpHandler { return func(p *tcpPeer, _ *dnsmessage.Message) { p.send(b) } }
	for _, tc := range []struct {
		name     string
		cfg      Config
		noListen bool
		accept   func(p *tcpPeer)
		handle   tcpHandler
		err      error
		took     time.Duration // the lookup's length in virtual time
		reset    bool          // the client reset the connection
	}{
		{name: "refused", noListen: true, err: ErrTCPRefused},
		{name: "reset on accept", accept: func(p *tcpPeer) { p.c.Abort() }, err: ErrTCPReset},
		{name: "reset on query", handle: func(p *tcpPeer, _ *dnsmessage.Message) { p.c.Abort() }, err: ErrTCPReset},
		{name: "reset mid-answer", handle: func(p *tcpPeer, q *dnsmessage.Message) {
			p.send(answer(q)[:300])
			p.c.Abort()
		}, err: ErrTCPReset},
		{name: "closed without answer", handle: func(p *tcpPeer, _ *dnsmessage.Message) { p.close() }, err: ErrTCPClosed},
		{name: "closed mid-prefix", handle: func(p *tcpPeer, _ *dnsmessage.Message) { p.send([]byte{2}); p.close() }, err: ErrTCPClosed},
		{name: "closed mid-answer", handle: func(p *tcpPeer, q *dnsmessage.Message) {
			p.send(answer(q)[:300])
			p.close()
		}, err: ErrTCPClosed},
		{name: "zero length", handle: send([]byte{0, 0}), err: ErrTCPBadLength, reset: true},
		{name: "length below a header", handle: send(framed(make([]byte, dnsHeaderLen-1))), err: ErrTCPBadLength, reset: true},
		{name: "length above MaxTCPMessage", cfg: Config{MaxTCPMessage: 600}, handle: answering(z), err: ErrTCPTooLarge, reset: true},
		{name: "length prefix only", cfg: Config{MaxTCPMessage: 1024}, handle: send([]byte{0xff, 0xff}), err: ErrTCPTooLarge, reset: true},
		{name: "silent", handle: func(*tcpPeer, *dnsmessage.Message) {}, err: ErrTCPTimeout, took: 5 * time.Second, reset: true},
		{name: "silent, TCPTimeout 2s", cfg: Config{TCPTimeout: 2 * time.Second}, handle: func(*tcpPeer, *dnsmessage.Message) {}, err: ErrTCPTimeout, took: 2 * time.Second, reset: true},
		{name: "too slow", handle: func(p *tcpPeer, q *dnsmessage.Message) { p.dribble(answer(q), 16, 200*time.Millisecond) },
			err: ErrTCPTimeout, took: 5 * time.Second, reset: true},
		{name: "another ID", handle: func(p *tcpPeer, q *dnsmessage.Message) {
			q.ID++
			p.send(answer(q))
		}, err: ErrMalformed},
		{name: "truncated over TCP too", handle: func(p *tcpPeer, q *dnsmessage.Message) {
			p.send(framed(truncating(z)(q)))
		}, err: ErrTruncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.cfg)
			e.serve(53, truncating(z))
			var tcpSrv *tcpServer
			if !tc.noListen {
				tcpSrv = e.serveTCP(53, tc.handle)
				tcpSrv.onAccept = tc.accept
			}
			start := e.r.Now()
			res, err := e.lookupA("big.test")
			took := e.r.Now().Sub(start)
			if err != tc.err || res.N != 0 || took != tc.took {
				t.Fatalf("%q %v after %v; want %v after %v", addrs(res), err, took, tc.err, tc.took)
			}
			var te Error
			if errors.As(err, &te) && te.TCP() != (tc.err != ErrMalformed && tc.err != ErrTruncated) {
				t.Errorf("%v: TCP() %v", te, te.TCP())
			}
			st := e.res.Stats()
			wantErrs := uint64(1)
			if !tc.err.(Error).TCP() {
				wantErrs = 0
			}
			if st.TCPErrors != wantErrs || st.Truncated < 1 || e.res.InFlight() != 0 || e.res.CacheLen() != 0 {
				t.Fatalf("stats %+v, %d in flight, %d cached", st, e.res.InFlight(), e.res.CacheLen())
			}
			e.r.RunFor(time.Second)
			if tc.reset {
				if p := tcpSrv.peers[0]; p.err != tcp.ErrReset {
					t.Fatalf("the server's connection ended with %v (closed %v), want a reset", p.err, p.closed)
				}
			}
			// Mended, the server answers the next lookup over TCP.
			if tcpSrv == nil {
				tcpSrv = e.serveTCP(53, nil)
			}
			tcpSrv.onAccept, tcpSrv.handle = nil, answering(z)
			if res, err := e.lookupA("next.test"); err != nil || res.N != MaxAddrs || e.res.Stats().TCPAnswers != st.TCPAnswers+1 {
				t.Fatalf("next lookup: %q %v, stats %+v", addrs(res), err, e.res.Stats())
			}
		})
	}
}

// A server whose TCP fails is left for the next, over UDP and then TCP;
// when every server fails, the lookup reports the TCP error.
func TestTCPFallbackFailover(t *testing.T) {
	z := &zone{records: manyAddrs("big.test", 40)}
	for _, secondListens := range []bool{true, false} {
		e := newEnv(t, Config{Servers: []netip.AddrPort{server(53), server(5353)}})
		a := e.serve(53, truncating(z)) // and no TCP listener: refused
		b := e.serve(5353, truncating(z))
		var bt *tcpServer
		if secondListens {
			bt = e.serveTCP(5353, answering(z))
		}
		start := e.r.Now()
		res, err := e.lookupA("big.test")
		st := e.res.Stats()
		if !secondListens {
			if err != ErrTCPRefused || st.TCPErrors != 2 || a.queries() != 1 || b.queries() != 1 {
				t.Fatalf("both refused: %v, stats %+v", err, st)
			}
			continue
		}
		if err != nil || addrs(res) != firstAddrs(40) || e.r.Now() != start {
			t.Fatalf("%q %v after %v", addrs(res), err, e.r.Now().Sub(start))
		}
		if a.queries() != 1 || b.queries() != 1 || bt.queries() != 1 || st.TCPQueries != 2 || st.TCPErrors != 1 || st.TCPAnswers != 1 {
			t.Fatalf("queries %d/%d/%d, stats %+v", a.queries(), b.queries(), bt.queries(), st)
		}
	}
}

// An answer that arrives in small pieces, the length prefix split across
// segments, is put back together; bytes the server sends after it are not
// read, and the connection is reset rather than closed over them.
func TestTCPFallbackPieces(t *testing.T) {
	z := &zone{records: manyAddrs("big.test", 40)}
	for _, tc := range []struct {
		name  string
		chunk int
		extra []byte
	}{{"1-byte pieces", 1, nil}, {"7-byte pieces", 7, nil}, {"and more after", 7, framed(make([]byte, 20))}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Config{})
			e.serve(53, truncating(z))
			tcpSrv := e.serveTCP(53, func(p *tcpPeer, q *dnsmessage.Message) {
				p.dribble(append(framed(z.handle(q)), tc.extra...), tc.chunk, time.Millisecond)
			})
			res, err := e.lookupA("big.test")
			if err != nil || addrs(res) != firstAddrs(40) {
				t.Fatalf("%q %v", addrs(res), err)
			}
			e.r.RunFor(time.Second)
			p := tcpSrv.peers[0]
			if tc.extra == nil && (!p.eof || p.err != nil) || tc.extra != nil && p.err != tcp.ErrReset {
				t.Fatalf("server saw EOF %v, closed %v with %v", p.eof, p.closed, p.err)
			}
		})
	}
}

// With the fallback off, or a host that cannot dial TCP, a truncated
// answer fails with ErrTruncated after that one answer, and is not cached.
func TestTCPFallbackOff(t *testing.T) {
	z := &zone{records: manyAddrs("big.test", 40)}
	for _, name := range []string{"MaxTCPMessage negative", "UDP-only host"} {
		t.Run(name, func(t *testing.T) {
			cfg := Config{MaxTCPMessage: -1}
			e := newEnv(t, cfg)
			if name == "UDP-only host" {
				e.res.Close()
				cfg = Config{Seed: 7}
				res, err := New(e.r, udpOnly{e.cli}, cfg)
				if err != nil {
					t.Fatal(err)
				}
				e.res = res
			}
			srv := e.serve(53, truncating(z))
			tcpSrv := e.serveTCP(53, answering(z))
			res, err := e.lookupA("big.test")
			st := e.res.Stats()
			if err != ErrTruncated || res.N != 0 || srv.queries() != 1 || st.Truncated != 1 || st.TCPQueries != 0 || tcpSrv.queries() != 0 {
				t.Fatalf("%q %v after %d queries; stats %+v", addrs(res), err, srv.queries(), st)
			}
			if e.res.CacheLen() != 0 || len(e.res.tcps) != 0 {
				t.Fatalf("%d cached, %d TCP slots", e.res.CacheLen(), len(e.res.tcps))
			}
		})
	}
}

// udpOnly is a Host that is not a TCPDialer.
type udpOnly struct{ Host }

// Close resets a fallback in progress and fails it and the one waiting
// with ErrClosed; nothing runs after.
func TestTCPFallbackClose(t *testing.T) {
	e := newEnv(t, Config{})
	z := &zone{records: manyAddrs("big.test", 40)}
	e.serve(53, truncating(z))
	tcpSrv := e.serveTCP(53, func(*tcpPeer, *dnsmessage.Message) {})
	f := e.res.LookupHost("big.test")
	e.r.RunFor(time.Second)
	if f.Done() || tcpSrv.queries() != 1 || e.res.Stats().TCPWaits != 1 {
		t.Fatalf("done %v, %d TCP queries, stats %+v", f.Done(), tcpSrv.queries(), e.res.Stats())
	}
	e.res.Close()
	if !f.Done() || f.Err() != ErrClosed {
		t.Fatalf("pending lookup: %v", f.Err())
	}
	e.r.RunFor(time.Minute)
	if p := tcpSrv.peers[0]; p.err != tcp.ErrReset || len(tcpSrv.peers) != 1 || e.res.Stats().TCPQueries != 1 {
		t.Fatalf("server's connection ended with %v; %d connections; stats %+v", p.err, len(tcpSrv.peers), e.res.Stats())
	}
}

// Questions waiting for the one connection share its fate when it times
// out at the same instant: each fails with ErrTCPTimeout, and none is
// dialled at the moment its own deadline ends.
func TestTCPFallbackQueueTimeout(t *testing.T) {
	e := newEnv(t, Config{})
	z := &zone{records: append(manyAddrs("x.test", 40), manyAddrs("y.test", 40)...)}
	e.serve(53, truncating(z))
	tcpSrv := e.serveTCP(53, func(*tcpPeer, *dnsmessage.Message) {})
	start := e.r.Now()
	fx, fy := e.res.LookupA("x.test"), e.res.LookupA("y.test")
	if !e.r.RunUntil(time.Minute, func() bool { return fx.Done() && fy.Done() }) {
		t.Fatal("lookups never ended")
	}
	st := e.res.Stats()
	if fx.Err() != ErrTCPTimeout || fy.Err() != ErrTCPTimeout || e.r.Now().Sub(start) != 5*time.Second {
		t.Fatalf("%v and %v after %v", fx.Err(), fy.Err(), e.r.Now().Sub(start))
	}
	if st.TCPQueries != 1 || st.TCPWaits != 1 || st.TCPErrors != 2 || len(tcpSrv.peers) != 1 {
		t.Fatalf("stats %+v, %d connections", st, len(tcpSrv.peers))
	}
}

// The fallback's memory is the resolver's, made by New: a lookup with a
// 48 KB answer allocates no more than one with a 1 KB answer (the stack's
// connection records and the test servers' work are the same for both).
func TestTCPFallbackMemory(t *testing.T) {
	perLookup := func(n int) (bytes, allocs float64) {
		e := newEnv(t, Config{CacheEntries: -1})
		z := &zone{records: manyAddrs("big.test", n)}
		q := &dnsmessage.Message{Questions: []dnsmessage.Question{{Name: dnsmessage.MustNewName("big.test."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}}}
		tc := truncating(&zone{records: manyAddrs("big.test", 2)})(q)
		full := framed(z.handle(q))
		// Prebuilt answers with the query's ID patched in, written from
		// the prebuilt bytes: the servers allocate the same whatever the
		// answer's size.
		e.serve(53, func(q *dnsmessage.Message) []byte {
			binary.BigEndian.PutUint16(tc, q.ID)
			return tc
		})
		e.serveTCP(53, func(p *tcpPeer, q *dnsmessage.Message) {
			binary.BigEndian.PutUint16(full[2:], q.ID)
			p.out = full
			p.flush()
		})
		var f *reactor.Future[Result]
		once := func() {
			f = e.res.LookupA("big.test")
			if !e.r.RunUntil(time.Minute, f.Done) || f.Err() != nil {
				t.Fatalf("lookup: %v", f.Err())
			}
		}
		for i := 0; i < 5; i++ {
			once()
		}
		const runs = 50
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := 0; i < runs; i++ {
			once()
		}
		runtime.ReadMemStats(&after)
		e.r.RunFor(2 * time.Minute) // let the connections finish closing
		return float64(after.TotalAlloc-before.TotalAlloc) / runs, float64(after.Mallocs-before.Mallocs) / runs
	}
	smallB, smallN := perLookup(60)
	bigB, bigN := perLookup(3000)
	t.Logf("per lookup, resolver and test servers together: 1 KB answer %.0f B in %.1f allocations; 48 KB answer %.0f B in %.1f allocations", smallB, smallN, bigB, bigN)
	if bigB > smallB+1024 || bigN > smallN+4 {
		t.Fatalf("a larger answer costs %.0f more bytes, %.1f more allocations per lookup", bigB-smallB, bigN-smallN)
	}
}
