package tlsx

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"
)

// goServerN serves n connections with one crypto/tls config (so its
// ticket keys last across them), echoing echoBytes on each. Each
// connection's handshake state or error comes on the channel.
type goResult struct {
	state tls.ConnectionState
	err   error
}

func goServerN(t *testing.T, cfg *tls.Config, n int, echoBytes int64) (string, <-chan goResult) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	out := make(chan goResult, n)
	go func() {
		for i := 0; i < n; i++ {
			raw, err := ln.Accept()
			if err != nil {
				out <- goResult{err: err}
				return
			}
			raw.SetDeadline(time.Now().Add(20 * time.Second))
			s := tls.Server(raw, cfg)
			err = s.Handshake()
			if err == nil {
				_, err = io.CopyN(s, s, echoBytes)
			}
			if err == nil {
				err = s.Close()
			} else {
				s.Close()
			}
			out <- goResult{s.ConnectionState(), err}
		}
	}()
	return ln.Addr().String(), out
}

func dialRun(t *testing.T, addr string, cfg *Config, payload []byte) (*Conn, error) {
	t.Helper()
	nc := dialT(t, addr)
	defer nc.Close() // now, not at the end of the test
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sum, n, err := run(c, nc, payload)
	if err == nil && (n != len(payload) || sum != sha256.Sum256(payload)) {
		t.Fatalf("echo: %d of %d bytes, sha256 match %v", n, len(payload), sum == sha256.Sum256(payload))
	}
	return c, err
}

func TestResumeGoServer(t *testing.T) {
	p := getPKI(t)
	payload := bytes.Repeat([]byte("resume"), 3000)
	for _, suite := range []uint16{TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256} {
		// P-256 only: every connection, the resumed ones too, goes
		// through a HelloRetryRequest, so the binder covers it.
		curves := []tls.CurveID{tls.X25519}
		if suite == TLS_AES_256_GCM_SHA384 || suite == TLS_CHACHA20_POLY1305_SHA256 {
			curves = []tls.CurveID{tls.CurveP256}
		}
		addr, res := goServerN(t, &tls.Config{Certificates: []tls.Certificate{p.leaves["ecdsa-p256"]},
			MinVersion: tls.VersionTLS13, CurvePreferences: curves}, 3, int64(len(payload)))
		cache := NewSessionCache(4)
		cfg := &Config{ServerName: "server.test", RootCAs: p.roots, SessionCache: cache, CipherSuites: []uint16{suite}}
		for i := 0; i < 3; i++ {
			c, err := dialRun(t, addr, cfg, payload)
			r := <-res
			if err != nil || r.err != nil {
				t.Fatalf("conn %d: %v (server: %v)", i, err, r.err)
			}
			if c.DidResume() != (i > 0) || r.state.DidResume != (i > 0) {
				t.Fatalf("conn %d: DidResume %v, server's %v", i, c.DidResume(), r.state.DidResume)
			}
			if len(c.PeerCertificates()) != 2 || c.CipherSuite() != suite {
				t.Fatalf("conn %d: %d peer certs, suite %04x", i, len(c.PeerCertificates()), c.CipherSuite())
			}
			if cache.Get("server.test") == nil {
				t.Fatalf("conn %d: no ticket kept", i)
			}
		}
	}
}

func TestResumeSingleUseAndMismatch(t *testing.T) {
	p := getPKI(t)
	addr, res := goServerN(t, &tls.Config{Certificates: []tls.Certificate{p.leaves["rsa"]},
		MinVersion: tls.VersionTLS13}, 3, 10)
	cache := NewSessionCache(1)
	cfg := &Config{ServerName: "server.test", RootCAs: p.roots, SessionCache: cache,
		CipherSuites: []uint16{TLS_AES_128_GCM_SHA256}}
	if _, err := dialRun(t, addr, cfg, []byte("0123456789")); err != nil {
		t.Fatal(err, (<-res).err)
	}
	<-res
	// Taking the ticket removes it from the cache.
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.hs.session == nil || cache.Get("server.test") != nil {
		t.Fatal("ticket not taken out of the cache")
	}
	// The cached ticket is SHA-256; a client offering only a SHA-384
	// suite cannot use it and does a full handshake.
	if _, err := dialRun(t, addr, cfg, []byte("0123456789")); err != nil {
		t.Fatal(err)
	}
	<-res
	cfg384 := *cfg
	cfg384.CipherSuites = []uint16{TLS_AES_256_GCM_SHA384}
	c2, err := dialRun(t, addr, &cfg384, []byte("0123456789"))
	if r := <-res; err != nil || r.err != nil || c2.DidResume() || r.state.DidResume {
		t.Fatalf("mismatched hash: err %v, server %v, resumed %v", err, r.err, c2.DidResume())
	}
	// An unverified session is not offered by a verifying client.
	cache.Put("server.test", &Session{suite: TLS_AES_128_GCM_SHA256, ticket: []byte{1}, psk: make([]byte, 32),
		lifetime: time.Hour, received: time.Now()})
	c3, _ := NewClient(cfg)
	if c3.hs.session != nil {
		t.Fatal("unverified session offered")
	}
}

func TestSessionCacheLRU(t *testing.T) {
	c := NewSessionCache(2)
	a, b, d := &Session{}, &Session{}, &Session{}
	c.Put("a", a)
	c.Put("b", b)
	c.Get("a") // b is now least recently used
	c.Put("d", d)
	if c.Get("b") != nil || c.Get("a") != a || c.Get("d") != d {
		t.Fatal("LRU eviction")
	}
	c.Put("a", nil)
	if c.Get("a") != nil {
		t.Fatal("Put nil did not remove")
	}
	c.Put("d", a)
	if c.Get("d") != a {
		t.Fatal("replace")
	}
}

// TestTicketStorage: tickets go into the cache bounded by MaxTicketSize
// and lifetime, and expire by Config.Time.
func TestTicketStorage(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	cache := NewSessionCache(2)
	cfg := &Config{ServerName: "x", SessionCache: cache, SkipCertificateVerification: true, MaxTicketSize: 100,
		Time: func() time.Time { return now }}
	a, _ := connectedPair(t, TLS_AES_128_GCM_SHA256)
	a.cfg = cfg
	a.resumption = make([]byte, 32)
	a.storeTicket(&newSessionTicket{lifetime: 10, ticket: make([]byte, 101)})
	a.storeTicket(&newSessionTicket{lifetime: 0, ticket: make([]byte, 10)})
	if cache.Get("x") != nil {
		t.Fatal("kept an oversized or zero-lifetime ticket")
	}
	a.storeTicket(&newSessionTicket{lifetime: 1 << 30, ageAdd: 7, nonce: []byte{1}, ticket: make([]byte, 100)})
	s := cache.Get("x")
	if s == nil || s.lifetime != maxTicketLife || !bytes.Equal(s.psk, resumptionPSK(a.suite, a.resumption, []byte{1})) {
		t.Fatalf("stored %+v", s)
	}
	now = now.Add(maxTicketLife)
	c, _ := NewClient(cfg)
	if c.hs.session != nil || cache.Get("x") != nil {
		t.Fatal("expired ticket offered or kept")
	}
}

func TestResumeOpenSSL(t *testing.T) {
	for _, groups := range []string{"X25519", "P-256"} { // P-256: with a HelloRetryRequest
		t.Run(groups, func(t *testing.T) { resumeOpenSSL(t, groups) })
	}
}

func resumeOpenSSL(t *testing.T, groups string) {
	addr := sserver(t, 2, "-groups", groups)
	p := getPKI(t)
	cache := NewSessionCache(1)
	cfg := &Config{ServerName: "server.test", RootCAs: p.roots, SessionCache: cache}
	for i := 0; i < 2; i++ {
		page, c, got := fetch(t, addr, cfg)
		if hrr := bytes.Contains(got, helloRetryRandom[:]); hrr != (groups == "P-256") {
			t.Fatalf("conn %d: HelloRetryRequest %v", i, hrr)
		}
		want := []byte("New, TLSv1.3")
		if i > 0 {
			want = []byte("Reused, TLSv1.3")
		}
		if !bytes.Contains(page, want) || c.DidResume() != (i > 0) {
			t.Fatalf("conn %d: resumed %v, page %.400q", i, c.DidResume(), page)
		}
	}
}

func TestResumeRefusals(t *testing.T) {
	x, _ := ecdh.X25519().GenerateKey(rand.Reader)
	random := make([]byte, 32)
	psk := func(sel byte) []byte { return []byte{0, 41, 0, 2, 0, sel} }
	sess := func() *Session {
		return &Session{suite: TLS_AES_128_GCM_SHA256, ticket: []byte("ticket"), psk: make([]byte, 32),
			lifetime: time.Hour, received: time.Now(), verified: true}
	}
	cases := []struct {
		name    string
		offer   bool
		sh      []byte
		want    error
		resumed bool
	}{
		{"PSK not offered", false, serverHelloRecord(random, 0x1301, X25519, x.PublicKey().Bytes(), nil, psk(0)...), ErrIllegalParameter, false},
		{"identity out of range", true, serverHelloRecord(random, 0x1301, X25519, x.PublicKey().Bytes(), nil, psk(1)...), ErrIllegalParameter, false},
		{"suite of another hash", true, serverHelloRecord(random, 0x1302, X25519, x.PublicKey().Bytes(), nil, psk(0)...), ErrIllegalParameter, false},
		{"accepted", true, serverHelloRecord(random, 0x1303, X25519, x.PublicKey().Bytes(), nil, psk(0)...), nil, true},
		{"declined", true, serverHelloRecord(random, 0x1301, X25519, x.PublicKey().Bytes(), nil), nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cache := NewSessionCache(1)
			if tc.offer {
				cache.Put("server.test", sess())
			}
			c, err := NewClient(&Config{ServerName: "server.test", SkipCertificateVerification: true, SessionCache: cache})
			if err != nil {
				t.Fatal(err)
			}
			ch := drain(c)
			if helloHasExt(t, ch, extPreSharedKey) != tc.offer {
				t.Fatal("pre_shared_key offered or not against expectation")
			}
			if tc.want != nil {
				expectFail(t, c, tc.sh, tc.want, AlertIllegalParameter)
				return
			}
			feed(t, c, tc.sh)
			if c.Err() != nil || c.DidResume() != tc.resumed {
				t.Fatalf("err %v, resumed %v", c.Err(), c.DidResume())
			}
		})
	}
}

// TestResumeAfterRetry: a HelloRetryRequest keeps the offer in
// ClientHello2 (new binder) when the suites share the PSK's hash, and
// drops it when they do not.
func TestResumeAfterRetry(t *testing.T) {
	for _, tc := range []struct {
		suite uint16
		keep  bool
	}{{TLS_CHACHA20_POLY1305_SHA256, true}, {TLS_AES_256_GCM_SHA384, false}} {
		cache := NewSessionCache(1)
		cache.Put("server.test", &Session{suite: TLS_AES_128_GCM_SHA256, ticket: []byte("ticket"), psk: make([]byte, 32),
			lifetime: time.Hour, received: time.Now(), verified: true})
		c, err := NewClient(&Config{ServerName: "server.test", SkipCertificateVerification: true, SessionCache: cache})
		if err != nil {
			t.Fatal(err)
		}
		ch1 := drain(c)
		feed(t, c, hrrRecord(tc.suite, P256, nil))
		ch2 := drain(c)
		if !helloHasExt(t, ch1, extPreSharedKey) || helloHasExt(t, ch2, extPreSharedKey) != tc.keep {
			t.Fatalf("suite %04x: pre_shared_key in ClientHello2 %v, want %v", tc.suite, !tc.keep, tc.keep)
		}
		if tc.keep && bytes.Equal(ch1[len(ch1)-32:], ch2[len(ch2)-32:]) {
			t.Fatal("binder not recomputed over the retry transcript")
		}
	}
}
