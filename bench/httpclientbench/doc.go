// Package httpclientbench is the side-by-side HTTP/1.1 client benchmark:
// legation's clients/http against the standard library's net/http client,
// one sub-benchmark per client and server, so that
//
//	cd bench && go test -run '^$' -bench HTTPClient -benchmem -cpu 1 -count 10 ./httpclientbench/ > new.txt
//	benchstat -col /impl new.txt
//
// puts the two clients in columns for the server they share. The work,
// BenchmarkHTTPClient: one client with one keep-alive connection makes GET
// /hello requests one after the other, each response (status 200, a 13-byte
// body) read whole and checked before the next request. An op is one
// request and its response. It reports ns/op, allocs/op, req/s and cpu-ns/op
// (the CPU time of the whole process per op, every thread, user and system,
// so the kernel's TCP work counts where there is some); a run fails if the
// server accepted a connection during it (keep-alive broken).
//
// The cases:
//
//   - impl=nethttp/server=nethttp: net/http's Client (its Transport with one
//     idle connection per host, compression off, one *http.Request reused)
//     against net/http's Server on 127.0.0.1, the kernel's loopback. The
//     client reads the body into a fixed buffer and closes it.
//   - impl=legation/server=nethttp: legation's Client against the same
//     net/http Server program, served through netconn on a second legation
//     stack joined to the client's by hal/loopback. Both stacks and the
//     client run on one reactor on a RealClock on its own goroutine (netconn
//     crosses into it through the wake queue); the server's goroutines read
//     and write through netconn. The client reuses one Request with an Into
//     buffer, and each completion callback starts the next request, so the
//     benchmark's goroutine only starts a run and waits for its end.
//   - impl=legation/server=httpd: legation's Client against servers/httpd,
//     both stacks, client and server on one reactor with a VirtualClock
//     turned by the benchmark's goroutine: no other goroutine, no wait, and
//     every allocation in the process is the exchange's. virtual-ns/op (the
//     virtual time per op) shows whether any request waited on a timer; it
//     should be 0.
//
// Which is the headline: impl=legation/server=nethttp against
// impl=nethttp/server=nethttp. The op and the server program are the same,
// and each client runs over the transport it comes with (net/http's over
// the kernel's sockets, legation's over its own stack), which is the choice
// a user faces. Its server side is not quite the same, though: net/http
// reads and writes a kernel socket in one case and netconn in the other,
// and that server (about half of either profile) is most of both ns/op
// and all of the legation case's allocs/op. impl=legation/server=httpd is
// the all-legation figure, the cost of the whole exchange on a device, and
// the allocation guard's subject: 0 allocs/op for client, server and both
// stacks. The client's own share of an op is best read from a CPU profile,
//
//	go test -run '^$' -bench 'HTTPClient/impl=legation/server=httpd' -benchtime 3s -cpu 1 -cpuprofile cpu.out -o hcb.test ./httpclientbench/
//	go tool pprof -top -nodecount 100000 -focus 'clients/http' hcb.test cpu.out
//
// (and 'persistConn|netHTTPSession' for net/http's client, whose goroutines
// include their system calls).
//
// TestClients checks every case (200 requests on one connection);
// TestLegationClientAllocs fails if a legation keep-alive request allocates
// once warm; TestChunkedUploadAcrossRingWrap is a deterministic regression
// test of the client's chunked streamed upload found by the interop tests.
package httpclientbench
