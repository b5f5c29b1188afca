package dns

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/seed947b3480/legation/internal/fixture"
	"golang.org/x/net/dns/dnsmessage"
)

// feedFrame feeds stream to a tcpFrame over a buffer of max bytes, chunk
// bytes at a time (the last piece may be shorter), stopping at the end of
// the message or an error. It returns the bytes used, whether the message
// is whole, and the error.
func feedFrame(f *tcpFrame, stream []byte, chunk int) (used int, done bool, err error) {
	for used < len(stream) && !f.done() {
		piece := stream[used:min(used+chunk, len(stream))]
		n, err := f.write(piece)
		if n < 0 || n > len(piece) {
			panic("write used more than it was given")
		}
		used += n
		if err != nil {
			return used, false, err
		}
		if n < len(piece) && !f.done() {
			panic("write left bytes of an unfinished message")
		}
	}
	return used, f.done(), nil
}

// refFrame is the framing as RFC 1035 4.2.2 states it, for comparison:
// what a tcpFrame over max bytes must make of stream, given all at once.
func refFrame(stream []byte, max int) (used int, msg []byte, done bool, err error) {
	if len(stream) < 2 {
		return len(stream), nil, false, nil
	}
	size := int(binary.BigEndian.Uint16(stream))
	switch {
	case size < dnsHeaderLen:
		return 2, nil, false, ErrTCPBadLength
	case size > max:
		return 2, nil, false, ErrTCPTooLarge
	case len(stream) < 2+size:
		return len(stream), nil, false, nil
	}
	return 2 + size, stream[2 : 2+size], true, nil
}

// The framing reads the message, split anyhow, and not a byte beyond it;
// a length too short for a header or longer than the buffer is refused
// from the prefix alone.
func TestTCPFrame(t *testing.T) {
	msg := bytes.Repeat([]byte{0xab}, 40)
	for _, tc := range []struct {
		name   string
		stream []byte
		max    int
		used   int
		done   bool
		err    error
	}{
		{"whole", framed(msg), 512, 42, true, nil},
		{"with more after", append(framed(msg), framed(msg)...), 512, 42, true, nil},
		{"exactly max", framed(msg), 40, 42, true, nil},
		{"header only", framed(msg[:12]), 512, 14, true, nil},
		{"one over max", framed(msg), 39, 2, false, ErrTCPTooLarge},
		{"length 65535", []byte{0xff, 0xff, 1, 2, 3}, 65534, 2, false, ErrTCPTooLarge},
		{"zero length", []byte{0, 0, 1, 2}, 512, 2, false, ErrTCPBadLength},
		{"below a header", framed(msg[:11]), 512, 2, false, ErrTCPBadLength},
		{"empty", nil, 512, 0, false, nil},
		{"half a prefix", []byte{0}, 512, 1, false, nil},
		{"cut in the message", framed(msg)[:30], 512, 30, false, nil},
	} {
		for _, chunk := range []int{1, 2, 3, 7, 1 << 16} {
			f := tcpFrame{buf: make([]byte, tc.max)}
			used, done, err := feedFrame(&f, tc.stream, chunk)
			if used != tc.used || done != tc.done || err != tc.err {
				t.Fatalf("%s in %d-byte pieces: used %d done %v err %v; want %d %v %v", tc.name, chunk, used, done, err, tc.used, tc.done, tc.err)
			}
			if done && !bytes.Equal(f.message(), tc.stream[2:used]) {
				t.Fatalf("%s in %d-byte pieces: message %x", tc.name, chunk, f.message())
			}
			if err != nil {
				if n, again := f.write([]byte{0, 20}); n != 0 || again != err {
					t.Fatalf("%s: after the error write used %d and said %v", tc.name, n, again)
				}
			}
		}
	}
	// Reset reads the next message with the same buffer.
	f := tcpFrame{buf: make([]byte, 64)}
	stream := append(framed(msg), framed(msg[:20])...)
	used, _, _ := feedFrame(&f, stream, 5)
	f.reset()
	if n, done, err := feedFrame(&f, stream[used:], 5); n != 22 || !done || err != nil || len(f.message()) != 20 {
		t.Fatalf("second message: used %d done %v err %v len %d", n, done, err, len(f.message()))
	}
}

// FuzzTCPFrame checks the framing against refFrame on any stream, any
// buffer size and any split. The input's first byte picks the size of the
// pieces (1 to 32 bytes), the next two the buffer's size (0 to 2047), and
// the rest is the stream.
func FuzzTCPFrame(f *testing.F) {
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 3 {
			return
		}
		chunk := int(in[0])%32 + 1
		max := int(binary.BigEndian.Uint16(in[1:])) % 2048
		stream := in[3:]
		fr := tcpFrame{buf: make([]byte, max)}
		used, done, err := feedFrame(&fr, stream, chunk)
		wUsed, wMsg, wDone, wErr := refFrame(stream, max)
		if used != wUsed || done != wDone || err != wErr {
			t.Fatalf("max %d, %d-byte pieces: used %d done %v err %v; want %d %v %v", max, chunk, used, done, err, wUsed, wDone, wErr)
		}
		if done && !bytes.Equal(fr.message(), wMsg) {
			t.Fatalf("message %x, want %x", fr.message(), wMsg)
		}
		if len(fr.message()) > max {
			t.Fatalf("message of %d bytes in a buffer of %d", len(fr.message()), max)
		}
	})
}

const tcpFrameCorpusDir = "testdata/fuzz/FuzzTCPFrame"

// tcpFrameSeeds sit on each check of the framing: whole, split, cut, at
// and past the bound, zero and short lengths, a message followed by more.
func tcpFrameSeeds() map[string][]byte {
	seed := func(chunk byte, max uint16, stream []byte) []byte {
		return append([]byte{chunk - 1, byte(max >> 8), byte(max)}, stream...)
	}
	q := &dnsMsg{Header: dnsmessage.Header{ID: 0x1234}, Questions: []dnsmessage.Question{{Name: dnsmessage.MustNewName("host.test."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}}}
	msg := reply(q, rcodeOK, demoZone[:2], nil, nil)
	return map[string][]byte{
		"whole":              seed(32, 512, framed(msg)),
		"byte-by-byte":       seed(1, 512, framed(msg)),
		"prefix-split":       seed(1, 512, framed(msg)[:1]),
		"cut":                seed(7, 512, framed(msg)[:len(msg)-3]),
		"exactly-max":        seed(5, uint16(len(msg)), framed(msg)),
		"one-over-max":       seed(5, uint16(len(msg)-1), framed(msg)),
		"zero-length":        seed(3, 512, []byte{0, 0, 0, 0}),
		"below-header":       seed(3, 512, framed(msg[:11])),
		"header-only":        seed(3, 512, framed(msg[:12])),
		"max-length-prefix":  seed(2, 2047, []byte{0xff, 0xff, 1}),
		"two-messages":       seed(9, 512, append(framed(msg), framed(msg)...)),
		"empty-stream":       seed(1, 512, nil),
		"zero-buffer":        seed(4, 0, framed(msg)),
		"pieces-of-sixteen":  seed(16, 1024, framed(msg)),
		"prefix-then-cutoff": seed(2, 1024, []byte{0x01, 0x00}),
	}
}

// The checked-in corpus of FuzzTCPFrame holds every seed; with
// -update-corpus the test writes it.
func TestFuzzCorpusTCPFrame(t *testing.T) {
	seeds := tcpFrameSeeds()
	fixture.SyncCorpus(t, tcpFrameCorpusDir, seeds, *updateCorpus, "go test ./dns -run TestFuzzCorpus -update-corpus")
}
