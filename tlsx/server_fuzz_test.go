package tlsx

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"
)

// detRand is a deterministic byte stream for fuzzing: SHA-256 in counter
// mode. Not for keys anyone relies on.
type detRand struct {
	n   uint64
	buf []byte
}

func (r *detRand) Read(p []byte) (int, error) {
	for i := range p {
		if len(r.buf) == 0 {
			var c [8]byte
			binary.BigEndian.PutUint64(c[:], r.n)
			r.n++
			s := sha256.Sum256(c[:])
			r.buf = s[:]
		}
		p[i] = r.buf[0]
		r.buf = r.buf[1:]
	}
	return len(p), nil
}

func FuzzParseClientHello(f *testing.F) {
	h, _ := goodHello(f)
	f.Add(h.marshal())
	h.set(extALPN, extALPNList("h2", "http/1.1"))
	h.set(extRecordSizeLimit, []byte{0x40, 1})
	h.set(extPSKModes, []byte{1, 1})
	h.set(extPreSharedKey, pskExt([]byte("ticket"), 7, make([]byte, 32)))
	f.Add(h.marshal())
	f.Add([]byte{1, 0, 0, 4, 3, 3, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseClientHello(b)
		if (m == nil) == (err == nil) {
			t.Fatal("exactly one of hello and error must be set")
		}
		if m != nil && len(m.exts) > maxHelloExtensions {
			t.Fatal("extension bound")
		}
	})
}

// FuzzServerInput feeds fuzzed bytes to a whole server (tickets and client
// certificates on, HelloRetryRequest possible), optionally after a valid
// ClientHello so the bytes meet the encrypted handshake path, split at an
// arbitrary point; with a 64-byte record_size_limit for half the splits.
func FuzzServerInput(f *testing.F) {
	p := getServerPKI(f)
	h, _ := goodHello(f)
	good := helloRecord(h.marshal())
	f.Add(good, uint16(0), false)
	f.Add(good, uint16(30), false)
	f.Add([]byte{22, 3, 3, 0, 4, 20, 0, 0, 0}, uint16(2), true)
	f.Add([]byte{20, 3, 3, 0, 1, 1, 23, 3, 3, 0, 20, 1, 2, 3}, uint16(6), true)
	f.Add([]byte{21, 3, 3, 0, 2, 2, 40}, uint16(0), true)
	keys, _ := NewTicketKeys(&detRand{})
	f.Fuzz(func(t *testing.T, data []byte, split uint16, afterHello bool) {
		cfg := serverConfig(p, "ecdsa-p256")
		cfg.Rand, cfg.TicketKeys = &detRand{}, keys
		cfg.ClientAuth, cfg.ClientCAs = VerifyClientCertIfGiven, p.clientCAs
		cfg.NextProtos = []string{"h2"}
		if split%2 == 1 {
			cfg.Groups = []Group{P256} // the good hello then gets a HelloRetryRequest
		}
		if split%4 >= 2 {
			cfg.RecordSizeLimit = 64 // hellos streamed through a tiny buffer
		}
		c, err := NewServer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if afterHello {
			c.Input(good)
			c.ConsumeOutput(c.Pending())
		}
		k := int(split) % (len(data) + 1)
		c.Input(data[:k])
		c.Input(data[k:])
		c.ReadLease()
		c.Consume(1 << 20)
		c.Write([]byte("x"))
		c.KeyUpdate(true)
		c.InputEOF()
		c.ConsumeOutput(c.Pending())
	})
}
