package stack

import "testing"

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
