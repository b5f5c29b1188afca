package tlsx

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// rawHello builds ClientHellos field by field, so tests can break any
// rule on purpose.
type rawHello struct {
	version   uint16
	random    []byte
	sessionID []byte
	suites    []uint16
	comp      []byte
	exts      []helloExt
	noExts    bool
}

func (h *rawHello) marshal() []byte {
	var b cryptobyte.Builder
	b.AddUint8(typeClientHello)
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint16(h.version)
		b.AddBytes(h.random)
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(h.sessionID) })
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, s := range h.suites {
				b.AddUint16(s)
			}
		})
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(h.comp) })
		if h.noExts {
			return
		}
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, e := range h.exts {
				b.AddUint16(e.typ)
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(e.data) })
			}
		})
	})
	return b.BytesOrPanic()
}

// set replaces (or appends) extension typ; nil data removes it.
func (h *rawHello) set(typ uint16, data []byte) *rawHello {
	for i, e := range h.exts {
		if e.typ == typ {
			if data == nil {
				h.exts = append(h.exts[:i:i], h.exts[i+1:]...)
			} else {
				h.exts[i].data = data
			}
			return h
		}
	}
	if data != nil {
		h.exts = append(h.exts, helloExt{typ, data})
	}
	return h
}

func build(f func(b *cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	f(&b)
	return b.BytesOrPanic()
}

func u16List(vs ...uint16) []byte {
	return build(func(b *cryptobyte.Builder) {
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, v := range vs {
				b.AddUint16(v)
			}
		})
	})
}

func extVersions(vs ...uint16) []byte {
	return build(func(b *cryptobyte.Builder) {
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, v := range vs {
				b.AddUint16(v)
			}
		})
	})
}

func extShares(ks ...keyShare) []byte {
	return build(func(b *cryptobyte.Builder) {
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, k := range ks {
				b.AddUint16(uint16(k.group))
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(k.pub) })
			}
		})
	})
}

func extALPNList(ps ...string) []byte {
	return build(func(b *cryptobyte.Builder) {
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, p := range ps {
				b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(p)) })
			}
		})
	})
}

func extSNI(name string) []byte {
	return build(func(b *cryptobyte.Builder) {
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint8(0)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(name)) })
		})
	})
}

// goodHello is a valid TLS 1.3 ClientHello with an X25519 share.
func goodHello(t testing.TB) (*rawHello, *ecdh.PrivateKey) {
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h := &rawHello{version: 0x0303, random: bytes.Repeat([]byte{7}, 32), sessionID: bytes.Repeat([]byte{9}, 32),
		suites: []uint16{TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256}, comp: []byte{0}}
	h.set(extServerName, extSNI("server.test"))
	h.set(extSupportedGroups, u16List(uint16(X25519), uint16(P256)))
	h.set(extKeyShare, extShares(keyShare{X25519, k.PublicKey().Bytes()}))
	h.set(extSupportedVersions, extVersions(0x7a7a, versionTLS13))
	h.set(extSignatureAlgorithms, u16List(sigRSAPSSRSAE256, sigECDSAP256SHA256, sigEd25519))
	return h, k
}

// helloRecord wraps a handshake message in a plaintext record.
func helloRecord(msg []byte) []byte {
	return append([]byte{contentHandshake, 3, 1, byte(len(msg) >> 8), byte(len(msg))}, msg...)
}

// lastAlert is the alert description at the end of c's output, if the
// output ends with a plaintext alert record.
func lastAlert(c *Conn) (Alert, bool) {
	out := c.OutputLease()
	if len(out) < 7 || out[len(out)-7] != contentAlert {
		return 0, false
	}
	return Alert(out[len(out)-1]), true
}

func TestServerClientHelloRules(t *testing.T) {
	p := getServerPKI(t)
	cases := []struct {
		name  string
		edit  func(h *rawHello)
		cfg   func(c *Config)
		want  error
		alert Alert
	}{
		{"valid", func(h *rawHello) {}, nil, nil, 0},
		{"valid, GREASE and unknown extensions", func(h *rawHello) {
			h.set(0x0a0a, []byte{}).set(0xfe0d, []byte{1, 2, 3})
			h.suites = append([]uint16{0x2a2a}, h.suites...)
		}, nil, nil, 0},
		{"no supported_versions", func(h *rawHello) { h.set(extSupportedVersions, nil) }, nil, ErrProtocolVersion, AlertProtocolVersion},
		{"TLS 1.2 only", func(h *rawHello) { h.set(extSupportedVersions, extVersions(0x0303, 0x0302)) }, nil, ErrProtocolVersion, AlertProtocolVersion},
		{"legacy_version 0x0301", func(h *rawHello) { h.version = 0x0301 }, nil, ErrProtocolVersion, AlertProtocolVersion},
		{"no extensions", func(h *rawHello) { h.noExts = true }, nil, ErrProtocolVersion, AlertProtocolVersion},
		{"compression [1]", func(h *rawHello) { h.comp = []byte{1} }, nil, ErrIllegalParameter, AlertIllegalParameter},
		{"compression [0 1]", func(h *rawHello) { h.comp = []byte{0, 1} }, nil, ErrIllegalParameter, AlertIllegalParameter},
		{"no compression", func(h *rawHello) { h.comp = nil }, nil, ErrDecode, AlertDecodeError},
		{"no suites", func(h *rawHello) { h.suites = nil }, nil, ErrDecode, AlertDecodeError},
		{"no common suite", func(h *rawHello) { h.suites = []uint16{0x1305, 0xc02f} }, nil, ErrUnsupportedSuite, AlertHandshakeFailure},
		{"session id 33 bytes", func(h *rawHello) { h.sessionID = make([]byte, 33) }, nil, ErrDecode, AlertDecodeError},
		{"duplicate extension", func(h *rawHello) { h.exts = append(h.exts, h.exts[1]) }, nil, ErrIllegalParameter, AlertIllegalParameter},
		{"pre_shared_key not last", func(h *rawHello) {
			h.set(extPSKModes, []byte{1, 1})
			h.set(extPreSharedKey, pskExt([]byte("ticket"), 0, make([]byte, 32)))
			h.set(extALPN, extALPNList("h2"))
		}, nil, ErrIllegalParameter, AlertIllegalParameter},
		{"no key_share", func(h *rawHello) { h.set(extKeyShare, nil) }, nil, ErrDecode, AlertMissingExtension},
		{"no supported_groups", func(h *rawHello) { h.set(extSupportedGroups, nil) }, nil, ErrDecode, AlertMissingExtension},
		{"no signature_algorithms", func(h *rawHello) { h.set(extSignatureAlgorithms, nil) }, nil, ErrDecode, AlertMissingExtension},
		{"share for unoffered group", func(h *rawHello) { h.set(extSupportedGroups, u16List(uint16(P256))) }, nil, ErrIllegalParameter, AlertIllegalParameter},
		{"two shares for one group", func(h *rawHello) {
			k, _ := ecdh.X25519().GenerateKey(rand.Reader)
			h.set(extKeyShare, extShares(keyShare{X25519, k.PublicKey().Bytes()}, keyShare{X25519, k.PublicKey().Bytes()}))
		}, nil, ErrIllegalParameter, AlertIllegalParameter},
		{"low-order X25519 share", func(h *rawHello) { h.set(extKeyShare, extShares(keyShare{X25519, make([]byte, 32)})) }, nil, ErrIllegalParameter, AlertIllegalParameter},
		{"bad P-256 share", func(h *rawHello) {
			h.set(extKeyShare, extShares(keyShare{P256, append([]byte{4}, make([]byte, 64)...)}))
		}, func(c *Config) { c.Groups = []Group{P256} }, ErrIllegalParameter, AlertIllegalParameter},
		{"no common group", func(h *rawHello) {
			h.set(extSupportedGroups, u16List(uint16(X25519), 0x0018))
		}, func(c *Config) { c.Groups = []Group{P256} }, ErrUnsupportedGroup, AlertHandshakeFailure},
		{"no scheme for our key", func(h *rawHello) { h.set(extSignatureAlgorithms, u16List(0x0401, 0x0503)) }, nil, ErrHandshakeFailure, AlertHandshakeFailure},
		{"record_size_limit 63", func(h *rawHello) { h.set(extRecordSizeLimit, []byte{0, 63}) }, nil, ErrIllegalParameter, AlertIllegalParameter},
		{"record_size_limit 64", func(h *rawHello) { h.set(extRecordSizeLimit, []byte{0, 64}) }, nil, nil, 0},
		{"SNI with a control byte", func(h *rawHello) { h.set(extServerName, extSNI("a\x01b")) }, nil, ErrDecode, AlertDecodeError},
		{"empty ALPN name", func(h *rawHello) { h.set(extALPN, extALPNList("")) }, nil, ErrDecode, AlertDecodeError},
		{"ALPN no overlap", func(h *rawHello) { h.set(extALPN, extALPNList("h2")) },
			func(c *Config) { c.NextProtos = []string{"mqtt"} }, ErrNoALPN, AlertNoApplicationProtocol},
		{"PSK without modes", func(h *rawHello) {
			h.set(extPreSharedKey, pskExt([]byte("ticket"), 0, make([]byte, 32)))
		}, func(c *Config) { c.TicketKeys, _ = NewTicketKeys(nil) }, ErrDecode, AlertMissingExtension},
		{"unknown ticket: full handshake", func(h *rawHello) {
			h.set(extPSKModes, []byte{1, 1})
			h.set(extPreSharedKey, pskExt([]byte("not a ticket of ours"), 0, make([]byte, 32)))
		}, func(c *Config) { c.TicketKeys, _ = NewTicketKeys(nil) }, nil, 0},
		{"binders count mismatch", func(h *rawHello) {
			h.set(extPSKModes, []byte{1, 1})
			d := pskExt([]byte("t"), 0, make([]byte, 32))
			h.set(extPreSharedKey, append(d[:len(d)-35:len(d)-35], 0, 0))
		}, nil, ErrDecode, AlertDecodeError},
		{"unknown empty extension", func(h *rawHello) { h.exts = append(h.exts, helloExt{0x1234, nil}) }, nil, nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := goodHello(t)
			tc.edit(h)
			cfg := serverConfig(p, "ecdsa-p256")
			if tc.cfg != nil {
				tc.cfg(cfg)
			}
			c, err := NewServer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			c.Input(helloRecord(h.marshal()))
			if tc.want == nil {
				if c.Err() != nil || c.srv.state != srvWaitFinished || c.Pending() == 0 {
					t.Fatalf("Err %v state %d pending %d", c.Err(), c.srv.state, c.Pending())
				}
				return
			}
			if !errors.Is(c.Err(), tc.want) {
				t.Fatalf("Err = %v, want %v", c.Err(), tc.want)
			}
			if a, ok := lastAlert(c); !ok || a != tc.alert {
				t.Fatalf("alert sent %v (%v), want %v", a, ok, tc.alert)
			}
		})
	}
}

// pskExt is a pre_shared_key extension body with one identity.
func pskExt(identity []byte, age uint32, binder []byte) []byte {
	return build(func(b *cryptobyte.Builder) {
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(identity) })
			b.AddUint32(age)
		})
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(binder) })
		})
	})
}

func TestServerMalformedRecords(t *testing.T) {
	p := getServerPKI(t)
	h, _ := goodHello(t)
	msg := h.marshal()
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"Finished first", helloRecord([]byte{typeFinished, 0, 0, 0}), ErrUnexpectedMessage},
		{"application data first", []byte{contentAppData, 3, 3, 0, 1, 0}, ErrUnexpectedMessage},
		{"hello split, then EOF", helloRecord(append([]byte{1, 0, 1, 0}, msg[4:]...)), ErrTruncated},
		{"hello over MaxHandshakeMessage", helloRecord(append([]byte{1, 2, 0, 0}, msg[4:]...)), ErrDecode},
		{"hello shorter than its length", helloRecord(append([]byte{1, 0, 0, 10}, msg[4:14]...)[:14]), ErrDecode},
		{"record version 2", append([]byte{22, 2, 0, 0, 1}, 1), ErrDecode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewServer(serverConfig(p, "ecdsa-p256"))
			if err != nil {
				t.Fatal(err)
			}
			c.Input(tc.in)
			c.InputEOF()
			if !errors.Is(c.Err(), tc.want) {
				t.Fatalf("Err = %v, want %v", c.Err(), tc.want)
			}
		})
	}
}

// TestServerRecordSizeLimit: a client's record_size_limit of 64 leaves the
// ServerHello whole and bounds every protected record to 63 bytes of
// plaintext plus the content type; ours is announced back.
func TestServerRecordSizeLimit(t *testing.T) {
	p := getServerPKI(t)
	h, _ := goodHello(t)
	h.set(extRecordSizeLimit, []byte{0, 64})
	c, err := NewServer(serverConfig(p, "ecdsa-p256"))
	if err != nil {
		t.Fatal(err)
	}
	c.Input(helloRecord(h.marshal()))
	out := c.OutputLease()
	records := 0
	for len(out) >= 5 {
		typ, n := out[0], int(out[3])<<8|int(out[4])
		if records == 0 && (typ != contentHandshake || out[5] != typeServerHello || n < 90) {
			t.Fatalf("first record: type %d, %d bytes", typ, n)
		}
		if typ == contentAppData && n > 64+16 {
			t.Fatalf("protected record of %d bytes", n)
		}
		out = out[5+n:]
		records++
	}
	if c.Err() != nil || len(out) != 0 || records < 10 || c.maxSend != 63 {
		t.Fatalf("Err %v, %d records, maxSend %d", c.Err(), records, c.maxSend)
	}
}
