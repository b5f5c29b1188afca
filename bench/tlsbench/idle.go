package tlsbench

import (
	"runtime"
	"testing"
)

// idleConns is how many connections the idle-memory measurement holds.
const idleConns = 100

// idleBytes establishes n connections with op and reports the heap each
// established, idle client and server holds: the live heap with all of
// them, then with the servers dropped, after a full collection each time.
// With used set, each connection first carries one full record each way
// (exchange), so buffers that grow on demand have grown.
// The links are made before the first reading and their (empty) queues'
// storage is dropped after each handshake, so the transport is not
// counted, except crypto/tls's two 16-byte net.Conn values.
func idleBytes(tb testing.TB, op func(l link) (pair, error), n int, used bool) (client, server float64) {
	tb.Helper()
	clients := make([]any, n)
	servers := make([]any, n)
	links := make([]link, n)
	for i := range links {
		links[i] = newLink()
	}
	m0 := liveHeap()
	for i := range n {
		pr, err := op(links[i])
		if err != nil {
			tb.Fatal(err)
		}
		if used {
			if err := exchange(pr, links[i]); err != nil {
				tb.Fatal(err)
			}
		}
		clients[i], servers[i] = pr.client, pr.server
		links[i].c2s.release()
		links[i].s2c.release()
	}
	m1 := liveHeap()
	clear(servers)
	m2 := liveHeap()
	runtime.KeepAlive(clients)
	runtime.KeepAlive(links)
	return float64(int64(m2)-int64(m0)) / float64(n), float64(int64(m1)-int64(m2)) / float64(n)
}

// liveHeap is the heap in use after a full collection.
func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
