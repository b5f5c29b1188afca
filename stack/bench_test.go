package stack

import (
	"fmt"
	"testing"
	"time"

	"github.com/seed947b3480/legation/tcp"
)

// BenchmarkReceiveUDP is the receive path per frame: a prebuilt UDP frame
// injected on the link, one reactor turn, the datagram read out.
func BenchmarkReceiveUDP(b *testing.B) {
	x := newRxFixture(b)
	b.SetBytes(fixturePayload)
	b.ReportAllocs()
	for b.Loop() {
		if !x.once() {
			b.Fatal("datagram lost")
		}
	}
}

// BenchmarkUDPRequestResponse is one round trip per op between two stacks
// over the in-memory link: send, the server echoes, the reply is read.
func BenchmarkUDPRequestResponse(b *testing.B) {
	x := newRRFixture(b)
	b.SetBytes(fixturePayload)
	b.ReportAllocs()
	for b.Loop() {
		if !x.once() {
			b.Fatal("round trip failed")
		}
	}
}

// BenchmarkEchoReply is one ICMP echo request answered per op.
func BenchmarkEchoReply(b *testing.B) {
	x := newEchoFixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if !x.once() {
			b.Fatal("echo not answered")
		}
	}
}

// BenchmarkDemux is one request of 64 bytes and its ACK per op on one
// connection among 1, 16, 256 and 4,096 established ones, all on one
// reactor: the cost of finding the connection and scheduling it must not
// grow with the connections that are idle. ns/frame at 4,096 should stay
// within 1.2x of ns/frame at 1.
func BenchmarkDemux(b *testing.B) {
	for _, n := range []int{1, 16, 256, 4096} {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			p := newPair(b, Config{})
			clients, servers := manyConns(b, p, n)
			c := clients[n/2]
			var srv *tcp.Conn
			local, _ := c.Tuple()
			for _, x := range servers {
				if _, remote := x.Tuple(); remote == local {
					srv = x
				}
			}
			msg := make([]byte, 64)
			buf := make([]byte, 64)
			got := 0
			srv.OnReadable(func() {
				k, _ := srv.Read(buf)
				got += k
			})
			before := p.a.Counters().TxFrames + p.b.Counters().TxFrames
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				want := got + len(msg)
				c.Write(msg)
				if !p.r.RunUntil(time.Second, func() bool { return got == want }) {
					b.Fatal("request not delivered")
				}
			}
			b.StopTimer()
			frames := p.a.Counters().TxFrames + p.b.Counters().TxFrames - before
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(frames), "ns/frame")
		})
	}
}
