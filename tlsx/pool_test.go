package tlsx

import (
	"bytes"
	"errors"
	"testing"
	"unsafe"
)

// poolPair is an established client and server sharing pool.
func poolPair(t testing.TB, pool *BufferPool) (cli, srv *Conn) {
	t.Helper()
	p := getServerPKI(t)
	scfg := serverConfig(p, "ecdsa-p256")
	scfg.Buffers = pool
	ccfg := &Config{ServerName: "server.test", RootCAs: p.roots, Buffers: pool}
	cli, srv = enginePair(t, ccfg, scfg)
	if !cli.HandshakeComplete() || !srv.HandshakeComplete() {
		t.Fatalf("handshake: client %v server %v", cli.Err(), srv.Err())
	}
	return cli, srv
}

// TestPoolMemoryPerConn is TestMemoryPerConn with Config.Buffers: an
// established idle Conn holds no record buffer, and what it holds is
// measured on the heap.
func TestPoolMemoryPerConn(t *testing.T) {
	if testing.Short() {
		t.Skip("handshakes 64 connections")
	}
	p := getServerPKI(t)
	for _, tc := range []struct {
		suite          uint16
		maxCli, maxSrv int64
	}{
		// The client keeps the server's certificate (about 600 bytes
		// here) for PeerCertificates; both keep their cipher state (an
		// AES-GCM key schedule and table each way, about 1.5 KiB; half
		// that for ChaCha20-Poly1305), the Conn and the traffic,
		// exporter and resumption secrets.
		{TLS_AES_128_GCM_SHA256, 3328, 2560},
		{TLS_CHACHA20_POLY1305_SHA256, 2560, 2048},
		{TLS_AES_256_GCM_SHA384, 3456, 2688},
	} {
		pool := NewBufferPool(0, 4)
		pool.Preallocate(4)
		scfg := serverConfig(p, "ecdsa-p256")
		scfg.Buffers = pool
		ccfg := &Config{ServerName: "server.test", RootCAs: p.roots, Buffers: pool, CipherSuites: []uint16{tc.suite}}
		cli, srv, fc, fs := perConn(t, ccfg, scfg, 64)
		t.Logf("suite %04x with a pool: client %d bytes (MemoryFootprint %d), server %d bytes (MemoryFootprint %d); pool %+v",
			tc.suite, cli, fc, srv, fs, pool.Stats())
		if st := pool.Stats(); st.Lent != 0 || st.Made != 4 {
			t.Errorf("idle connections hold pool buffers: %+v", st)
		}
		if cli > tc.maxCli || srv > tc.maxSrv {
			t.Errorf("suite %04x, idle with a pool: client %d bytes (max %d), server %d (max %d)",
				tc.suite, cli, tc.maxCli, srv, tc.maxSrv)
		}
		for _, x := range [][2]int64{{cli, fc}, {srv, fs}} {
			// MemoryFootprint's fixed part is calibrated on 64-bit
			// targets; on 32-bit ones (the mips and arm runs) pointers
			// and the cipher state are smaller, so it may only
			// overestimate there.
			lo, hi := x[0]-x[0]/8, x[0]+x[0]/8
			if unsafe.Sizeof(uintptr(0)) < 8 {
				lo, hi = x[0], 2*x[0]
			}
			if x[1] < lo || x[1] > hi {
				t.Errorf("MemoryFootprint %d is not within [%d, %d] of the measured %d", x[1], lo, hi, x[0])
			}
		}
	}
}

// TestPoolZeroAllocs: with a preallocated pool a record each way
// allocates nothing, and every buffer is back in the pool after each.
func TestPoolZeroAllocs(t *testing.T) {
	pool := NewBufferPool(0, 2)
	pool.Preallocate(2)
	cli, srv := poolPair(t, pool)
	msg := bytes.Repeat([]byte("pooled "), 2000) // 14 KB: one record
	got := 0
	round := func(a, b *Conn) {
		if _, err := a.Write(msg); err != nil {
			t.Fatal(err)
		}
		move(t, a, b)
		l, _ := b.ReadLease()
		got = len(l)
		b.Consume(len(l))
	}
	for _, d := range [][2]*Conn{{cli, srv}, {srv, cli}} {
		if a := testing.AllocsPerRun(100, func() { round(d[0], d[1]) }); a != 0 || got != len(msg) {
			t.Errorf("%.1f allocs per pooled record (got %d bytes)", a, got)
		}
		if st := pool.Stats(); st.Lent != 0 || st.Made != 2 {
			t.Errorf("after the records: %+v", st)
		}
	}
	if a := testing.AllocsPerRun(100, func() {
		w, err := cli.WriteLease()
		if err != nil {
			t.Fatal(err)
		}
		copy(w, msg[:1000])
		cli.CommitWrite(1000)
		move(t, cli, srv)
		l, _ := srv.ReadLease()
		got = len(l)
		srv.Consume(len(l))
	}); a != 0 || got != 1000 {
		t.Errorf("%.1f allocs per pooled leased record", a)
	}
	if cli.MemoryFootprint() > 4<<10 || srv.MemoryFootprint() > 4<<10 {
		t.Errorf("MemoryFootprint idle: client %d, server %d", cli.MemoryFootprint(), srv.MemoryFootprint())
	}
}

// TestPoolExhaustion: with the pool's one buffer taken, Input takes
// nothing and Write and WriteLease refuse, all with ErrWouldBlock and
// nothing lost; the buffer given back goes to the Conn that waited, whose
// OnBufferReady runs from Resume; close_notify still goes out.
func TestPoolExhaustion(t *testing.T) {
	pool := NewBufferPool(0, 1)
	cli, srv := poolPair(t, pool)
	notified := 0
	pool.SetNotify(func() { notified++ })
	ready := map[*Conn]int{}
	cli.OnBufferReady(func() { ready[cli]++ })
	srv.OnBufferReady(func() { ready[srv]++ })

	if _, err := cli.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	// The client's record holds the only buffer: the server takes none.
	wire := append([]byte(nil), cli.OutputLease()...)
	if n, err := srv.Input(wire); n != 0 || !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("Input with the pool empty: %d, %v", n, err)
	}
	if _, err := srv.Write([]byte("x")); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("Write with the pool empty: %v", err)
	}
	if _, err := srv.WriteLease(); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("WriteLease with the pool empty: %v", err)
	}
	if st := pool.Stats(); st.Waiting != 2 || st.Lent != 1 || srv.Err() != nil {
		t.Fatalf("waiting: %+v, server %v", st, srv.Err())
	}
	// The record goes to the transport: the buffer goes to the server,
	// which waited longest (for a receive buffer).
	cli.ConsumeOutput(len(wire))
	if notified != 1 || ready[srv] != 0 {
		t.Fatalf("notify %d, server told %d before Resume", notified, ready[srv])
	}
	// Told, but the server did not use it in OnBufferReady: Resume gave it
	// on to the server's wait for a send buffer, told it again, and took
	// it back.
	pool.Resume()
	if ready[srv] != 2 || ready[cli] != 0 {
		t.Fatalf("server told %d times, client %d", ready[srv], ready[cli])
	}
	if st := pool.Stats(); st.Lent != 0 || st.Waiting != 0 {
		t.Fatalf("after Resume: %+v", st)
	}
	if n, err := srv.Input(wire); n != len(wire) || err != nil {
		t.Fatalf("Input after: %d, %v", n, err)
	}
	// The server holds the plaintext, and so the buffer: the client's
	// close_notify needs none.
	if err := cli.Close(); err != nil || cli.Pending() == 0 {
		t.Fatalf("Close with the pool empty: %v, %d pending", err, cli.Pending())
	}
	// A Conn holding its buffer goes on taking records into it.
	move(t, cli, srv)
	b, _ := srv.ReadLease()
	if string(b) != "hello" {
		t.Fatalf("read %q", b)
	}
	srv.Consume(len(b))
	if _, err := srv.ReadLease(); err == nil || err.Error() != "EOF" {
		t.Fatalf("after close_notify: %v", err)
	}
	if st := pool.Stats(); st.Lent != 0 || st.Made != 1 {
		t.Fatalf("at the end: %+v", st)
	}
	srv.Release()
	cli.Release()
}

// TestPoolRecordSizeLimit: a Conn whose limit exceeds the pool's is
// refused; a smaller one shares the pool.
func TestPoolRecordSizeLimit(t *testing.T) {
	pool := NewBufferPool(2048, 4)
	if _, err := NewClient(&Config{SkipCertificateVerification: true, Buffers: pool}); !errors.Is(err, ErrConfig) {
		t.Fatalf("full records on a 2 KiB pool: %v", err)
	}
	p := getServerPKI(t)
	scfg := serverConfig(p, "ecdsa-p256")
	scfg.Buffers, scfg.RecordSizeLimit = pool, 2048
	ccfg := &Config{ServerName: "server.test", RootCAs: p.roots, Buffers: pool, RecordSizeLimit: 1024}
	cli, srv := enginePair(t, ccfg, scfg)
	payload := testPayload(100 << 10)
	if a, b := sendAll(t, cli, srv, payload), sendAll(t, srv, cli, payload); a != b {
		t.Fatal("digests differ")
	}
	if st := pool.Stats(); st.Lent != 0 {
		t.Fatalf("%+v", st)
	}
}

// FuzzPooledInput feeds fuzzed bytes, split at an arbitrary point, to a
// pooled server before its handshake and to a pooled established Conn
// (sometimes with the pool's one buffer held by its peer's output); then
// reads, writes and releases everything: nothing panics, and every buffer
// is back in the pool at the end.
func FuzzPooledInput(f *testing.F) {
	p := getServerPKI(f)
	h, _ := goodHello(f)
	f.Add(helloRecord(h.marshal()), uint16(7), false)
	f.Add([]byte{23, 3, 3, 0, 17, 1, 2, 3}, uint16(3), true)
	f.Add([]byte{21, 3, 3, 0, 2, 1, 0}, uint16(0), false)
	f.Fuzz(func(t *testing.T, data []byte, split uint16, hold bool) {
		pool := NewBufferPool(0, 1)
		scfg := serverConfig(p, "ecdsa-p256")
		scfg.Buffers, scfg.Rand = pool, &detRand{}
		fresh, err := NewServer(scfg)
		if err != nil {
			t.Fatal(err)
		}
		k := int(split) % (len(data) + 1)
		fresh.Input(data[:k])
		fresh.Input(data[k:])
		fresh.ConsumeOutput(fresh.Pending())
		fresh.Release()
		if st := pool.Stats(); st.Lent != 0 {
			t.Fatalf("after a fresh server: %+v", st)
		}

		cli, srv := poolPair(t, pool)
		if hold {
			cli.Write([]byte("held")) // the pool's buffer: srv takes nothing
		}
		srv.Input(data[:k])
		srv.Input(data[k:])
		for i := 0; i < 4; i++ {
			l, err := srv.ReadLease()
			if err != nil {
				break
			}
			srv.Consume(len(l))
		}
		srv.Write([]byte("y"))
		srv.KeyUpdate(true)
		srv.Close()
		srv.ConsumeOutput(srv.Pending())
		cli.ConsumeOutput(cli.Pending())
		pool.Resume()
		srv.Release()
		cli.Release()
		if st := pool.Stats(); st.Lent != 0 || st.Waiting != 0 {
			t.Fatalf("at the end: %+v", st)
		}
	})
}
