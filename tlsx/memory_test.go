package tlsx

import (
	"runtime"
	"testing"
)

// liveHeap is the heap in use after a full collection.
func liveHeap() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// perConn measures the heap an established, idle Conn holds: n client
// and server engines handshake in memory, then the servers and the
// clients are dropped in turn and the heap read after each.
func perConn(t testing.TB, ccfg, scfg *Config, n int) (cli, srv, footCli, footSrv int64) {
	enginePair(t, ccfg, scfg) // one-time costs out of the figures
	clis, srvs := make([]*Conn, n), make([]*Conn, n)
	h0 := liveHeap()
	for i := range clis {
		clis[i], srvs[i] = enginePair(t, ccfg, scfg)
		if !clis[i].HandshakeComplete() || !srvs[i].HandshakeComplete() || clis[i].Pending() > 0 || srvs[i].Pending() > 0 {
			t.Fatalf("handshake %d: client %v server %v", i, clis[i].Err(), srvs[i].Err())
		}
	}
	h1 := liveHeap()
	footCli, footSrv = int64(clis[0].MemoryFootprint()), int64(srvs[0].MemoryFootprint())
	clear(srvs)
	h2 := liveHeap()
	clear(clis)
	h3 := liveHeap()
	runtime.KeepAlive(clis)
	runtime.KeepAlive(srvs)
	t.Logf("heap before %d, with %d pairs %d, servers dropped %d, clients dropped %d", h0, n, h1, h2, h3)
	return (h2 - h3) / int64(n), (h1 - h2) / int64(n), footCli, footSrv
}

// TestMemoryPerConn is issue 7's figure: bytes per established idle TLS
// connection, client and server, with the default record size limit and
// with 2 KiB, measured on the heap (runtime.ReadMemStats over many
// connections) and checked against MemoryFootprint's estimate. The
// client's figure includes the server's chain it keeps for
// PeerCertificates (one ECDSA certificate here).
func TestMemoryPerConn(t *testing.T) {
	if testing.Short() {
		t.Skip("handshakes 2x64 connections")
	}
	p := getServerPKI(t)
	for _, tc := range []struct {
		limit          int
		maxCli, maxSrv int64
	}{
		{0, 41 << 10, 41 << 10},
		{2048, 8 << 10, 8 << 10},
	} {
		scfg := serverConfig(p, "ecdsa-p256")
		scfg.RecordSizeLimit = tc.limit
		ccfg := &Config{ServerName: "server.test", RootCAs: p.roots, RecordSizeLimit: tc.limit}
		cli, srv, fc, fs := perConn(t, ccfg, scfg, 64)
		t.Logf("RecordSizeLimit %d: client %d bytes (MemoryFootprint %d), server %d bytes (MemoryFootprint %d)",
			tc.limit, cli, fc, srv, fs)
		if cli > tc.maxCli || srv > tc.maxSrv {
			t.Errorf("RecordSizeLimit %d: client %d bytes (max %d), server %d (max %d)", tc.limit, cli, tc.maxCli, srv, tc.maxSrv)
		}
		for _, x := range [][2]int64{{cli, fc}, {srv, fs}} {
			if d := x[1] - x[0]; d < -x[0]/8 || d > x[0]/8 {
				t.Errorf("RecordSizeLimit %d: MemoryFootprint %d is not within 1/8 of the measured %d", tc.limit, x[1], x[0])
			}
		}
	}
}
