package wire

import "testing"

func TestHardwareAddr(t *testing.T) {
	tests := []struct {
		a                      HardwareAddr
		str                    string
		broadcast, mcast, zero bool
	}{
		{macA, "02:00:00:00:99:01", false, false, false},
		{BroadcastHW, "ff:ff:ff:ff:ff:ff", true, true, false},
		{HardwareAddr{0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}, "01:00:5e:00:00:fb", false, true, false},
		{HardwareAddr{}, "00:00:00:00:00:00", false, false, true},
		{HardwareAddr{0xde, 0xad, 0xbe, 0xef, 0x0a, 0xb0}, "de:ad:be:ef:0a:b0", false, false, false},
	}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.str {
			t.Errorf("String = %q, want %q", got, tt.str)
		}
		if got := string(tt.a.AppendTo([]byte("mac="))); got != "mac="+tt.str {
			t.Errorf("AppendTo = %q", got)
		}
		if tt.a.IsBroadcast() != tt.broadcast || tt.a.IsMulticast() != tt.mcast || tt.a.IsZero() != tt.zero {
			t.Errorf("%s: broadcast %v multicast %v zero %v", tt.str, tt.a.IsBroadcast(), tt.a.IsMulticast(), tt.a.IsZero())
		}
	}
}

func TestNewEthernetFrameErrors(t *testing.T) {
	for _, n := range []int{0, 1, 13} {
		if _, err := NewEthernetFrame(make([]byte, n)); err != ErrTruncated {
			t.Errorf("len %d: err = %v, want ErrTruncated", n, err)
		}
	}
	f, err := NewEthernetFrame(make([]byte, 14))
	if err != nil || len(f.Payload()) != 0 {
		t.Fatalf("header-only frame: %v, payload %d", err, len(f.Payload()))
	}
}

func TestEthernetRoundTrip(t *testing.T) {
	for _, r := range []EthernetRepr{
		{Dst: BroadcastHW, Src: macA, EtherType: EtherTypeARP},
		{Dst: macB, Src: macA, EtherType: EtherTypeIPv4},
		{Dst: macA, Src: macB, EtherType: EtherTypeIPv6},
		{EtherType: 0x8100},
	} {
		buf := make([]byte, 20)
		r.Emit(buf)
		f, err := NewEthernetFrame(buf)
		if err != nil {
			t.Fatal(err)
		}
		var back EthernetRepr
		back.Parse(f)
		if back != r {
			t.Errorf("round trip %+v -> %+v", r, back)
		}
		if len(f.Payload()) != 6 {
			t.Errorf("payload len %d, want 6", len(f.Payload()))
		}
	}
}
