package lnetopeer

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"os"

	"github.com/seed947b3480/legation/hal/pcap"
)

// checkWire reads a pcap and checks every TCP payload sent from src to the
// given port pair against want at the offset its sequence number says
// (relative to the SYN's). It reports the first mismatch, so a corrupted
// stream can be blamed on the sender (bad bytes on the wire) or the receiver
// (good bytes on the wire, bad bytes delivered).
func checkWire(path string, src netip.Addr, want []byte) (segments int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r, err := pcap.NewReader(f)
	if err != nil {
		return 0, err
	}
	var isn uint32
	haveISN := false
	for i := 1; ; i++ {
		_, fr, err := r.Next()
		if err == io.EOF {
			return segments, nil
		}
		if err != nil {
			return segments, err
		}
		if len(fr) < 14+20 || binary.BigEndian.Uint16(fr[12:]) != 0x0800 {
			continue
		}
		ip := fr[14:]
		ihl := int(ip[0]&0xf) * 4
		tot := int(binary.BigEndian.Uint16(ip[2:]))
		if ip[9] != 6 || netip.AddrFrom4([4]byte(ip[12:16])) != src || tot > len(ip) {
			continue
		}
		tcp := ip[ihl:tot]
		doff := int(tcp[12]>>4) * 4
		seq := binary.BigEndian.Uint32(tcp[4:])
		flags := tcp[13]
		if flags&0x02 != 0 { // SYN
			isn, haveISN = seq, true
			continue
		}
		payload := tcp[doff:]
		if len(payload) == 0 || !haveISN {
			continue
		}
		segments++
		off := int(seq - isn - 1)
		if off < 0 || off+len(payload) > len(want) {
			return segments, fmt.Errorf("frame %d: payload at offset %d+%d outside the %d-byte stream", i, off, len(payload), len(want))
		}
		if !bytes.Equal(payload, want[off:off+len(payload)]) {
			return segments, fmt.Errorf("frame %d: %d bytes at stream offset %d differ from what was written", i, len(payload), off)
		}
	}
}

// firstDiff returns the first offset where a and b differ, or -1.
func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}
