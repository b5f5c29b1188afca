package tlsx

import (
	"testing"
)

// FuzzClientInput feeds arbitrary bytes to a client that has just sent the
// RFC 8448 ClientHello, after the trace's ServerHello (so the bytes meet
// the encrypted-record path), split at an arbitrary point.
func FuzzClientInput(f *testing.F) {
	tr := loadTrace(f)
	f.Add(tr["server_hello_record"], uint16(0), false)
	f.Add(tr["server_flight_record"], uint16(100), true)
	f.Add([]byte{21, 3, 3, 0, 2, 2, 40}, uint16(3), false)
	f.Add([]byte{20, 3, 3, 0, 1, 1}, uint16(0), true)
	f.Fuzz(func(t *testing.T, data []byte, split uint16, afterSH bool) {
		c, err := NewClient(traceConfig(tr))
		if err != nil {
			t.Fatal(err)
		}
		drain(c)
		if afterSH {
			c.Input(tr["server_hello_record"])
		}
		k := int(split) % (len(data) + 1)
		c.Input(data[:k])
		c.Input(data[k:])
		c.ReadLease()
		c.Consume(1 << 20)
		c.InputEOF()
		c.Write([]byte("x"))
		drain(c)
	})
}

// FuzzRecordLayer feeds arbitrary records to an engine in the connected
// state, and also seals the input as one record so the fuzzer reaches the
// inner content type, padding and post-handshake message code.
func FuzzRecordLayer(f *testing.F) {
	f.Add([]byte{23, 3, 3, 0, 17, 1, 2, 3}, []byte("hello\x17"))
	f.Add([]byte{}, []byte{typeKeyUpdate, 0, 0, 1, 1, 22, 0, 0})
	f.Add([]byte{}, []byte{typeNewSessionTicket, 0, 0, 13, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 9, 0, 0, 22})
	f.Add([]byte{}, []byte{2, 0, 21})
	f.Add([]byte{}, []byte{0, 0, 0})
	f.Fuzz(func(t *testing.T, raw, inner []byte) {
		a, b := connectedPair(t, TLS_AES_128_GCM_SHA256)
		b.Input(raw)
		b.ReadLease()
		if len(inner) > maxPlaintext {
			inner = inner[:maxPlaintext]
		}
		lease := a.writeLease()
		n := copy(lease, inner)
		if n > 0 {
			// Seal with the last byte as the "type": the fuzzer picks it.
			a.sealRecord(inner[n-1], n-1)
		}
		_, b2 := connectedPair(t, TLS_AES_128_GCM_SHA256)
		b2.Input(a.OutputLease())
		for i := 0; i < 4; i++ {
			l, err := b2.ReadLease()
			if err != nil {
				break
			}
			b2.Consume(len(l))
		}
		b2.Write([]byte("y"))
	})
}

func FuzzParseServerHello(f *testing.F) {
	tr := loadTrace(f)
	f.Add(tr["server_hello_record"][9:])
	f.Fuzz(func(t *testing.T, b []byte) { parseServerHello(b) })
}

func FuzzParseEncryptedExtensions(f *testing.F) {
	f.Add([]byte{0x00, 0x22, 0x00, 0x0a, 0x00, 0x14, 0x00, 0x12, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19,
		0x01, 0x00, 0x01, 0x01, 0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x1c, 0x00, 0x02, 0x40, 0x01, 0x00, 0x00, 0x00, 0x00})
	f.Add([]byte{0, 11, 0, 16, 0, 7, 0, 5, 4, 'h', 't', 't', 'p'})
	f.Fuzz(func(t *testing.T, b []byte) { parseEncryptedExtensions(b) })
}

func FuzzParseCertificate(f *testing.F) {
	f.Add([]byte{0, 0, 0, 7, 0, 0, 2, 0x30, 0x00, 0, 0})
	f.Add([]byte{1, 9, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) { parseCertificate(b) })
}

func FuzzParseCertificateVerify(f *testing.F) {
	f.Add([]byte{8, 4, 0, 2, 1, 2})
	f.Fuzz(func(t *testing.T, b []byte) { parseCertificateVerify(b) })
}

// FuzzParseCertificateRequest: the client's CertificateRequest parser
// never panics, and what it accepts has signature_algorithms and copies
// (not slices of the input, which lives in the receive buffer).
func FuzzParseCertificateRequest(f *testing.F) {
	f.Add([]byte{0, 0, 8, 0, 13, 0, 4, 0, 2, 4, 3})
	f.Add(marshalCertificateRequest(defaultSigAlgs, [][]byte{{0x30, 0}, {0x30, 1, 2}})[4:])
	f.Add([]byte{2, 9, 9, 0, 10, 0, 47, 0, 6, 0, 4, 0, 2, 0x30, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		in := append([]byte(nil), b...)
		cr, e := parseCertRequestFull(in)
		if e != nil {
			return
		}
		if len(cr.sigAlgs) == 0 {
			t.Fatal("accepted without signature_algorithms")
		}
		for i := range in {
			in[i] ^= 0xff
		}
		again, e := parseCertRequestFull(b)
		if e != nil || string(again.ctx) != string(cr.ctx) || len(again.cas) != len(cr.cas) {
			t.Fatal("parsed result shares memory with its input")
		}
		for i := range cr.cas {
			if string(cr.cas[i]) != string(again.cas[i]) {
				t.Fatal("parsed CA shares memory with its input")
			}
		}
	})
}

func FuzzParseNewSessionTicket(f *testing.F) {
	f.Add([]byte{0, 0, 0, 30, 0xfa, 0xd6, 0xaa, 0xc5, 2, 0, 0, 0, 3, 1, 2, 3, 0, 8, 0, 0x2a, 0, 4, 0, 0, 4, 0})
	f.Fuzz(func(t *testing.T, b []byte) { parseNewSessionTicket(b) })
}
