package tlsx

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"
	"time"
)

// TestServerRetryHelloRules: after our HelloRetryRequest the second
// ClientHello must match the first but for the key share (RFC 8446 4.1.2).
func TestServerRetryHelloRules(t *testing.T) {
	p := getServerPKI(t)
	pk, _ := ecdh.P256().GenerateKey(rand.Reader)
	p256Share := extShares(keyShare{P256, pk.PublicKey().Bytes()})
	cases := []struct {
		name string
		edit func(h *rawHello)
		ok   bool
	}{
		{"matching", func(h *rawHello) {}, true},
		{"padding changed", func(h *rawHello) { h.set(extPadding, make([]byte, 40)) }, true},
		{"other random", func(h *rawHello) { h.random = bytes.Repeat([]byte{8}, 32) }, false},
		{"other session id", func(h *rawHello) { h.sessionID = nil }, false},
		{"still X25519", func(h *rawHello) {
			h.set(extKeyShare, nil)
			h.set(extKeyShare, extShares(keyShare{X25519, make([]byte, 32)}))
		}, false},
		{"two shares", func(h *rawHello) {
			h.set(extKeyShare, extShares(keyShare{P256, pk.PublicKey().Bytes()}, keyShare{X25519, bytes.Repeat([]byte{9}, 32)}))
		}, false},
		{"ALPN added", func(h *rawHello) { h.set(extALPN, extALPNList("h2")) }, false},
		{"early_data", func(h *rawHello) { h.set(extEarlyData, []byte{}) }, false},
		{"unsolicited cookie", func(h *rawHello) { h.set(extCookie, []byte{0, 1, 1}) }, false},
		{"signature_algorithms changed", func(h *rawHello) { h.set(extSignatureAlgorithms, u16List(sigECDSAP256SHA256)) }, false},
		{"suites changed", func(h *rawHello) { h.suites = h.suites[:1] }, false},
		{"extension dropped", func(h *rawHello) { h.set(extServerName, nil) }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := serverConfig(p, "ecdsa-p256")
			cfg.Groups = []Group{P256}
			c, err := NewServer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			h, _ := goodHello(t)
			c.Input(helloRecord(h.marshal()))
			out := c.OutputLease()
			// HelloRetryRequest in a plaintext record, then the
			// middlebox-compatibility change_cipher_spec.
			if c.Err() != nil || !c.srv.hrr || len(out) < 5+6+32+6 || out[5] != typeServerHello ||
				!bytes.Equal(out[11:43], helloRetryRandom[:]) || !bytes.Equal(out[len(out)-6:], []byte{20, 3, 3, 0, 1, 1}) {
				t.Fatalf("no HelloRetryRequest: err %v out % x", c.Err(), out)
			}
			c.ConsumeOutput(c.Pending())
			h.set(extKeyShare, p256Share)
			tc.edit(h)
			c.Input([]byte{20, 3, 3, 0, 1, 1}) // the client's own dummy CCS
			c.Input(helloRecord(h.marshal()))
			if tc.ok {
				if c.Err() != nil || c.srv.state != srvWaitFinished {
					t.Fatalf("Err %v state %d", c.Err(), c.srv.state)
				}
				// Only one CCS: none after the ServerHello this time.
				if out := c.OutputLease(); out[0] != contentHandshake || bytes.Contains(out, []byte{20, 3, 3, 0, 1, 1}) {
					t.Fatalf("unexpected output start % x", out[:12])
				}
				return
			}
			if !errors.Is(c.Err(), ErrIllegalParameter) {
				t.Fatalf("Err = %v, want illegal parameter", c.Err())
			}
			if a, ok := lastAlert(c); !ok || a != AlertIllegalParameter {
				t.Fatalf("alert %v", a)
			}
		})
	}
}

// TestServerTicketBinder: a live ticket with a correct binder resumes (no
// Certificate in the flight); a wrong binder is fatal; an expired ticket
// or one issued for another hash falls back to a full handshake.
func TestServerTicketBinder(t *testing.T) {
	p := getServerPKI(t)
	keys, err := NewTicketKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	suite := suiteByID(TLS_AES_128_GCM_SHA256)
	psk := bytes.Repeat([]byte{0x42}, 32)
	mkTicketCert := func(suiteID uint16, created time.Time, pskLen int, clientCert bool) []byte {
		tk, err := keys.seal(&ticketState{suite: suiteID, created: created.Unix(), lifetime: 3600, ageAdd: 1000,
			psk: psk[:pskLen], clientCert: clientCert})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	mkTicket := func(suiteID uint16, created time.Time, pskLen int) []byte {
		return mkTicketCert(suiteID, created, pskLen, false)
	}
	for _, tc := range []struct {
		name    string
		ticket  []byte
		badMAC  bool
		resumed bool
		want    error
		auth    ClientAuth
		age     uint32 // the client's view, in ms
	}{
		{"resumes", mkTicket(TLS_AES_128_GCM_SHA256, now.Add(-time.Minute), 32), false, true, nil, 0, 0},
		{"same hash, other suite", mkTicket(TLS_CHACHA20_POLY1305_SHA256, now.Add(-time.Minute), 32), false, true, nil, 0, 0},
		{"bad binder", mkTicket(TLS_AES_128_GCM_SHA256, now.Add(-time.Minute), 32), true, false, ErrBadFinished, 0, 0},
		{"expired", mkTicket(TLS_AES_128_GCM_SHA256, now.Add(-2*time.Hour), 32), false, false, nil, 0, 0},
		{"SHA-384 ticket", mkTicket(TLS_AES_256_GCM_SHA384, now.Add(-time.Minute), 32), false, false, nil, 0, 0},
		{"forged", append(mkTicket(TLS_AES_128_GCM_SHA256, now, 32)[:40], make([]byte, 60)...), false, false, nil, 0, 0},
		{"client thinks it is 3 h old", mkTicket(TLS_AES_128_GCM_SHA256, now.Add(-time.Minute), 32), false, false, nil, 0, 3 * 3600_000},
		{"mTLS required, ticket without", mkTicket(TLS_AES_128_GCM_SHA256, now.Add(-time.Minute), 32), false, false, nil, RequireAndVerifyClientCert, 0},
		{"mTLS required, ticket with", mkTicketCert(TLS_AES_128_GCM_SHA256, now.Add(-time.Minute), 32, true), false, true, nil, RequireAndVerifyClientCert, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := serverConfig(p, "ecdsa-p256")
			cfg.TicketKeys, cfg.Time = keys, func() time.Time { return now }
			cfg.ClientAuth, cfg.ClientCAs = tc.auth, p.clientCAs
			if tc.age == 0 {
				tc.age = 60_000
			}
			c, err := NewServer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			h, _ := goodHello(t)
			h.set(extPSKModes, []byte{1, 1})
			h.set(extPreSharedKey, pskExt(tc.ticket, obfuscatedAge(tc.age, 1000), make([]byte, 32)))
			msg := h.marshal()
			trunc, ok := truncatedHello(msg, [][]byte{make([]byte, 32)})
			if !ok {
				t.Fatal("truncatedHello")
			}
			th := sha256.Sum256(trunc)
			binder := pskBinder(suite, earlySecret(suite, psk), th[:])
			if tc.badMAC {
				binder[0] ^= 1
			}
			putBinders(msg, [][]byte{binder})
			c.Input(helloRecord(msg))
			if tc.want != nil {
				if !errors.Is(c.Err(), tc.want) {
					t.Fatalf("Err = %v, want %v", c.Err(), tc.want)
				}
				if a, _ := lastAlert(c); a != AlertDecryptError {
					t.Fatalf("alert %v", a)
				}
				return
			}
			if c.Err() != nil || c.DidResume() != tc.resumed {
				t.Fatalf("Err %v resumed %v", c.Err(), c.DidResume())
			}
			// A resumed flight has no certificate: it is much shorter.
			if short := c.Pending() < 400; short != tc.resumed {
				t.Fatalf("flight of %d bytes, resumed %v", c.Pending(), tc.resumed)
			}
		})
	}
}
