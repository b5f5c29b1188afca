package tlsx

import (
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestServerGoClient: crypto/tls client against the tlsx server for every
// suite, group and certificate type, with a SHA-256-checked echo.
func TestServerGoClient(t *testing.T) {
	p := getServerPKI(t)
	payload := testPayload(100_000)
	want := sha256.Sum256(payload)
	suites := []uint16{TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256}
	groups := []struct {
		g  Group
		id tls.CurveID
	}{{X25519, tls.X25519}, {P256, tls.CurveP256}}
	for _, certName := range []string{"ecdsa-p256", "ecdsa-p384", "rsa", "ed25519"} {
		for _, s := range suites {
			for _, g := range groups {
				t.Run(fmt.Sprintf("%s/%04x/%04x", certName, s, g.g), func(t *testing.T) {
					cfg := serverConfig(p, certName)
					cfg.CipherSuites = []uint16{s}
					cfg.NextProtos = []string{"x-tlsx", "http/1.1"}
					ccfg := goClientConfig(p, g.id)
					ccfg.NextProtos = []string{"h2", "http/1.1", "x-tlsx"}
					c, r, ssum, sn, err := runGoClient(t, cfg, ccfg, payload)
					if err != nil || r.err != nil {
						t.Fatalf("server: %v; client: %v", err, r.err)
					}
					if sn != len(payload) || ssum != want || r.n != len(payload) || r.sum != want {
						t.Fatalf("echo: server read %d (sha ok %v), client read %d (sha ok %v)",
							sn, ssum == want, r.n, r.sum == want)
					}
					if c.CipherSuite() != s || r.state.CipherSuite != s || r.state.Version != tls.VersionTLS13 {
						t.Fatalf("suite %04x / client %04x", c.CipherSuite(), r.state.CipherSuite)
					}
					if c.NegotiatedProtocol() != "x-tlsx" || r.state.NegotiatedProtocol != "x-tlsx" {
						t.Fatalf("alpn %q / client %q", c.NegotiatedProtocol(), r.state.NegotiatedProtocol)
					}
					if c.ServerName() != "server.test" || c.srv.hrr || c.DidResume() || r.state.DidResume {
						t.Fatalf("sni %q hrr %v resumed %v", c.ServerName(), c.srv.hrr, c.DidResume())
					}
				})
			}
		}
	}
}

// runGoClient serves one crypto/tls client connection with cfg and
// returns the server Conn, the client's result and the server's echo.
func runGoClient(t *testing.T, cfg *Config, ccfg *tls.Config, payload []byte) (*Conn, goClientResult, [32]byte, int, error) {
	t.Helper()
	ln := listen(t)
	res := goClient(ln.Addr().String(), ccfg, payload)
	nc := accept(t, ln)
	c, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sum, n, err := serveEcho(c, nc, 0)
	if err != nil {
		nc.Close() // unblock the client
	}
	return c, <-res, sum, n, err
}

// TestServerGoClientHRR: crypto/tls sends one key share (X25519) and the
// server only takes P-256, so it must send a HelloRetryRequest.
func TestServerGoClientHRR(t *testing.T) {
	p := getServerPKI(t)
	payload := testPayload(20_000)
	want := sha256.Sum256(payload)
	for _, s := range []uint16{TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384} {
		cfg := serverConfig(p, "ecdsa-p256")
		cfg.Groups = []Group{P256}
		cfg.CipherSuites = []uint16{s}
		c, r, ssum, _, err := runGoClient(t, cfg, goClientConfig(p, tls.X25519, tls.CurveP256), payload)
		if err != nil || r.err != nil {
			t.Fatalf("server: %v; client: %v", err, r.err)
		}
		if !c.srv.hrr || ssum != want || r.sum != want || r.state.CipherSuite != s {
			t.Fatalf("hrr %v, echo ok %v/%v, suite %04x", c.srv.hrr, ssum == want, r.sum == want, r.state.CipherSuite)
		}
	}
}

// TestServerGoClientRefusals: what the server refuses, with the typed
// error and the alert crypto/tls reports.
func TestServerGoClientRefusals(t *testing.T) {
	p := getServerPKI(t)
	cases := []struct {
		name  string
		cfg   func() *Config
		ccfg  func() *tls.Config
		want  error
		alert Alert
	}{
		{"no ALPN overlap", func() *Config {
			c := serverConfig(p, "ecdsa-p256")
			c.NextProtos = []string{"x-only"}
			return c
		}, func() *tls.Config {
			c := goClientConfig(p)
			c.NextProtos = []string{"h2"}
			return c
		}, ErrNoALPN, AlertNoApplicationProtocol},
		{"TLS 1.2 only client", func() *Config { return serverConfig(p, "ecdsa-p256") }, func() *tls.Config {
			c := goClientConfig(p)
			c.MinVersion, c.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
			return c
		}, ErrProtocolVersion, AlertProtocolVersion},
		{"no common group", func() *Config {
			c := serverConfig(p, "ecdsa-p256")
			c.Groups = []Group{P256}
			return c
		}, func() *tls.Config { return goClientConfig(p, tls.X25519) }, ErrUnsupportedGroup, AlertHandshakeFailure},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, r, _, _, err := runGoClient(t, tc.cfg(), tc.ccfg(), []byte("x"))
			if !errors.Is(err, tc.want) {
				t.Fatalf("server err = %v, want %v", err, tc.want)
			}
			var e *Error
			if errors.As(err, &e); e.Alert != tc.alert {
				t.Fatalf("alert %v, want %v", e.Alert, tc.alert)
			}
			// crypto/tls's alert type is unexported: match its text.
			if r.err == nil || !strings.Contains(r.err.Error(), "remote error: tls: "+goAlertText[tc.alert]) {
				t.Fatalf("client err = %v, want alert %v", r.err, tc.alert)
			}
		})
	}
}

// goAlertText is how crypto/tls words the alerts the tests expect.
var goAlertText = map[Alert]string{
	AlertNoApplicationProtocol: "no application protocol",
	AlertProtocolVersion:       "protocol version not supported",
	AlertHandshakeFailure:      "handshake failure",
	AlertCertificateRequired:   "certificate required",
	AlertUnknownCA:             "unknown certificate authority",
	AlertBadCertificate:        "bad certificate",
	AlertDecryptError:          "error decrypting message",
}

// TestServerGoClientRejectsUs: a client that does not trust our chain
// sends an alert; the server reports it as a remote alert.
func TestServerGoClientRejectsUs(t *testing.T) {
	p := getServerPKI(t)
	ccfg := goClientConfig(p)
	ccfg.RootCAs = p.otherRoots
	_, r, _, _, err := runGoClient(t, serverConfig(p, "ecdsa-p256"), ccfg, []byte("x"))
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindPeerAlert || !e.Remote || e.Alert != AlertBadCertificate {
		t.Fatalf("server err = %v", err)
	}
	if r.err == nil {
		t.Fatal("client accepted an untrusted chain")
	}
}
