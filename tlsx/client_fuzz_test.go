package tlsx

import (
	"bytes"
	"testing"
	"time"
)

// FuzzClientRetryInput feeds arbitrary bytes to a client that offered a
// cached session, so the fuzzer reaches HelloRetryRequest handling,
// ClientHello2 with its recomputed binder and the PSK checks of the
// ServerHello; the split point lets one record end mid-way.
func FuzzClientRetryInput(f *testing.F) {
	random := make([]byte, 32)
	f.Add(hrrRecord(TLS_AES_128_GCM_SHA256, P256, []byte("c")), uint16(7))
	f.Add(append(hrrRecord(TLS_AES_128_GCM_SHA256, P256, nil), hrrRecord(TLS_AES_128_GCM_SHA256, 0, []byte{1})...), uint16(0))
	f.Add(serverHelloRecord(random, 0x1301, X25519, bytes.Repeat([]byte{9}, 32), nil, 0, 41, 0, 2, 0, 0), uint16(50))
	f.Add(hrrRecord(TLS_AES_256_GCM_SHA384, 0, bytes.Repeat([]byte{1}, 300)), uint16(3))
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		cache := NewSessionCache(1)
		cache.Put("s", &Session{suite: TLS_AES_128_GCM_SHA256, ticket: []byte("ticket"), psk: make([]byte, 32),
			lifetime: time.Hour, received: now, verified: true})
		c, err := NewClient(&Config{ServerName: "s", SkipCertificateVerification: true, SessionCache: cache,
			Rand: bytes.NewReader(bytes.Repeat([]byte{7}, 1024)), Time: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		drain(c)
		k := int(split) % (len(data) + 1)
		c.Input(data[:k])
		c.Input(data[k:])
		c.ReadLease()
		c.InputEOF()
		drain(c)
	})
}

func FuzzParsePSKExtClient(f *testing.F) {
	f.Add(append([]byte{0, 10, 0, 4, 't', 'i', 'c', 'k', 0, 0, 0, 1, 0, 33, 32}, make([]byte, 32)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		ids, binders, ok := parsePSKExtClient(b)
		if !ok {
			return
		}
		if len(ids) != len(binders) || len(ids) == 0 {
			t.Fatal("accepted a mismatched list")
		}
		// The binders list ends the extension; truncatedHello must find
		// exactly the identities part.
		if tr, ok := truncatedHello(b, binders); !ok || len(tr) != 2+(int(b[0])<<8|int(b[1])) {
			t.Fatalf("truncatedHello %d bytes of %d", len(tr), len(b))
		}
	})
}

func FuzzParsePSKExtServer(f *testing.F) {
	f.Add([]byte{0, 0})
	f.Fuzz(func(t *testing.T, b []byte) { parsePSKExtServer(b); parsePSKModes(b) })
}

func FuzzParseCertRequestFull(f *testing.F) {
	f.Add(marshalCertificateRequest([]uint16{sigEd25519, sigECDSAP256SHA256}, [][]byte{{0x30, 0}})[4:])
	f.Add([]byte{0, 0, 8, 0, 13, 0, 4, 0, 2, 4, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		cr, e := parseCertRequestFull(b)
		if (cr == nil) == (e == nil) || (cr != nil && len(cr.sigAlgs) == 0) {
			t.Fatal("inconsistent result")
		}
	})
}
