package tlsx

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"
)

// shuttle moves queued output between a client and a server engine, both
// ways, until neither has anything left to send or one fails.
func shuttle(cli, srv *Conn) {
	for i := 0; i < 100; i++ {
		moved := false
		for _, d := range [2][2]*Conn{{cli, srv}, {srv, cli}} {
			from, to := d[0], d[1]
			for from.Pending() > 0 && to.Err() == nil {
				n, _ := to.Input(from.OutputLease())
				if n == 0 {
					break
				}
				from.ConsumeOutput(n)
				moved = true
			}
		}
		if !moved {
			return
		}
	}
}

// drainRead reads everything c has decrypted into a hash.
func drainRead(c *Conn, h io.Writer) int {
	n := 0
	for {
		p, err := c.ReadLease()
		if err != nil {
			return n
		}
		h.Write(p)
		n += len(p)
		c.Consume(len(p))
	}
}

// sendAll writes payload from one engine to the other and returns the
// SHA-256 of what arrived.
func sendAll(t *testing.T, from, to *Conn, payload []byte) [32]byte {
	t.Helper()
	h := sha256.New()
	got := 0
	for off := 0; off < len(payload) || from.Pending() > 0; {
		n, err := from.Write(payload[off:])
		if err != nil && !errors.Is(err, ErrWouldBlock) {
			t.Fatalf("Write: %v", err)
		}
		off += n
		for from.Pending() > 0 {
			k, err := to.Input(from.OutputLease())
			if err != nil {
				t.Fatalf("Input: %v", err)
			}
			from.ConsumeOutput(k)
			got += drainRead(to, h)
			if k == 0 {
				break
			}
		}
		shuttle(from, to) // KeyUpdate answers
	}
	got += drainRead(to, h)
	if got != len(payload) {
		t.Fatalf("got %d of %d bytes", got, len(payload))
	}
	var s [32]byte
	copy(s[:], h.Sum(nil))
	return s
}

// enginePair runs a tlsx client against a tlsx server in memory.
func enginePair(t testing.TB, ccfg, scfg *Config) (cli, srv *Conn) {
	t.Helper()
	srv, err := NewServer(scfg)
	if err != nil {
		t.Fatal(err)
	}
	cli, err = NewClient(ccfg)
	if err != nil {
		t.Fatal(err)
	}
	shuttle(cli, srv)
	return cli, srv
}

func TestServerEngineVsEngine(t *testing.T) {
	p := getServerPKI(t)
	payload := testPayload(70_000)
	want := sha256.Sum256(payload)
	for _, cert := range []string{"ecdsa-p256", "rsa", "ed25519"} {
		for _, s := range []uint16{TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256} {
			for _, g := range []Group{X25519, P256} {
				t.Run(fmt.Sprintf("%s/%04x/%04x", cert, s, g), func(t *testing.T) {
					scfg := serverConfig(p, cert)
					scfg.CipherSuites, scfg.NextProtos = []uint16{s}, []string{"mqtt"}
					cli, srv := enginePair(t, &Config{ServerName: "server.test", RootCAs: p.roots, Groups: []Group{g},
						NextProtos: []string{"h2", "mqtt"}}, scfg)
					if !cli.HandshakeComplete() || !srv.HandshakeComplete() {
						t.Fatalf("handshake: client %v server %v", cli.Err(), srv.Err())
					}
					if srv.CipherSuite() != s || cli.CipherSuite() != s || srv.NegotiatedProtocol() != "mqtt" ||
						cli.NegotiatedProtocol() != "mqtt" || srv.ServerName() != "server.test" || srv.srv.hrr {
						t.Fatalf("suite %04x/%04x alpn %q/%q", srv.CipherSuite(), cli.CipherSuite(), srv.NegotiatedProtocol(), cli.NegotiatedProtocol())
					}
					if sendAll(t, cli, srv, payload) != want || sendAll(t, srv, cli, payload) != want {
						t.Fatal("echo mismatch")
					}
					// KeyUpdate from each side, asking the other to follow.
					for _, pair := range [2][2]*Conn{{cli, srv}, {srv, cli}} {
						a, b := pair[0], pair[1]
						aw, bw := a.wr.secret, b.wr.secret
						if err := a.KeyUpdate(true); err != nil {
							t.Fatal(err)
						}
						if sendAll(t, a, b, payload[:1000]) != sha256.Sum256(payload[:1000]) ||
							sendAll(t, b, a, payload[:1000]) != sha256.Sum256(payload[:1000]) {
							t.Fatal("data after KeyUpdate")
						}
						if bytes.Equal(a.wr.secret, aw) || bytes.Equal(b.wr.secret, bw) || !bytes.Equal(a.wr.secret, b.rd.secret) {
							t.Fatal("keys did not move")
						}
					}
					// close_notify both ways.
					cli.Close()
					shuttle(cli, srv)
					if _, err := srv.ReadLease(); err != io.EOF {
						t.Fatalf("server ReadLease after close = %v", err)
					}
					srv.Close()
					shuttle(cli, srv)
					if _, err := cli.ReadLease(); err != io.EOF || cli.Err() != nil || srv.Err() != nil {
						t.Fatalf("client ReadLease after close = %v (%v %v)", err, cli.Err(), srv.Err())
					}
				})
			}
		}
	}
}

func TestServerEngineHRRAndResumption(t *testing.T) {
	p := getServerPKI(t)
	keys, err := NewTicketKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	scfg := serverConfig(p, "ecdsa-p256")
	scfg.Groups, scfg.TicketKeys = []Group{P256}, keys
	ccfg := &Config{ServerName: "server.test", RootCAs: p.roots, Groups: []Group{X25519, P256},
		SessionCache: NewSessionCache(4)}
	for i := 0; i < 3; i++ {
		cli, srv := enginePair(t, ccfg, scfg)
		if !cli.HandshakeComplete() || !srv.HandshakeComplete() {
			t.Fatalf("conn %d: client %v server %v", i, cli.Err(), srv.Err())
		}
		if !srv.srv.hrr {
			t.Fatalf("conn %d: no HelloRetryRequest", i)
		}
		if resumed := i > 0; srv.DidResume() != resumed || cli.DidResume() != resumed {
			t.Fatalf("conn %d: DidResume server %v client %v", i, srv.DidResume(), cli.DidResume())
		}
		msg := []byte("resumed or not, data flows")
		if sendAll(t, srv, cli, msg) != sha256.Sum256(msg) {
			t.Fatal("data")
		}
	}
}

func TestServerEngineMutualTLS(t *testing.T) {
	p := getServerPKI(t)
	for _, tc := range []struct {
		name string
		cert []Certificate
		want error
	}{
		{"with certificate", []Certificate{p.clientTLSX}, nil},
		{"without", nil, ErrCertificateRequired},
		// tlsx's client, like crypto/tls's, holds back a certificate whose
		// issuer is not in certificate_authorities.
		{"untrusted", []Certificate{{Chain: p.untrusted.Certificate, Key: p.untrusted.PrivateKey.(crypto.Signer)}}, ErrCertificateRequired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scfg := serverConfig(p, "ecdsa-p256")
			scfg.ClientAuth, scfg.ClientCAs = RequireAndVerifyClientCert, p.clientCAs
			cli, srv := enginePair(t, &Config{ServerName: "server.test", RootCAs: p.roots, Certificates: tc.cert}, scfg)
			if tc.want == nil {
				if !srv.HandshakeComplete() || len(srv.PeerCertificates()) != 1 {
					t.Fatalf("server %v, %d peer certs", srv.Err(), len(srv.PeerCertificates()))
				}
				return
			}
			if !errors.Is(srv.Err(), tc.want) {
				t.Fatalf("server Err = %v, want %v", srv.Err(), tc.want)
			}
			if !errors.Is(cli.Err(), ErrPeerAlert) {
				t.Fatalf("client Err = %v", cli.Err())
			}
		})
	}
}

// TestServerSteadyStateZeroAllocs: after a real handshake, a record from
// the server to the client and one back allocate nothing.
func TestServerSteadyStateZeroAllocs(t *testing.T) {
	p := getServerPKI(t)
	for _, s := range []uint16{TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256} {
		scfg := serverConfig(p, "ecdsa-p256")
		scfg.CipherSuites = []uint16{s}
		cli, srv := enginePair(t, &Config{ServerName: "server.test", RootCAs: p.roots}, scfg)
		if !srv.HandshakeComplete() {
			t.Fatal(srv.Err())
		}
		msg := bytes.Repeat([]byte("0123456789abcdef"), 64)
		got := 0
		round := func(a, b *Conn) {
			if n, err := a.Write(msg); n != len(msg) || err != nil {
				t.Fatalf("Write = %d, %v", n, err)
			}
			for a.Pending() > 0 {
				k, err := b.Input(a.OutputLease())
				if err != nil || k == 0 {
					t.Fatalf("Input = %d, %v", k, err)
				}
				a.ConsumeOutput(k)
			}
			got = readAvailable(b)
		}
		if a := testing.AllocsPerRun(200, func() { round(srv, cli) }); a != 0 || got != len(msg) {
			t.Errorf("suite %04x: %.1f allocs per server->client record", s, a)
		}
		if a := testing.AllocsPerRun(200, func() { round(cli, srv) }); a != 0 || got != len(msg) {
			t.Errorf("suite %04x: %.1f allocs per client->server record", s, a)
		}
	}
}

func TestServerHandshakeDeadline(t *testing.T) {
	p := getServerPKI(t)
	c, err := NewServer(serverConfig(p, "ecdsa-p256"))
	if err != nil {
		t.Fatal(err)
	}
	checkDeadline(t, c)
}

// TestServerTicketLifetime: Config.TicketLifetime goes into the ticket,
// capped at RFC 8446's seven days.
func TestServerTicketLifetime(t *testing.T) {
	p := getServerPKI(t)
	keys, err := NewTicketKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		set  time.Duration
		want uint32
	}{{0, 24 * 3600}, {2 * time.Hour, 7200}, {30 * 24 * time.Hour, 7 * 24 * 3600}} {
		scfg := serverConfig(p, "ecdsa-p256")
		scfg.TicketKeys, scfg.TicketLifetime = keys, tc.set
		cache := NewSessionCache(1)
		cli, srv := enginePair(t, &Config{ServerName: "server.test", RootCAs: p.roots, SessionCache: cache}, scfg)
		if !cli.HandshakeComplete() || !srv.HandshakeComplete() || srv.tickets != 1 {
			t.Fatalf("handshake %v %v, %d tickets", cli.Err(), srv.Err(), srv.tickets)
		}
		s := cache.Get("server.test")
		if s == nil {
			t.Fatal("client kept no ticket")
		}
		st, err := keys.open(s.ticket)
		if err != nil || st.lifetime != tc.want || st.suite != srv.CipherSuite() || len(st.psk) != 32 {
			t.Fatalf("lifetime %v: ticket %+v, %v", tc.set, st, err)
		}
	}
}
