package tlsx

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

// loadTrace reads testdata/rfc8448_simple_1rtt.txt into named byte strings.
func loadTrace(t testing.TB) map[string][]byte {
	t.Helper()
	f, err := os.Open("testdata/rfc8448_simple_1rtt.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]byte{}
	name := ""
	var hexbuf strings.Builder
	flush := func() {
		if name == "" {
			return
		}
		b, err := hex.DecodeString(hexbuf.String())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = b
		name = ""
		hexbuf.Reset()
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#"):
		case line == "":
			flush()
		case strings.HasSuffix(line, ":"):
			flush()
			name = strings.TrimSuffix(line, ":")
		default:
			hexbuf.WriteString(strings.ReplaceAll(line, " ", ""))
		}
	}
	flush()
	return out
}

// traceConfig is the RFC 8448 client: its random and X25519 key come from
// Rand in that order, and its ClientHello advertises what the trace's does
// (groups and algorithms tlsx does not implement included, via testHello).
// The trace's server certificate is a 1024-bit RSA certificate for "rsa"
// without a subjectAltName, so chain and name checks are skipped; the
// CertificateVerify signature is still verified.
func traceConfig(tr map[string][]byte) *Config {
	return &Config{
		ServerName:                  "server",
		SkipCertificateVerification: true,
		Groups:                      []Group{X25519},
		Rand:                        bytes.NewReader(append(append([]byte(nil), tr["client_random"]...), tr["client_x25519_private"]...)),
		testHello: &helloShape{
			suites:            []uint16{0x1301, 0x1303, 0x1302},
			groups:            []uint16{0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104},
			sigAlgs:           []uint16{0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202},
			renegotiationInfo: true,
			sessionTicket:     true,
			pskModes:          true,
			recordSizeLimit:   0x4001,
		},
	}
}

func drain(c *Conn) []byte {
	b := make([]byte, c.Pending())
	c.Output(b)
	return b
}

func feed(t *testing.T, c *Conn, p []byte) {
	t.Helper()
	for len(p) > 0 {
		n, err := c.Input(p)
		if err != nil {
			t.Fatalf("Input: %v", err)
		}
		if n == 0 {
			t.Fatal("Input took nothing")
		}
		p = p[n:]
	}
}

func TestRFC8448Simple1RTT(t *testing.T) {
	tr := loadTrace(t)
	c, err := NewClient(traceConfig(tr))
	if err != nil {
		t.Fatal(err)
	}
	if got := drain(c); !bytes.Equal(got, tr["client_hello_record"]) {
		t.Fatalf("ClientHello record differs:\n got %x\nwant %x", got, tr["client_hello_record"])
	}
	feed(t, c, tr["server_hello_record"])
	if c.HandshakeComplete() || c.Pending() != 0 {
		t.Fatal("complete or talking after ServerHello alone")
	}
	feed(t, c, tr["server_flight_record"])
	if !c.HandshakeComplete() {
		t.Fatal("handshake not complete after the server flight")
	}
	hs := c.keep
	for _, s := range []struct {
		name string
		got  []byte
	}{
		{"c_hs_traffic", hs.cHS}, {"s_hs_traffic", hs.sHS},
		{"c_ap_traffic", hs.cAP}, {"s_ap_traffic", hs.sAP},
		{"exp_master", c.exporter}, {"res_master", c.resumption},
	} {
		if !bytes.Equal(s.got, tr[s.name]) {
			t.Errorf("%s = %x, want %x", s.name, s.got, tr[s.name])
		}
	}
	if got := drain(c); !bytes.Equal(got, tr["client_finished_record"]) {
		t.Fatalf("client Finished record differs:\n got %x\nwant %x", got, tr["client_finished_record"])
	}
	if c.CipherSuite() != TLS_AES_128_GCM_SHA256 || len(c.PeerCertificates()) != 1 {
		t.Fatalf("suite %x, %d certs", c.CipherSuite(), len(c.PeerCertificates()))
	}
	// The server's NewSessionTicket (its sequence 0) then 50 bytes of data.
	feed(t, c, tr["server_nst_record"])
	if c.tickets != 1 {
		t.Fatalf("tickets = %d", c.tickets)
	}
	feed(t, c, tr["server_app_record"])
	want := make([]byte, 50)
	for i := range want {
		want[i] = byte(i)
	}
	got, err := c.ReadLease()
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("ReadLease = %x, %v", got, err)
	}
	c.Consume(len(got))
	if _, err := c.ReadLease(); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("ReadLease after Consume: %v", err)
	}
	// The client's own 50 bytes and its close_notify, byte for byte.
	if n, err := c.Write(want); n != 50 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if got := drain(c); !bytes.Equal(got, tr["client_app_record"]) {
		t.Fatalf("client application record differs:\n got %x\nwant %x", got, tr["client_app_record"])
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if got := drain(c); !bytes.Equal(got, tr["client_alert_record"]) {
		t.Fatalf("client close_notify differs:\n got %x\nwant %x", got, tr["client_alert_record"])
	}
	feed(t, c, tr["server_alert_record"])
	if _, err := c.ReadLease(); err != io.EOF {
		t.Fatalf("after server close_notify: %v", err)
	}
	c.InputEOF()
	if c.Err() != nil {
		t.Fatalf("Err after clean close: %v", c.Err())
	}
}

// traceAt returns a client that has sent the trace's ClientHello.
func traceClient(t *testing.T, tr map[string][]byte) *Conn {
	t.Helper()
	c, err := NewClient(traceConfig(tr))
	if err != nil {
		t.Fatal(err)
	}
	drain(c)
	return c
}

func expectFail(t *testing.T, c *Conn, input []byte, want error, alert Alert) {
	t.Helper()
	c.Input(input)
	if !errors.Is(c.Err(), want) {
		t.Fatalf("Err = %v, want %v", c.Err(), want)
	}
	var e *Error
	if !errors.As(c.Err(), &e) || e.Alert != alert {
		t.Fatalf("alert = %v, want %v", e.Alert, alert)
	}
	out := drain(c)
	if alert != 0 && (len(out) == 0 || (out[0] != contentAlert && out[0] != contentAppData)) {
		t.Fatalf("no alert record queued: %x", out)
	}
	if _, err := c.Write([]byte("x")); err == nil {
		t.Fatal("Write works after a fatal error")
	}
}

func TestRefusals(t *testing.T) {
	tr := loadTrace(t)
	sh := tr["server_hello_record"]
	mod := func(f func(b []byte)) []byte {
		b := append([]byte(nil), sh...)
		f(b)
		return b
	}
	const rnd = 5 + 4 + 2 // record header, handshake header, legacy_version
	t.Run("tampered record", func(t *testing.T) {
		c := traceClient(t, tr)
		feed(t, c, sh)
		fl := append([]byte(nil), tr["server_flight_record"]...)
		fl[100] ^= 1
		expectFail(t, c, fl, ErrBadRecordMAC, AlertBadRecordMAC)
	})
	t.Run("tampered tag", func(t *testing.T) {
		c := traceClient(t, tr)
		feed(t, c, sh)
		fl := append([]byte(nil), tr["server_flight_record"]...)
		fl[len(fl)-1] ^= 0x80
		expectFail(t, c, fl, ErrBadRecordMAC, AlertBadRecordMAC)
	})
	t.Run("downgrade sentinel", func(t *testing.T) {
		c := traceClient(t, tr)
		expectFail(t, c, mod(func(b []byte) { copy(b[rnd+24:], "DOWNGRD\x01") }), ErrDowngrade, AlertIllegalParameter)
	})
	t.Run("HelloRetryRequest", func(t *testing.T) {
		c := traceClient(t, tr)
		expectFail(t, c, mod(func(b []byte) { copy(b[rnd:], helloRetryRandom[:]) }), ErrHelloRetry, AlertIllegalParameter)
	})
	t.Run("suite not offered", func(t *testing.T) {
		c := traceClient(t, tr)
		// cipher_suite follows the random and the empty session id.
		expectFail(t, c, mod(func(b []byte) { b[rnd+33+1] = 0x04 }), ErrUnsupportedSuite, AlertIllegalParameter)
	})
	t.Run("group without key share", func(t *testing.T) {
		c := traceClient(t, tr)
		i := bytes.Index(sh, []byte{0x00, 0x33, 0x00, 0x24, 0x00, 0x1d})
		expectFail(t, c, mod(func(b []byte) { b[i+5] = 0x17 }), ErrUnsupportedGroup, AlertIllegalParameter)
	})
	t.Run("truncation", func(t *testing.T) {
		c := traceClient(t, tr)
		feed(t, c, sh)
		feed(t, c, tr["server_flight_record"])
		drain(c)
		feed(t, c, tr["server_nst_record"])
		feed(t, c, tr["server_app_record"][:30])
		c.InputEOF()
		if !errors.Is(c.Err(), ErrTruncated) {
			t.Fatalf("Err = %v", c.Err())
		}
	})
	t.Run("bad Finished", func(t *testing.T) {
		// Corrupt the server Finished inside the flight and re-seal it
		// with the trace's server handshake key.
		c := traceClient(t, tr)
		feed(t, c, sh)
		var h halfConn
		if err := h.set(suiteByID(0x1301), tr["s_hs_traffic"]); err != nil {
			t.Fatal(err)
		}
		fl := tr["server_flight_record"]
		pt, err := h.aead.Open(nil, h.nextNonce(), fl[5:], fl[:5])
		if err != nil {
			t.Fatal(err)
		}
		pt[len(pt)-2] ^= 1 // last byte of verify_data; the final byte is the type
		h.seq = 0
		rec := append([]byte(nil), fl[:5]...)
		rec = h.aead.Seal(rec, h.nextNonce(), pt, fl[:5])
		expectFail(t, c, rec, ErrBadFinished, AlertDecryptError)
	})
	t.Run("peer alert", func(t *testing.T) {
		c := traceClient(t, tr)
		c.Input([]byte{21, 3, 3, 0, 2, 2, 40})
		var e *Error
		if !errors.As(c.Err(), &e) || !e.Remote || e.Alert != AlertHandshakeFailure || !errors.Is(c.Err(), ErrPeerAlert) {
			t.Fatalf("Err = %v", c.Err())
		}
	})
}
