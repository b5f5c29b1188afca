// Package httpbench is the side-by-side HTTP/1.1 server benchmark: legation's
// servers/httpd, the standard library's net/http and gnet (one event loop)
// answering the same small keep-alive GET, one sub-benchmark per
// implementation and client count, so that
//
//	cd bench && go test -run '^$' -bench HTTPServer -benchmem -cpu 1 -count 10 ./httpbench/ > new.txt
//	benchstat -col /impl new.txt
//
// puts them in columns. The work, BenchmarkHTTPServer: every client holds
// one keep-alive connection and repeats a round trip: it sends
//
//	GET /hello HTTP/1.1\r\nHost: bench\r\n\r\n
//
// reads the whole response (status 200, Content-Length, a 13-byte body that
// it checks) and sends the next request. An op is one request and its
// response; b.N of them are spread over the clients. It reports ns/op,
// allocs/op, req/s, cpu-ns/op (the CPU time of the whole process, every
// thread, user and system, so the kernel's own TCP work counts for the
// kernel-hosted servers) and the size of a response (resp-B, as each server
// chooses its headers: net/http adds a Date header, httpd and the gnet
// handler do not). ns/op is wall-clock time: where a round trip waits (for
// the scheduler, for epoll) it counts and cpu-ns/op does not.
//
// How each implementation runs:
//
//   - impl=legation: the server stack (httpd as a reactor task) and a client
//     stack joined by hal/loopback, on one reactor with a virtual clock,
//     stepped by the benchmark goroutine. The clients are tcp.Conns on the
//     client stack driven by their callbacks, with no goroutine each. The
//     clients' side (their TCP, their stack, the link) runs on the same
//     goroutine and is part of every op: ns/op is server plus client plus
//     link, which for the kernel implementations are spread over the
//     kernel and the client goroutines instead. A CPU profile separates
//     the shares (see the comment at the top of legation.go).
//   - impl=nethttp: net/http's Server on 127.0.0.1:0, the kernel's loopback;
//   - impl=gnet: github.com/panjf2000/gnet/v2 with one event loop, a handler
//     that frames requests at \r\n\r\n and answers a fixed response, as
//     gnet's own HTTP example does. Its event loop waits in epoll_wait
//     through a blocking system call that keeps the P, so with -cpu 1 a
//     lone client's goroutine runs only once the runtime's monitor takes
//     the P back: its clients=1 figure at -cpu 1 is that wait (about 6x
//     its -cpu 2 figure), not gnet's CPU cost.
//
// For both kernel servers the clients are raw TCP connections, one goroutine
// each, writing the same bytes and parsing the response with the same code
// as the legation clients.
//
// allocs/op counts every allocation in the process during the op, on any
// goroutine, client side included, so it is comparable across
// implementations.
//
// TestServers checks that every implementation answers correctly;
// TestLegationServerAllocs fails if a legation round trip allocates once
// warm; TestIdleKeepAliveMemory measures the heap that 10,000 idle
// keep-alive connections cost httpd (skipped with -short).
package httpbench
