package wire

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// allOptionCombos returns every combination of the options TCPOptions
// knows, with 0 to 4 SACK blocks: 160 in all.
func allOptionCombos() []TCPOptions {
	var out []TCPOptions
	for mask := range 32 {
		for nsack := 0; nsack <= 4; nsack++ {
			if mask&16 != 0 && nsack > 0 {
				continue // the 16 bit only stands for "more SACK variants" below
			}
			o := TCPOptions{
				HasMSS: mask&1 != 0, HasWindowScale: mask&2 != 0, SACKPermitted: mask&4 != 0, HasTimestamps: mask&8 != 0,
			}
			if o.HasMSS {
				o.MSS = 1460
			}
			if o.HasWindowScale {
				o.WindowScale = uint8(mask % 15)
			}
			if o.HasTimestamps {
				o.TSVal, o.TSEcr = 0x01020304+uint32(mask), 0xa0b0c0d0
			}
			for i := range nsack {
				o.SACK[i] = SACKBlock{Left: uint32(1000 * (i + 1)), Right: uint32(1000*(i+1) + 500)}
			}
			o.NumSACK = nsack
			out = append(out, o)
		}
	}
	return out
}

// fitted returns o without the SACK blocks that Emit has to drop: the
// layout gives MSS 4 bytes, timestamps 12 (SACK-permitted riding along) or
// SACK-permitted alone 4, window scale 4, and SACK 4 plus 8 per block, and
// blocks go from the end until the total is at most 40.
func fitted(o TCPOptions) TCPOptions {
	n := 0
	if o.HasMSS {
		n += 4
	}
	switch {
	case o.HasTimestamps:
		n += 12
	case o.SACKPermitted:
		n += 4
	}
	if o.HasWindowScale {
		n += 4
	}
	for o.NumSACK > 0 && n+4+8*o.NumSACK > TCPMaxOptionsLen {
		o.NumSACK--
		o.SACK[o.NumSACK] = SACKBlock{}
	}
	return o
}

func TestTCPOptionsRoundTrip(t *testing.T) {
	for _, o := range allOptionCombos() {
		var buf [TCPMaxOptionsLen + 8]byte
		n := o.Emit(buf[:])
		if n != o.Len() || n%4 != 0 || n > TCPMaxOptionsLen {
			t.Fatalf("%+v: Emit %d, Len %d", o, n, o.Len())
		}
		var back TCPOptions
		if err := back.Parse(buf[:n]); err != nil {
			t.Fatalf("%+v: %v (% x)", o, err, buf[:n])
		}
		want := fitted(o)
		if back != want {
			t.Fatalf("round trip\n%+v\n->\n%+v\n(% x)", want, back, buf[:n])
		}
		// Dropped SACK blocks really would not have fit.
		if back.NumSACK < o.NumSACK && n+8 <= TCPMaxOptionsLen {
			t.Fatalf("%+v: dropped a SACK block with %d bytes free", o, TCPMaxOptionsLen-n)
		}
	}
}

// TestTCPOptionsEncoding pins the byte layout, which is Linux's (see the
// SYN in testdata/tcp_syn.hex) and RFC 7323 appendix A's.
func TestTCPOptionsEncoding(t *testing.T) {
	tests := []struct {
		name string
		o    TCPOptions
		want string
	}{
		{"none", TCPOptions{}, ""},
		{"MSS", TCPOptions{HasMSS: true, MSS: 536}, "02040218"},
		{"SYN", TCPOptions{HasMSS: true, MSS: 1460, SACKPermitted: true, HasTimestamps: true, TSVal: 1, TSEcr: 2,
			HasWindowScale: true, WindowScale: 7}, "020405b4" + "0402080a0000000100000002" + "01030307"},
		{"SYN without timestamps", TCPOptions{HasMSS: true, MSS: 1460, SACKPermitted: true, HasWindowScale: true, WindowScale: 7},
			"020405b4" + "01010402" + "01030307"},
		{"timestamps", TCPOptions{HasTimestamps: true, TSVal: 0x11223344, TSEcr: 0x55667788}, "0101080a1122334455667788"},
		{"window scale clamped", TCPOptions{HasWindowScale: true, WindowScale: 200}, "0103030e"},
		{"SACK", TCPOptions{NumSACK: 1, SACK: [4]SACKBlock{{0x10, 0x20}}}, "0101050a0000001000000020"},
		{"timestamps and 4 SACK blocks keep 3", TCPOptions{HasTimestamps: true, NumSACK: 4,
			SACK: [4]SACKBlock{{1, 2}, {3, 4}, {5, 6}, {7, 8}}},
			"0101080a0000000000000000" + "0101051a" + "0000000100000002" + "0000000300000004" + "0000000500000006"},
	}
	for _, tt := range tests {
		var buf [TCPMaxOptionsLen]byte
		n := tt.o.Emit(buf[:])
		if got := hex.EncodeToString(buf[:n]); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestTCPOptionsParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want TCPOptions
	}{
		{"empty", "", TCPOptions{}},
		{"EOL ends the list", "00" + "020405b4", TCPOptions{}},
		{"NOPs and EOL padding", "0101020405b40000", TCPOptions{HasMSS: true, MSS: 1460}},
		{"compact order", "020405b4030307" + "0402" + "080a0000000100000002" + "00",
			TCPOptions{HasMSS: true, MSS: 1460, HasWindowScale: true, WindowScale: 7, SACKPermitted: true,
				HasTimestamps: true, TSVal: 1, TSEcr: 2}},
		{"unknown option skipped", "1e0400ff" + "03030a", TCPOptions{HasWindowScale: true, WindowScale: 10}},
		{"unknown option of length 2", "fe02" + "0402", TCPOptions{SACKPermitted: true}},
		{"window scale 14 kept", "0303 0e", TCPOptions{HasWindowScale: true, WindowScale: 14}},
		{"window scale 15 clamped", "03030f", TCPOptions{HasWindowScale: true, WindowScale: 14}},
		{"window scale 255 clamped", "0303ff", TCPOptions{HasWindowScale: true, WindowScale: 14}},
		{"4 SACK blocks", "0522" + "0000000100000002" + "0000000300000004" + "0000000500000006" + "0000000700000008",
			TCPOptions{NumSACK: 4, SACK: [4]SACKBlock{{1, 2}, {3, 4}, {5, 6}, {7, 8}}}},
		{"repeated SACK clears old blocks", "0512" + "0000000100000002" + "0000000300000004" + "050a" + "0000000900000009",
			TCPOptions{NumSACK: 1, SACK: [4]SACKBlock{{9, 9}}}},
		{"last MSS wins", "02040001" + "02040002", TCPOptions{HasMSS: true, MSS: 2}},
	}
	for _, tt := range tests {
		in, err := hex.DecodeString(stripSpaces(tt.in))
		if err != nil {
			t.Fatal(err)
		}
		o := TCPOptions{HasMSS: true, MSS: 9999, NumSACK: 3} // Parse must reset this
		if err := o.Parse(in); err != nil || o != tt.want {
			t.Errorf("%s: %+v, %v\nwant %+v", tt.name, o, err, tt.want)
		}
	}
}

func TestTCPOptionsParseMalformed(t *testing.T) {
	for name, in := range map[string]string{
		"kind without length":         "02",
		"unknown kind without length": "01fe",
		"length 0":                    "fe00",
		"length 1":                    "fe01",
		"length past the end":         "fe05aabb",
		"MSS length 3":                "020305",
		"MSS length 5":                "0205000000",
		"MSS past the end":            "020405",
		"window scale length 2":       "0302",
		"window scale length 4":       "03040000",
		"SACK-permitted length 3":     "040300",
		"SACK with no block":          "0502",
		"SACK with half a block":      "050600000001",
		"SACK length 11":              "050b" + "0000000100000002" + "00",
		"SACK with 5 blocks":          "052a" + "0000000100000002" + "0000000300000004" + "0000000500000006" + "0000000700000008" + "0000000900000009",
		"timestamps length 8":         "0808000000010000",
		"timestamps length 12":        "080c" + "00000001" + "00000002" + "0000",
		"bad option after good":       "020405b4" + "0303",
	} {
		b, err := hex.DecodeString(in)
		if err != nil {
			t.Fatal(err)
		}
		var o TCPOptions
		if err := o.Parse(b); err != ErrMalformed {
			t.Errorf("%s (%x): %v, want ErrMalformed", name, b, err)
		}
	}
}

func stripSpaces(s string) string { return string(bytes.ReplaceAll([]byte(s), []byte(" "), nil)) }
