package main

import (
	"net/netip"
	"testing"
)

// The defaults of -mqtt and -ntp: the loopback peer there, the DHCP
// lease's NTP servers with -dhcp, nothing elsewhere; "off" is off.
func TestServers(t *testing.T) {
	loop, none := netip.MustParseAddr("192.168.7.1"), netip.Addr{}
	type want struct {
		broker, ntp string
		fromStack   bool
		err         bool
	}
	for _, tc := range []struct {
		name      string
		peer      netip.Addr
		mqtt, ntp string
		dhcp      bool
		want      want
	}{
		{"loopback defaults", loop, "", "", false, want{"192.168.7.1", "192.168.7.1", false, false}},
		{"loopback dhcp", loop, "", "", true, want{"192.168.7.1", "", true, false}},
		{"loopback demo", loop, "demo", "demo", true, want{"192.168.7.1", "192.168.7.1", false, false}},
		{"loopback off", loop, "off", "off", false, want{"", "", false, false}},
		{"qemu", none, "10.0.2.2", "10.0.2.2:1123", true, want{"10.0.2.2", "10.0.2.2:1123", false, false}},
		{"qemu dhcp defaults", none, "", "", true, want{"", "", true, false}},
		{"tap defaults", none, "", "", false, want{"", "", false, false}},
		{"mqtt demo off loopback", none, "demo", "", false, want{err: true}},
		{"ntp demo off loopback", none, "", "demo", false, want{err: true}},
	} {
		b, n, fs, err := servers(tc.peer, tc.mqtt, tc.ntp, tc.dhcp)
		if (err != nil) != tc.want.err || b != tc.want.broker || n != tc.want.ntp || fs != tc.want.fromStack {
			t.Errorf("%s: %q %q %v %v; want %+v", tc.name, b, n, fs, err, tc.want)
		}
	}
}
