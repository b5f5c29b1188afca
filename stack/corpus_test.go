package stack

import (
	"bytes"
	"flag"
	"net/netip"
	"testing"

	"github.com/seed947b3480/legation/internal/fixture"
	"github.com/seed947b3480/legation/wire"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite testdata/fuzz/FuzzStackInput from fuzzSeeds")

const corpusDir = "testdata/fuzz/FuzzStackInput"

// fuzzSeeds are the inputs FuzzStackInput starts from: valid ARP, ICMP, UDP
// and fragment exchanges, and broken frames of every kind the bad-input
// table knows. They are checked in (go test runs them as regression tests);
// regenerate with go test ./stack -run TestFuzzCorpus -update-corpus.
func fuzzSeeds() map[string][]byte {
	toUs := netip.AddrPortFrom(addrA, 7)
	fromB := netip.AddrPortFrom(addrB, 5000)
	far := netip.MustParseAddr("192.0.2.7")
	arpReq := arpFrame(wire.ARPRequest, macB, addrB, wire.HardwareAddr{}, addrA, wire.BroadcastHW)
	arpReply := arpFrame(wire.ARPReply, macB, addrB, macA, addrA, macA)
	gwReply := from(arpFrame(wire.ARPReply, macG, addrG, macA, addrA, macA), macG)
	echo := echoFrame(addrB, addrA, 1, 1, []byte("ping"))
	dgram := udpFrame(fromB, toUs, []byte("hello"))
	_, big := bigDatagram(9, 3000)
	frags := fragments(addrB, addrA, wire.IPProtocolUDP, 5, big, 1480)
	bigEcho := echoBytes(2, 2, make([]byte, 3000))
	echoFrags := fragments(addrB, addrA, wire.IPProtocolICMP, 6, bigEcho, 1480)
	one := []byte{0}
	slow := []byte{0, 50} // half a second between frames, alternately

	seeds := map[string][]byte{
		"arp-request":          encodeRecords(one, [][]byte{arpReq}),
		"arp-reply-unasked":    encodeRecords(one, [][]byte{arpReply}),
		"echo-unresolved":      encodeRecords(one, [][]byte{echo, echo, echo, echo, arpReply}),
		"echo-resolved":        encodeRecords(one, [][]byte{arpReq, echo}),
		"echo-off-link":        encodeRecords(one, [][]byte{from(echoFrame(far, addrA, 3, 1, nil), macG), gwReply}),
		"udp-echo":             encodeRecords(one, [][]byte{arpReq, dgram, dgram}),
		"udp-echo-unresolved":  encodeRecords(slow, [][]byte{dgram, dgram, dgram, dgram, dgram}),
		"udp-closed-port":      encodeRecords(one, [][]byte{arpReq, udpFrame(fromB, netip.AddrPortFrom(addrA, 9), []byte("x"))}),
		"fragments-in-order":   encodeRecords(one, append([][]byte{arpReq}, frags...)),
		"fragments-reversed":   encodeRecords(one, [][]byte{frags[2], frags[1], frags[0]}),
		"fragments-overlap":    encodeRecords(one, [][]byte{frags[0], frags[0], frags[1], frags[2]}),
		"fragments-timeout":    encodeRecords([]byte{0, 200}, [][]byte{frags[0], frags[1], frags[2]}),
		"fragmented-echo":      encodeRecords(one, append([][]byte{arpReq}, echoFrags...)),
		"fragmented-echo-arp":  encodeRecords(one, append(append([][]byte{}, echoFrags...), arpReply)),
		"unknown-protocol":     encodeRecords(one, [][]byte{arpReq, ipFrame(addrB, addrA, 253, []byte("x"))}),
		"echo-to-broadcast":    encodeRecords(one, [][]byte{withEth(echoFrame(addrB, netip.MustParseAddr("10.0.0.255"), 1, 1, nil), wire.BroadcastHW, macB, wire.EtherTypeIPv4)}),
		"empty-and-oversize":   encodeRecords(one, [][]byte{nil, make([]byte, 1515), make([]byte, 2048)}),
		"udp-to-closed-burst":  encodeRecords(one, repeat(udpFrame(fromB, netip.AddrPortFrom(addrA, 9), nil), 12)),
		"arp-cache-churn":      encodeRecords(one, churn()),
		"short-final-record":   append(encodeRecords(one, [][]byte{arpReq}), 0, 0x05, 0xdc, 1, 2, 3),
		"gratuitous-and-aging": encodeRecords([]byte{0, 255}, [][]byte{arpReq, echo, echo, echo}),
	}
	for _, c := range badInputCases() {
		// The truncations are all one path; keep a handful of them.
		if bytes.HasPrefix([]byte(c.name), []byte("udp truncated to ")) && len(c.frame)%10 != 3 {
			continue
		}
		seeds["bad-"+slug(c.name)] = encodeRecords(one, [][]byte{arpReq, c.frame})
	}
	return seeds
}

func repeat(f []byte, n int) [][]byte {
	fs := make([][]byte, n)
	for i := range fs {
		fs[i] = f
	}
	return fs
}

// churn is echo requests from more hosts than fuzzConfig's ARP cache holds,
// with answers from some of them, to drive eviction.
func churn() [][]byte {
	var fs [][]byte
	for i := 0; i < 6; i++ {
		ip := netip.AddrFrom4([4]byte{10, 0, 0, byte(10 + i)})
		mac := wire.HardwareAddr{0x02, 0, 0, 0, 1, byte(i)}
		fs = append(fs, from(echoFrame(ip, addrA, 9, uint16(i), nil), mac))
		if i%2 == 0 {
			fs = append(fs, from(arpFrame(wire.ARPReply, mac, ip, macA, addrA, macA), mac))
		}
	}
	return fs
}

func slug(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			b[i] = '-'
		}
	}
	return string(b)
}

// The checked-in corpus holds every seed, byte for byte; with
// -update-corpus the test writes it instead.
func TestFuzzCorpus(t *testing.T) {
	seeds := fuzzSeeds()
	fixture.SyncCorpus(t, corpusDir, seeds, *updateCorpus, "go test ./stack -run TestFuzzCorpus -update-corpus")
	if *updateCorpus {
		return
	}
	if len(seeds) < 40 {
		t.Errorf("only %d seeds", len(seeds))
	}
}
