package tlsx

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
)

func TestRecordSizeLimitConfig(t *testing.T) {
	p := getServerPKI(t)
	for _, l := range []int{-1, 1, 63, 16386, 1 << 20} {
		if _, err := NewClient(&Config{SkipCertificateVerification: true, RecordSizeLimit: l}); !errors.Is(err, ErrConfig) {
			t.Errorf("NewClient(RecordSizeLimit %d) = %v, want ErrConfig", l, err)
		}
		cfg := serverConfig(p, "ecdsa-p256")
		cfg.RecordSizeLimit = l
		if _, err := NewServer(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("NewServer(RecordSizeLimit %d) = %v, want ErrConfig", l, err)
		}
	}
	for _, l := range []int{0, 64, 2048, 16385} {
		c, err := NewClient(&Config{SkipCertificateVerification: true, RecordSizeLimit: l})
		if err != nil {
			t.Fatal(err)
		}
		want := l
		if l == 0 {
			want = 16385
		}
		if len(c.in) < 5+want+16 || len(c.in) > 5+want+16+2048 {
			t.Errorf("limit %d: receive buffer %d bytes, want %d", l, len(c.in), 5+want+16)
		}
		// The ClientHello advertises it.
		ch := c.OutputLease()
		if !bytes.Contains(ch, []byte{0, extRecordSizeLimit, 0, 2, byte(want >> 8), byte(want)}) {
			t.Errorf("limit %d not in the ClientHello", l)
		}
	}
}

// records splits queued output into record lengths (headers excluded).
func records(t testing.TB, out []byte) []int {
	t.Helper()
	var ls []int
	for len(out) > 0 {
		if len(out) < 5 {
			t.Fatalf("%d stray bytes", len(out))
		}
		n := int(out[3])<<8 | int(out[4])
		if len(out) < 5+n {
			t.Fatalf("record of %d cut at %d", n, len(out)-5)
		}
		ls = append(ls, n)
		out = out[5+n:]
	}
	return ls
}

// writeAndCheck writes payload from one engine to the other a record at a
// time, checking that no record's ciphertext exceeds limit+16, and
// returns the SHA-256 of what arrived.
func writeAndCheck(t *testing.T, from, to *Conn, payload []byte, limit int) ([32]byte, int) {
	t.Helper()
	h := sha256.New()
	biggest := 0
	for off := 0; off < len(payload); {
		n, err := from.Write(payload[off:])
		if err != nil && !errors.Is(err, ErrWouldBlock) {
			t.Fatalf("Write after %d: %v", off, err)
		}
		off += n
		for _, l := range records(t, from.OutputLease()) {
			if l > limit+16 {
				t.Fatalf("record of %d bytes over the limit %d", l, limit)
			}
			biggest = max(biggest, l)
		}
		for i := 0; from.Pending() > 0; i++ {
			if i == 100 || to.Err() != nil {
				t.Fatalf("stuck: %v", to.Err())
			}
			move(t, from, to)
			drainRead(to, h)
		}
	}
	drainRead(to, h)
	var s [32]byte
	copy(s[:], h.Sum(nil))
	return s, biggest
}

// TestRecordSizeLimitPair runs tlsx against itself with each end's
// limit: records both ways stay within the lesser limit (a tlsx peer
// honours RFC 8449), the buffers take their steady-state sizes once the
// handshake's output is out, and a handshake flight bigger than the
// steady send buffer (RSA chain, client certificate, limit 64) still goes
// out whole.
func TestRecordSizeLimitPair(t *testing.T) {
	p := getServerPKI(t)
	payload := testPayload(40_000)
	want := sha256.Sum256(payload)
	for _, tc := range []struct {
		cli, srv int
		cert     string
		mtls     bool
	}{
		{0, 0, "ecdsa-p256", false},
		{2048, 0, "ecdsa-p256", false},
		{0, 2048, "ecdsa-p256", false},
		{2048, 2048, "rsa", true},
		{64, 64, "rsa", true},
		{64, 16385, "ed25519", false},
		{512, 300, "ecdsa-p256", true},
	} {
		t.Run(fmt.Sprintf("client%d/server%d/%s", tc.cli, tc.srv, tc.cert), func(t *testing.T) {
			scfg := serverConfig(p, tc.cert)
			scfg.RecordSizeLimit = tc.srv
			ccfg := &Config{ServerName: "server.test", RootCAs: p.roots, RecordSizeLimit: tc.cli}
			if tc.mtls {
				scfg.ClientAuth, scfg.ClientCAs = RequireAndVerifyClientCert, p.clientCAs
				ccfg.Certificates = []Certificate{p.clientTLSX}
			}
			cli, srv := enginePair(t, ccfg, scfg)
			if !cli.HandshakeComplete() || !srv.HandshakeComplete() {
				t.Fatalf("handshake: client %v server %v", cli.Err(), srv.Err())
			}
			lim := func(l int) int {
				if l == 0 {
					return 16385
				}
				return l
			}
			cl, sl := lim(tc.cli), lim(tc.srv)
			both := min(cl, sl)
			for _, x := range []struct {
				name string
				c    *Conn
				own  int
			}{{"client", cli, cl}, {"server", srv, sl}} {
				if len(x.c.in) < 5+x.own+16 || x.c.outReq != 5+both+16+ctlReserve || !x.c.outSteady ||
					x.c.hsBuf != nil {
					t.Errorf("%s: in %d out %d steady %v hsBuf %d, want in %d out %d", x.name, len(x.c.in),
						len(x.c.out), x.c.outSteady, cap(x.c.hsBuf), 5+x.own+16, 5+both+16+ctlReserve)
				}
			}
			if tc.mtls && len(srv.PeerCertificates()) != 1 {
				t.Fatal("client certificate not received")
			}
			for _, d := range [][2]*Conn{{cli, srv}, {srv, cli}} {
				sum, biggest := writeAndCheck(t, d[0], d[1], payload, both)
				if sum != want || biggest != both+16 {
					t.Fatalf("echo mismatch or records not full: biggest %d, want %d", biggest, both+16)
				}
			}
			// Post-handshake messages in small records: KeyUpdate both
			// ways, and close_notify.
			if err := cli.KeyUpdate(true); err != nil {
				t.Fatal(err)
			}
			shuttle(cli, srv)
			if sum, _ := writeAndCheck(t, srv, cli, payload[:5000], both); sum != sha256.Sum256(payload[:5000]) {
				t.Fatal("data after KeyUpdate")
			}
			if cli.Close() != nil || srv.Close() != nil {
				t.Fatal("Close")
			}
			shuttle(cli, srv)
			if cli.Err() != nil || srv.Err() != nil || !cli.peerClosed || !srv.peerClosed {
				t.Fatalf("close: %v %v", cli.Err(), srv.Err())
			}
		})
	}
}

// TestRecordOverflow: a peer that sends a record bigger than the limit we
// advertised (one that ignores RFC 8449) fails the connection with
// ErrRecordOverflow, and it receives record_overflow.
func TestRecordOverflow(t *testing.T) {
	p := getServerPKI(t)
	for _, side := range []string{"client", "server"} {
		t.Run(side, func(t *testing.T) {
			scfg := serverConfig(p, "ecdsa-p256")
			ccfg := &Config{ServerName: "server.test", RootCAs: p.roots}
			if side == "client" {
				ccfg.RecordSizeLimit = 2048
			} else {
				scfg.RecordSizeLimit = 2048
			}
			cli, srv := enginePair(t, ccfg, scfg)
			if !cli.HandshakeComplete() || !srv.HandshakeComplete() {
				t.Fatalf("handshake: client %v server %v", cli.Err(), srv.Err())
			}
			small, big := cli, srv // big sends as if it had not seen the limit
			if side == "server" {
				small, big = srv, cli
			}
			big.out = make([]byte, steadyOutLen(16385))
			big.sendLimit, big.maxSend = 16385, 16384
			// Exactly the limit still passes; one byte more does not.
			if sum, _ := writeAndCheck(t, big, small, payload2047(), 2048); sum != sha256.Sum256(payload2047()) {
				t.Fatal("a record at the limit did not pass")
			}
			big.Write(make([]byte, 2048))
			small.Input(big.OutputLease())
			var e *Error
			if !errors.Is(small.Err(), ErrRecordOverflow) || !errors.As(small.Err(), &e) || e.Alert != AlertRecordOverflow {
				t.Fatalf("Err = %v, want ErrRecordOverflow", small.Err())
			}
			big.Input(small.OutputLease())
			if !errors.As(big.Err(), &e) || !e.Remote || e.Alert != AlertRecordOverflow {
				t.Fatalf("peer got %v, want record_overflow alert", big.Err())
			}
		})
	}
}

func payload2047() []byte { return testPayload(2047) }

// TestBigClientHelloSmallServer: unprotected records are not bound by
// record_size_limit, so a server with a tiny receive buffer still takes a
// ClientHello of several records up to 16 KiB each, whatever the split of
// the bytes.
func TestBigClientHelloSmallServer(t *testing.T) {
	p := getServerPKI(t)
	h, _ := goodHello(t)
	h.set(extPadding, make([]byte, 20_000))
	msg := h.marshal()
	// Two records: 16384 bytes, then the rest.
	wire := append(helloRecord(msg[:maxPlaintext]), helloRecord(msg[maxPlaintext:])...)
	for _, chunk := range []int{1, 7, 100, 5000, len(wire)} {
		cfg := serverConfig(p, "ecdsa-p256")
		cfg.RecordSizeLimit = 64
		c, err := NewServer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off < len(wire); {
			n, err := c.Input(wire[off:min(off+chunk, len(wire))])
			if err != nil {
				t.Fatalf("chunk %d: Input at %d: %v", chunk, off, err)
			}
			if n == 0 {
				t.Fatalf("chunk %d: stalled at %d", chunk, off)
			}
			off += n
		}
		if c.srv.state != srvWaitFinished || c.Pending() == 0 || len(c.in) > 5+64+16+32 {
			t.Fatalf("chunk %d: state %d, pending %d", chunk, c.srv.state, c.Pending())
		}
	}
	// A record over 2^14 is refused, and bytes after a key change in the
	// same record are too.
	cfg := serverConfig(p, "ecdsa-p256")
	c, _ := NewServer(cfg)
	c.Input([]byte{contentHandshake, 3, 1, 0x40, 0x01})
	if !errors.Is(c.Err(), ErrRecordOverflow) {
		t.Fatalf("Err = %v, want ErrRecordOverflow", c.Err())
	}
	h, _ = goodHello(t)
	one := h.marshal()
	rec := helloRecord(append(one, typeFinished, 0, 0, 0))
	c, _ = NewServer(cfg)
	c.Input(rec)
	if !errors.Is(c.Err(), ErrUnexpectedMessage) {
		t.Fatalf("Err = %v, want ErrUnexpectedMessage", c.Err())
	}
	// The same when the bytes after the hello have not arrived yet: the
	// record's length already says they will.
	c, _ = NewServer(cfg)
	c.Input(rec[:5+len(one)])
	if !errors.Is(c.Err(), ErrUnexpectedMessage) {
		t.Fatalf("split: Err = %v, want ErrUnexpectedMessage", c.Err())
	}
}

// TestControlReserve: Write leaves room for close_notify and a KeyUpdate
// answer, a blocked Close sends nothing and can be retried, and a flood of
// KeyUpdate requests is answered once.
func TestControlReserve(t *testing.T) {
	a, b := connectedPair(t, TLS_AES_128_GCM_SHA256)
	for {
		if _, err := a.Write(make([]byte, 4096)); errors.Is(err, ErrWouldBlock) {
			break
		}
	}
	if err := a.Close(); err != nil {
		t.Fatalf("Close on a full buffer: %v", err)
	}
	for i := 0; i < 100 && a.Pending() > 0; i++ {
		move(t, a, b)
		drainRead(b, sha256.New())
	}
	if !b.peerClosed {
		t.Fatal("close_notify did not arrive")
	}

	a, b = connectedPair(t, TLS_AES_128_GCM_SHA256)
	a.outEnd = len(a.out) - 20
	if err := a.Close(); !errors.Is(err, ErrWouldBlock) || a.outEnd != len(a.out)-20 || a.sentClose {
		t.Fatalf("Close without room = %v", err)
	}
	a.outEnd = 0
	if err := a.Close(); err != nil || a.Pending() != 5+2+1+16 {
		t.Fatalf("Close = %v, pending %d", err, a.Pending())
	}

	// b asks a for an update 50 times while a is silent: one answer.
	a, b = connectedPair(t, TLS_AES_128_GCM_SHA256)
	for i := 0; i < 50; i++ {
		if err := b.sendKeyUpdate(true); err != nil {
			t.Fatal(err)
		}
	}
	move(t, b, a)
	if a.Err() != nil || a.Pending() != 5+5+1+16 {
		t.Fatalf("Err %v, pending %d, want one KeyUpdate", a.Err(), a.Pending())
	}
	move(t, a, b)
	if b.Err() != nil || !bytes.Equal(a.wr.secret, b.rd.secret) {
		t.Fatalf("b did not follow a's update: %v", b.Err())
	}
	// After a sends data, a new request gets a new answer; one that does
	// not fit waits for the next Write, ahead of its data.
	a.Write([]byte("x"))
	move(t, a, b)
	drainRead(b, sha256.New())
	b.sendKeyUpdate(true)
	a.outEnd = len(a.out) - 10
	move(t, b, a)
	if a.outEnd != len(a.out)-10 || !a.kuPending {
		t.Fatal("the answer did not wait")
	}
	if _, err := a.Write([]byte("y")); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("Write with an answer pending and no room = %v", err)
	}
	a.outEnd = 0
	if n, err := a.Write([]byte("y")); n != 1 || err != nil || a.kuPending {
		t.Fatalf("Write = %d, %v", n, err)
	}
	move(t, a, b)
	got, err := b.ReadLease()
	if err != nil || string(got) != "y" || b.Err() != nil {
		t.Fatalf("after the late answer: %q %v %v", got, err, b.Err())
	}
}

// TestSmallRecordsZeroAllocs: after a real handshake with a 2 KiB limit a
// record each way allocates nothing, as with full records.
func TestSmallRecordsZeroAllocs(t *testing.T) {
	p := getServerPKI(t)
	scfg := serverConfig(p, "ecdsa-p256")
	scfg.RecordSizeLimit = 2048
	cli, srv := enginePair(t, &Config{ServerName: "server.test", RootCAs: p.roots, RecordSizeLimit: 2048}, scfg)
	msg := testPayload(2047)
	got := 0
	round := func(a, b *Conn) {
		if n, err := a.Write(msg); n != len(msg) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
		move(t, a, b)
		l, _ := b.ReadLease()
		got = len(l)
		b.Consume(len(l))
	}
	for _, d := range [][2]*Conn{{cli, srv}, {srv, cli}} {
		if allocs := testing.AllocsPerRun(100, func() { round(d[0], d[1]) }); allocs != 0 || got != len(msg) {
			t.Errorf("%.1f allocs per 2 KiB record (got %d bytes)", allocs, got)
		}
	}
}
