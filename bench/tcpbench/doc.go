// Package tcpbench is the side-by-side TCP benchmark: legation, gVisor's
// netstack, the host kernel (and lneto, when its file is present) doing the
// same work, one sub-benchmark per implementation named impl=NAME, so that
//
//	cd bench && go test -run '^$' -bench . -benchmem -count 10 ./tcpbench/ > new.txt
//	benchstat -col /impl new.txt
//
// puts them in columns. The work:
//
//   - BenchmarkTCPBulk: 64 KiB per op over an established connection, one
//     direction, MTU 1500 (MB/s is application bytes delivered);
//   - BenchmarkTCPPingPong: a 1-byte request and its echo per op;
//   - BenchmarkTCPConnect: a three-way handshake, a close from the client,
//     and the server seeing the FIN and closing, per op;
//   - BenchmarkMemcpy1500 and BenchmarkChecksum1460: copying a 1,500-byte
//     frame and legation's Internet checksum over a 1,460-byte segment, the
//     per-byte floor any stack pays at least once or twice per segment, so
//     the distance of a stack from it is a ratio of the MB/s columns.
//
// How each implementation runs (see the transport types for details):
// legation is two stacks over hal/loopback on one reactor with a virtual
// clock, stepped by the benchmark goroutine: no goroutines, no locks; gVisor
// is two netstack stacks over its link/pipe with Ethernet and ARP, through
// gonet, on gVisor's own goroutines; the kernel is 127.0.0.1 through the net
// package. The kernel's loopback has an MTU of 64 KiB and skips checksums,
// so its bulk figure is a reference, not a like-for-like result: the
// link-MTU metric of BenchmarkTCPBulk shows each implementation's link.
//
// Nagle's algorithm is off everywhere (Go's net package sets TCP_NODELAY,
// gVisor leaves Nagle off by default, legation is configured NoDelay), so
// no op waits for a delayed ACK; legation also reports virtual-ns/op, the
// virtual time its ops spent waiting on timers, which should be zero.
//
// allocs/op counts every allocation in the process during the op, on any
// goroutine, so it is comparable across implementations.
//
// TestTransports, which CI runs, checks that every implementation's ops move
// the right bytes; the benchmarks themselves do not run in CI.
package tcpbench
