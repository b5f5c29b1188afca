// Command gencorpus writes the seed corpora of the wire package's fuzz
// targets into testdata/fuzz/FuzzXxx, in the "go test fuzz v1" format: every
// layer of every captured frame in testdata/*.hex, plus edge cases that sit
// on each check of the constructors. Run it from the wire directory:
//
//	go run ./testdata/gencorpus
//
// It replaces the files it writes and leaves others (such as crashers the
// fuzzer added) alone.
package main

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/seed947b3480/legation/internal/fixture"
	"github.com/seed947b3480/legation/wire"
)

type corpus map[string]map[string][]byte // target -> seed name -> input

func (c corpus) add(target, name string, b []byte) {
	if c[target] == nil {
		c[target] = map[string][]byte{}
	}
	c[target][name] = append([]byte{}, b...)
}

func loadHex(path string) []byte {
	raw, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	b, err := fixture.ParseHex(raw)
	if err != nil {
		log.Fatalf("%s: %v", path, err)
	}
	return b
}

// addCapture adds each layer of a captured frame to the matching target.
func (c corpus) addCapture(name string, frame []byte) {
	c.add("FuzzEthernet", name, frame)
	f, err := wire.NewEthernetFrame(frame)
	if err != nil {
		log.Fatalf("%s: %v", name, err)
	}
	switch f.EtherType() {
	case wire.EtherTypeARP:
		c.add("FuzzARP", name, f.Payload())
		return
	case wire.EtherTypeIPv4:
	default:
		return
	}
	c.add("FuzzIPv4", name, f.Payload())
	ip, err := wire.NewIPv4Packet(f.Payload())
	if err != nil {
		log.Fatalf("%s: %v", name, err)
	}
	switch ip.Protocol() {
	case wire.IPProtocolICMP:
		c.add("FuzzICMPv4", name, ip.Payload())
	case wire.IPProtocolUDP:
		c.add("FuzzUDP", name, ip.Payload())
	case wire.IPProtocolTCP:
		c.add("FuzzTCP", name, ip.Payload())
		if seg, err := wire.NewTCPPacket(ip.Payload()); err == nil && len(seg.Options()) > 0 {
			c.add("FuzzTCPOptions", name, seg.Options())
		}
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		log.Fatal(err)
	}
	return b
}

func with(b []byte, f func(b []byte)) []byte {
	b = append([]byte{}, b...)
	f(b)
	return b
}

func (c corpus) addEdges(frames map[string][]byte) {
	l3 := func(name string) []byte { return frames[name][wire.EthernetHeaderLen:] }
	l4 := func(name string) []byte { return frames[name][wire.EthernetHeaderLen+wire.IPv4HeaderLen:] }

	c.add("FuzzEthernet", "edge-empty", nil)
	c.add("FuzzEthernet", "edge-13", frames["arp_request"][:13])
	c.add("FuzzEthernet", "edge-header-only", frames["arp_request"][:14])

	arp := l3("arp_request")
	c.add("FuzzARP", "edge-27", arp[:27])
	c.add("FuzzARP", "edge-padded", append(append([]byte{}, arp...), make([]byte, 18)...))
	c.add("FuzzARP", "edge-htype-6", with(arp, func(b []byte) { b[1] = 6 }))
	c.add("FuzzARP", "edge-plen-16", with(arp, func(b []byte) { b[5] = 16 }))

	udp := l3("udp_datagram")
	c.add("FuzzIPv4", "edge-19", udp[:19])
	c.add("FuzzIPv4", "edge-version-6", with(udp, func(b []byte) { b[0] = 0x65 }))
	c.add("FuzzIPv4", "edge-ihl-4", with(udp, func(b []byte) { b[0] = 0x44 }))
	c.add("FuzzIPv4", "edge-ihl-15-short", with(udp, func(b []byte) { b[0] = 0x4f }))
	c.add("FuzzIPv4", "edge-total-below-header", with(udp, func(b []byte) { binary.BigEndian.PutUint16(b[2:], 19) }))
	c.add("FuzzIPv4", "edge-total-past-buffer", with(udp, func(b []byte) { binary.BigEndian.PutUint16(b[2:], 41) }))
	c.add("FuzzIPv4", "edge-padded", append(append([]byte{}, udp...), make([]byte, 6)...))
	c.add("FuzzIPv4", "edge-header-only", with(udp[:20], func(b []byte) {
		p := wire.IPv4Packet(b)
		p.SetTotalLen(20)
		p.FillChecksum()
	}))
	c.add("FuzzIPv4", "edge-checksum-ffff", with(udp, func(b []byte) { binary.BigEndian.PutUint16(b[10:], 0xffff) }))
	c.add("FuzzIPv4", "edge-ttl-0", with(udp, func(b []byte) {
		p := wire.IPv4Packet(b)
		p.SetTTL(0)
		p.FillChecksum()
	}))

	echo := l4("icmp_echo_request")
	c.add("FuzzICMPv4", "edge-7", echo[:7])
	c.add("FuzzICMPv4", "edge-header-only", with(echo[:8], func(b []byte) { wire.ICMPv4Packet(b).FillChecksum() }))
	quoted := l4("icmp_port_unreachable")[8:]
	for _, m := range []struct {
		name string
		typ  wire.ICMPv4Type
		code uint8
		rest uint32
	}{
		{"edge-frag-needed", wire.ICMPv4DestUnreachable, wire.ICMPv4CodeFragNeeded, 576},
		{"edge-time-exceeded", wire.ICMPv4TimeExceeded, 0, 0},
		{"edge-redirect", 5, 1, 0x0a630001},
		{"edge-timestamp", 13, 0, 0x12340001},
	} {
		b := make([]byte, 8+len(quoted))
		b[0], b[1] = byte(m.typ), m.code
		binary.BigEndian.PutUint32(b[4:], m.rest)
		copy(b[8:], quoted)
		wire.ICMPv4Packet(b).FillChecksum()
		c.add("FuzzICMPv4", m.name, b)
	}

	u := l4("udp_datagram")
	c.add("FuzzUDP", "edge-7", u[:7])
	c.add("FuzzUDP", "edge-length-7", with(u, func(b []byte) { binary.BigEndian.PutUint16(b[4:], 7) }))
	c.add("FuzzUDP", "edge-length-past-buffer", with(u, func(b []byte) { binary.BigEndian.PutUint16(b[4:], 21) }))
	c.add("FuzzUDP", "edge-no-checksum", with(u, func(b []byte) { binary.BigEndian.PutUint16(b[6:], 0) }))
	c.add("FuzzUDP", "edge-padded", append(append([]byte{}, u...), 0, 0, 0))

	syn := l4("tcp_syn")
	c.add("FuzzTCP", "edge-19", syn[:19])
	c.add("FuzzTCP", "edge-offset-4", with(syn, func(b []byte) { b[12] = 0x40 }))
	c.add("FuzzTCP", "edge-offset-15-short", with(syn, func(b []byte) { b[12] = 0xf0 }))
	c.add("FuzzTCP", "edge-bad-mss-length", with(syn, func(b []byte) { b[21] = 5 }))
	c.add("FuzzTCP", "edge-reserved-bits", with(syn, func(b []byte) { b[12] |= 0x0f }))
	full := make([]byte, 60+3)
	copy(full, syn[:20])
	full[12] = 0xf0
	copy(full[20:], mustHex("0101080a 00000001 00000002 0101 0522 00000001 00000002 00000003 00000004 00000005 00000006 00000007 00000008"))
	copy(full[60:], "abc")
	c.add("FuzzTCP", "edge-sack4-with-ts", full)

	for name, h := range map[string]string{
		"edge-eol-first":         "00 020405b4",
		"edge-compact-syn":       "020405b4 030307 0402 080a0000000100000002 00",
		"edge-unknown-option":    "1e0400ff 03030a",
		"edge-wscale-15":         "03030f",
		"edge-sack4":             "0101 0522 00000001 00000002 00000003 00000004 00000005 00000006 00000007 00000008",
		"edge-sack5":             "052a 00000001 00000002 00000003 00000004 00000005 00000006 00000007 00000008 00000009 00000009",
		"edge-repeated-sack":     "0512 00000001 00000002 00000003 00000004 050a 00000009 00000009",
		"edge-length-1":          "fe01",
		"edge-length-past-end":   "fe05aabb",
		"edge-kind-without-len":  "02",
		"edge-mss-length-3":      "020305",
		"edge-all-options-sack3": "020405b4 0402 080a 00000001 00000002 0103030e 0101051a 00000001 00000002 00000003 00000004 00000005 00000006",
	} {
		c.add("FuzzTCPOptions", name, mustHex(h))
	}
}

func main() {
	paths, err := filepath.Glob("testdata/*.hex")
	if err != nil || len(paths) == 0 {
		log.Fatalf("no testdata/*.hex here (run from the wire directory): %v", err)
	}
	sort.Strings(paths)
	c := corpus{}
	frames := map[string][]byte{}
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".hex")
		frames[name] = loadHex(p)
		c.addCapture("capture-"+name, frames[name])
	}
	c.addEdges(frames)
	n := 0
	for target, seeds := range c {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			log.Fatal(err)
		}
		for name, b := range seeds {
			if err := os.WriteFile(filepath.Join(dir, name), fixture.CorpusFile(b), 0o644); err != nil {
				log.Fatal(err)
			}
			n++
		}
	}
	fmt.Printf("wrote %d seeds for %d targets\n", n, len(c))
}
