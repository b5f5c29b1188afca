// Package tlsbench is the side-by-side TLS 1.3 benchmark of issue 7:
// legation's sans-IO engine tlsx against the standard library's
// crypto/tls, over the same in-memory transport, so that
//
//	cd bench && go test -run '^$' -bench TLS -benchmem -cpu 1 -count 10 ./tlsbench/ > new.txt
//	benchstat -col /impl new.txt
//
// puts the implementations in columns. The targets: a handshake within
// 1.2x of crypto/tls's time, bulk at least 0.9x its throughput, no
// allocation per record in the steady state.
//
// The transport is a link: a pair of unbounded byte queues, one per
// direction. tlsx drives it directly (OutputLease into one queue, Input
// from the other). crypto/tls needs a net.Conn and a blocking Read, which
// a memConn over the same queues gives it; each of its operations pays
// the same queue lock as tlsx's driver does.
//
// BenchmarkTLSHandshake: an op is one full 1-RTT handshake, client and
// server, with the same certificate chain (a leaf signed by an ECDSA
// P-256 test CA, the CA sent too), verified by the client against that CA
// with the host name checked, one key exchange group in the ClientHello,
// AES-128-GCM, no session ticket (crypto/tls's server has
// SessionTicketsDisabled; tlsx's sends none without TicketKeys). crypto/tls is kept to the group named by
// its CurvePreferences, which is what keeps it off the post-quantum
// hybrids it offers by default (X25519MLKEM768, SecP256r1MLKEM768); the
// tests check the group negotiated. The cases are group=X25519|P-256 and
// cert=ECDSAP256|RSA2048 (the leaf's key; RSA-2048 makes the server's
// CertificateVerify an RSA-PSS signature):
//
//   - impl=tlsx: tlsx's client and server on the benchmark's goroutine,
//     each flight moved through the link as soon as it is made.
//   - impl=cryptotls: crypto/tls's client and server. Its handshake
//     blocks, so the server runs on a goroutine of its own and every
//     flight wakes the other side: with -cpu 1 a goroutine switch, a
//     fraction of a microsecond; with more Ps sometimes a thread wake-up,
//     which cpu-ns/op (the CPU time of the whole process per op) shows.
//   - impl=tlsxclient: tlsx's client against crypto/tls's server (on its
//     goroutine), for a client-side comparison before tlsx had a server
//     and as a cross-check.
//
// Each handshake sub-benchmark then measures the heap held by an
// established idle connection, client and server apart: the live heap
// after a full collection with idleConns connections established, then
// with their servers dropped; the link's buffers are not counted.
// client-B/conn and server-B/conn are just after the handshake;
// client-B/usedconn and server-B/usedconn after one 16 KiB record each
// way, when crypto/tls's buffers, which grow on demand and stay grown,
// have reached their working size (tlsx's are allocated once).
//
// BenchmarkTLSBulk: an op is one 16 KiB record, client to server, on an
// established and warmed-up connection (SetBytes(16384)). Both ends run on
// the benchmark's goroutine for both implementations: the link never
// blocks a writer, so crypto/tls's Write returns once its record is
// queued and its server's Read finds the whole record and does not block
// either. impl=tlsx reads with ReadLease (no copy out, its own API);
// impl=cryptotls with Read into a 16 KiB buffer, its API; impl=tlsxread is
// tlsx reading with Read into a 16 KiB buffer too, the like-for-like
// figure. crypto/tls cannot be told which TLS 1.3 suite to use (on AES
// hardware it is AES-128-GCM), so suite=AES256GCM and suite=CHACHA20 are
// tlsx's alone.
//
// Where the time goes is best read from a CPU profile of one case, with
// the idle-memory measurement left out (-idle=false):
//
//	go test -run '^$' -bench 'TLSHandshake/impl=tlsx$/group=X25519/cert=ECDSAP256' -benchtime 4s -cpu 1 -idle=false -cpuprofile cpu.out -o tlsbench.test ./tlsbench/
//	go tool pprof -top -cum tlsbench.test cpu.out
//
// TestHandshakes (what was negotiated), TestClientsVerify (a wrong host
// name fails every client), TestBulk (SHA-256 of 64 distinct records) and
// TestIdleBytes check every case; TestTLSXBulkAllocs fails if a warm tlsx
// record allocates, and TestTLSXSmallRecordsIdleBytes if a tlsx
// connection with record_size_limit 2048 holds more than 12 KiB.
package tlsbench
