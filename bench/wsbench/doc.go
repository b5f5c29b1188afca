// Package wsbench is the side-by-side WebSocket echo benchmark: legation's
// servers/httpd/websocket behind httpd, and github.com/lxzan/gws behind the
// standard library's net/http, each echoing the binary messages of one
// client, one sub-benchmark per implementation and message size:
//
//	cd bench && go test -run '^$' -bench WebSocketEcho -benchmem -cpu 1 -count 10 ./wsbench/ > new.txt
//	benchstat -col /impl new.txt
//
// An op is one message: the client writes it as one masked binary frame
// (RFC 6455 5.3), the server reads it, unmasks it and sends it back in an
// unmasked frame, and the client reads that and checks every byte. MB/s
// counts the message once (b.SetBytes(size)), though it crosses the link
// both ways. cpu-ns/op is the CPU time of the whole process per op (every
// thread, user and system, so the kernel's TCP work counts for gws), which
// unlike ns/op leaves out the time a round trip spends waiting for the
// scheduler or epoll.
//
// The client is the same on both sides: a raw TCP connection that sends an
// upgrade request, checks the 101 answer and its Sec-WebSocket-Accept, and
// then writes a frame it built and masked once in advance, and parses the
// echo with the same code. For impl=gws it is a kernel TCP connection on
// 127.0.0.1 with a goroutine of its own, gws running its read loop on
// another; for impl=legation it is a tcp.Conn on a client stack joined to
// the server's by hal/loopback, driven by its callbacks on the one reactor
// goroutine (virtual clock) that also runs the server, so ns/op includes the
// client's stack as well.
//
// TestEcho, which runs in CI, checks every implementation and size;
// TestLegationEchoAllocs fails if a legation echo allocates once warm.
package wsbench
