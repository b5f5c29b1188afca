package tlsx

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/testpki"
)

// TestServerOpenSSLClient runs openssl s_client against the tlsx server:
// each suite, a forced HelloRetryRequest, a client certificate and
// resumption with -sess_out/-sess_in. The server echoes what s_client
// reads from stdin and closes; s_client prints it.
func TestServerOpenSSLClient(t *testing.T) {
	bin := lookTool(t, "openssl", "openssl")
	p := getServerPKI(t)
	dir := t.TempDir()
	caFile := testpki.WriteFile(t, dir, "ca.pem", p.ca.PEM())
	clientCert := testpki.WriteFile(t, dir, "client.pem", testpki.CertsPEM(p.client.Certificate[0]))
	clientKey := testpki.WriteFile(t, dir, "client.key", testpki.KeyPEM(t, p.client.PrivateKey))
	sess := filepath.Join(dir, "sess")
	keys, err := NewTicketKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	payload := bytes.Repeat([]byte("tlsx server says hello to openssl 0123456789\n"), 100)

	cases := []struct {
		name    string
		args    []string
		cfg     func(*Config)
		hrr     bool
		resumed bool
		suite   uint16
		peer    bool
		wantErr error
	}{
		{"AES128", []string{"-ciphersuites", "TLS_AES_128_GCM_SHA256", "-groups", "X25519"}, nil, false, false, TLS_AES_128_GCM_SHA256, false, nil},
		{"AES256", []string{"-ciphersuites", "TLS_AES_256_GCM_SHA384", "-groups", "P-256"}, nil, false, false, TLS_AES_256_GCM_SHA384, false, nil},
		{"CHACHA20", []string{"-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256", "-groups", "X25519"}, nil, false, false, TLS_CHACHA20_POLY1305_SHA256, false, nil},
		{"HRR", []string{"-groups", "X25519:P-256"}, func(c *Config) { c.Groups = []Group{P256} }, true, false, TLS_AES_128_GCM_SHA256, false, nil},
		{"mTLS", []string{"-cert", clientCert, "-key", clientKey}, func(c *Config) {
			c.ClientAuth, c.ClientCAs = RequireAndVerifyClientCert, p.clientCAs
		}, false, false, TLS_AES_128_GCM_SHA256, true, nil},
		{"ticket", []string{"-sess_out", sess}, func(c *Config) { c.TicketKeys = keys }, false, false, TLS_AES_128_GCM_SHA256, false, nil},
		{"resume", []string{"-sess_in", sess}, func(c *Config) { c.TicketKeys = keys }, false, true, TLS_AES_128_GCM_SHA256, false, nil},
		{"mTLS refused without a certificate", nil, func(c *Config) {
			c.ClientAuth, c.ClientCAs = RequireAndVerifyClientCert, p.clientCAs
		}, false, false, 0, false, ErrCertificateRequired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ln := listen(t)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			args := append([]string{"s_client", "-connect", ln.Addr().String(), "-tls1_3", "-CAfile", caFile,
				"-servername", "server.test", "-verify_return_error", "-ign_eof", "-alpn", "x-tlsx"}, tc.args...)
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Stdin = bytes.NewReader(payload)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			nc := accept(t, ln)
			cfg := serverConfig(p, "ecdsa-p256")
			cfg.NextProtos = []string{"x-tlsx"}
			cfg.CipherSuites = []uint16{TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256}
			if tc.cfg != nil {
				tc.cfg(cfg)
			}
			c, err := NewServer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, n, err := serveEcho(c, nc, len(payload))
			nc.Close()
			werr := cmd.Wait()
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !bytes.Contains(out.Bytes(), []byte("certificate required")) {
					t.Fatalf("server err %v, want %v; s_client:\n%.2000s", err, tc.wantErr, out.Bytes())
				}
				return
			}
			if err != nil || n != len(payload) {
				t.Fatalf("server: %v after %d bytes\n%s", err, n, out.Bytes())
			}
			if werr != nil {
				t.Fatalf("s_client: %v\n%s", werr, out.Bytes())
			}
			if !bytes.Contains(out.Bytes(), payload) {
				t.Fatalf("echo missing from s_client output:\n%.2000s", out.Bytes())
			}
			if c.CipherSuite() != tc.suite || c.srv.hrr != tc.hrr || c.DidResume() != tc.resumed ||
				c.NegotiatedProtocol() != "x-tlsx" || c.ServerName() != "server.test" || (len(c.PeerCertificates()) > 0 && bytes.Equal(c.PeerCertificates()[0], p.client.Certificate[0])) != tc.peer {
				t.Fatalf("suite %04x hrr %v resumed %v alpn %q sni %q peer certs %d", c.CipherSuite(), c.srv.hrr,
					c.DidResume(), c.NegotiatedProtocol(), c.ServerName(), len(c.PeerCertificates()))
			}
			if tc.resumed != bytes.Contains(out.Bytes(), []byte("Reused, TLSv1.3")) {
				t.Fatalf("s_client resumption report wrong:\n%.3000s", out.Bytes())
			}
			if !tc.resumed && !bytes.Contains(out.Bytes(), []byte("Verification: OK")) {
				t.Fatalf("s_client did not verify:\n%.3000s", out.Bytes())
			}
		})
	}
}
