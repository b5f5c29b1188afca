package wire

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The capture-* seeds of FuzzDHCPv4 are DHCP messages as tcpdump recorded
// them on real links: with dnsmasq 2.90 over TAP in a network namespace
// (`LEGATION_DHCP_TCPDUMP=file go test -run TestDHCPDnsmasq ./interop`) and
// through QEMU 7.2's user-mode network (tcpdump on lo, recording the
// netdev stream between QEMU and the stack during `go test -run
// TestDHCPQEMU ./interop`, the frames cut out of the stream at its 4-byte
// length prefixes; identical byte for byte to QEMU's own filter-dump of
// the hub port, which LEGATION_DHCP_QEMU_DUMP=file turns on). Each seed is
// the UDP payload. The client messages in them
// are legation's own (capture-legation-*); the server messages are
// dnsmasq's and slirp's. The expected values below are copied from
// `tcpdump -r file -n -vvv`, quoted in the comments: tcpdump, not this
// package, is the oracle.

// loadSeed reads a seed of the FuzzDHCPv4 corpus ("go test fuzz v1").
func loadSeed(tb testing.TB, name string) []byte {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzDHCPv4", name))
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "[]byte(") {
		tb.Fatalf("%s: not a one-value corpus file", name)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return []byte(s)
}

func mustParseDHCP(t *testing.T, b []byte) (DHCPv4Packet, DHCPv4Repr) {
	t.Helper()
	p, err := NewDHCPv4Packet(b)
	if err != nil {
		t.Fatalf("NewDHCPv4Packet: %v", err)
	}
	var r DHCPv4Repr
	if err := r.Parse(p); err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p, r
}

// dhcpReprEqual compares two Reprs, byte-string options by content and
// presence.
func dhcpReprEqual(a, b DHCPv4Repr) bool {
	for _, s := range [][2][]byte{{a.Hostname, b.Hostname}, {a.ClientID, b.ClientID}, {a.ParamRequest, b.ParamRequest}, {a.Message, b.Message}} {
		if (s[0] == nil) != (s[1] == nil) || !bytes.Equal(s[0], s[1]) {
			return false
		}
	}
	return dhcpFixedFields(&a) == dhcpFixedFields(&b)
}

// dhcpFixed is DHCPv4Repr without its byte strings: comparable with ==.
type dhcpFixed struct {
	op                             DHCPv4Op
	typ                            DHCPv4MessageType
	xid                            uint32
	secs                           uint16
	broadcast                      bool
	hops                           uint8
	ciaddr, yiaddr, siaddr, giaddr netip.Addr
	hw                             HardwareAddr
	serverID, requested, mask      netip.Addr
	lease, t1, t2                  uint32
	maxMsg                         uint16
	routers, dns, ntp              DHCPv4AddrList
}

func dhcpFixedFields(r *DHCPv4Repr) dhcpFixed {
	return dhcpFixed{r.Op, r.MessageType, r.XID, r.Secs, r.Broadcast, r.Hops,
		r.ClientAddr, r.YourAddr, r.ServerAddr, r.RelayAddr, r.ClientHW,
		r.ServerID, r.RequestedIP, r.SubnetMask, r.LeaseTime, r.RenewalTime, r.RebindingTime,
		r.MaxMessageSize, r.Routers, r.DNS, r.NTP}
}

// reemit checks that what Parse read, Emit writes so that Parse reads it
// again, and returns the emitted bytes.
func reemit(t *testing.T, r DHCPv4Repr) []byte {
	t.Helper()
	out := make([]byte, r.Len())
	if n := r.Emit(out); n != len(out) {
		t.Fatalf("Emit wrote %d, Len says %d", n, len(out))
	}
	_, again := mustParseDHCP(t, out)
	if !dhcpReprEqual(r, again) {
		t.Fatalf("re-parsed %+v\nwant       %+v", again, r)
	}
	return out
}

var (
	dnsmasqIP  = netip.MustParseAddr("10.77.0.1")
	dnsmasqCli = netip.MustParseAddr("10.77.0.142")
	dnsmasqMAC = HardwareAddr{0x1a, 0x44, 0x0b, 0x57, 0x82, 0x7c}
	slirpMAC   = HardwareAddr{0x52, 0x54, 0x00, 0xf7, 0x9d, 0x0b}
	mask24     = netip.MustParseAddr("255.255.255.0")
)

func list(as ...string) DHCPv4AddrList {
	var l DHCPv4AddrList
	for _, a := range as {
		l.Add(netip.MustParseAddr(a))
	}
	return l
}

func TestDHCPv4ServerCaptures(t *testing.T) {
	// dnsmasq's answers to DISCOVER and REQUEST, broadcast:
	//   10.77.0.1.67 > 255.255.255.255.68: [udp sum ok] BOOTP/DHCP, Reply, length 300, xid 0x84108910, Flags [Broadcast] (0x8000)
	//     Your-IP 10.77.0.142  Server-IP 10.77.0.1  Client-Ethernet-Address 1a:44:0b:57:82:7c
	//     DHCP-Message (53): Offer (ACK)  Server-ID (54): 10.77.0.1  Lease-Time (51): 120  RN (58): 3  RB (59): 5
	//     Subnet-Mask (1): 255.255.255.0  BR (28): 10.77.0.255  Default-Gateway (3): 10.77.0.1
	//     Domain-Name-Server (6): 10.77.0.1  NTP (42): 10.77.0.1  END (255)  PAD (0), occurs 2
	dnsmasq := DHCPv4Repr{
		Op: DHCPv4BootReply, XID: 0x84108910, Broadcast: true, YourAddr: dnsmasqCli, ServerAddr: dnsmasqIP,
		ClientAddr: netip.IPv4Unspecified(), RelayAddr: netip.IPv4Unspecified(), ClientHW: dnsmasqMAC,
		ServerID: dnsmasqIP, LeaseTime: 120, RenewalTime: 3, RebindingTime: 5, SubnetMask: mask24,
		Routers: list("10.77.0.1"), DNS: list("10.77.0.1"), NTP: list("10.77.0.1"),
	}
	offer, ack := dnsmasq, dnsmasq
	offer.MessageType, ack.MessageType = DHCPOffer, DHCPAck
	// The renewal's ACK, unicast:
	//   10.77.0.1.67 > 10.77.0.142.68: BOOTP/DHCP, Reply, length 300, xid 0xbc8ec848, Flags [none] (0x0000)
	//     Client-IP 10.77.0.142  Your-IP 10.77.0.142  ... (options as above)
	renewal := ack
	renewal.XID, renewal.Broadcast, renewal.ClientAddr = 0xbc8ec848, false, dnsmasqCli
	// slirp's, padded to 548 bytes:
	//   10.0.2.2.67 > 255.255.255.255.68: BOOTP/DHCP, Reply, length 548, xid 0xb29bc395, Flags [none] (0x0000)
	//     Your-IP 10.0.2.15  Server-IP 10.0.2.2  Client-Ethernet-Address 52:54:00:f7:9d:0b
	//     DHCP-Message (53): Offer (ACK)  Server-ID (54): 10.0.2.2  Subnet-Mask (1): 255.255.255.0
	//     Default-Gateway (3): 10.0.2.2  Domain-Name-Server (6): 10.0.2.3  Lease-Time (51): 86400
	//     END (255)  PAD (0), occurs 274
	slirp := DHCPv4Repr{
		Op: DHCPv4BootReply, XID: 0xb29bc395, YourAddr: netip.MustParseAddr("10.0.2.15"), ServerAddr: netip.MustParseAddr("10.0.2.2"),
		ClientAddr: netip.IPv4Unspecified(), RelayAddr: netip.IPv4Unspecified(), ClientHW: slirpMAC,
		ServerID: netip.MustParseAddr("10.0.2.2"), SubnetMask: mask24, LeaseTime: 86400,
		Routers: list("10.0.2.2"), DNS: list("10.0.2.3"),
	}
	slirpOffer, slirpAck := slirp, slirp
	slirpOffer.MessageType, slirpAck.MessageType = DHCPOffer, DHCPAck

	for _, tc := range []struct {
		seed string
		want DHCPv4Repr
		size int
	}{
		{"capture-dnsmasq-offer", offer, 300},
		{"capture-dnsmasq-ack", ack, 300},
		{"capture-dnsmasq-ack-renewal", renewal, 300},
		{"capture-slirp-offer", slirpOffer, 548},
		{"capture-slirp-ack", slirpAck, 548},
	} {
		t.Run(tc.seed, func(t *testing.T) {
			b := loadSeed(t, tc.seed)
			if len(b) != tc.size {
				t.Fatalf("%d bytes, tcpdump says %d", len(b), tc.size)
			}
			p, r := mustParseDHCP(t, b)
			if !dhcpReprEqual(r, tc.want) {
				t.Fatalf("parsed %+v\nwant   %+v", r, tc.want)
			}
			if bits, ok := r.SubnetBits(); !ok || bits != 24 {
				t.Fatalf("SubnetBits %d %v", bits, ok)
			}
			if p.HardwareType() != 1 || p.HardwareLen() != 6 || p.Hops() != 0 || p.Secs() != 0 {
				t.Fatalf("header % x", []byte(p[:12]))
			}
			reemit(t, r)
		})
	}
}

// The option walk sees every option of dnsmasq's OFFER in wire order,
// including broadcast address (28), which Parse skips.
func TestDHCPv4OptionIter(t *testing.T) {
	p, _ := mustParseDHCP(t, loadSeed(t, "capture-dnsmasq-offer"))
	it := NewDHCPv4OptionIter(p.Options())
	var codes []DHCPv4Option
	for {
		code, data, ok := it.Next()
		if !ok {
			break
		}
		if code == 28 && !bytes.Equal(data, []byte{10, 77, 0, 255}) {
			t.Fatalf("option 28 = %v", data)
		}
		codes = append(codes, code)
	}
	want := []DHCPv4Option{53, 54, 51, 58, 59, 1, 28, 3, 6, 42}
	if it.Err() != nil || len(codes) != len(want) {
		t.Fatalf("codes %v (err %v), want %v", codes, it.Err(), want)
	}
	for i := range want {
		if codes[i] != want[i] {
			t.Fatalf("codes %v, want %v", codes, want)
		}
	}
}

// legation's own client messages, as tcpdump decoded them, are re-emitted
// byte for byte.
func TestDHCPv4ClientCaptures(t *testing.T) {
	prl := []byte{1, 3, 6, 42, 58, 59}
	cid := append([]byte{1}, dnsmasqMAC[:]...)
	base := DHCPv4Repr{
		Op: DHCPv4BootRequest, ClientHW: dnsmasqMAC, ClientID: cid, Hostname: []byte("legation-dut"),
		ParamRequest: prl, MaxMessageSize: 1500,
		ClientAddr: netip.IPv4Unspecified(), YourAddr: netip.IPv4Unspecified(),
		ServerAddr: netip.IPv4Unspecified(), RelayAddr: netip.IPv4Unspecified(),
	}
	// 0.0.0.0.68 > 255.255.255.255.67: BOOTP/DHCP, Request from 1a:44:0b:57:82:7c, length 300, xid 0x84108910, Flags [Broadcast]
	//   DHCP-Message (53): Discover  Client-ID (61): ether 1a:44:0b:57:82:7c  Hostname (12): "legation-dut"
	//   Parameter-Request (55): 1, 3, 6, 42, 58, 59  MSZ (57): 1500  END  PAD, occurs 21
	discover := base
	discover.MessageType, discover.XID, discover.Broadcast = DHCPDiscover, 0x84108910, true
	// ... Request ... xid 0x84108910, Flags [Broadcast]: Requested-IP (50) 10.77.0.142, Server-ID (54) 10.77.0.1, PAD occurs 9
	selecting := discover
	selecting.MessageType, selecting.RequestedIP, selecting.ServerID = DHCPRequest, dnsmasqCli, dnsmasqIP
	// 10.77.0.142.68 > 10.77.0.1.67: ... xid 0xbc8ec848, Flags [none]: Client-IP 10.77.0.142, PAD occurs 21
	renewing := base
	renewing.MessageType, renewing.XID, renewing.ClientAddr = DHCPRequest, 0xbc8ec848, dnsmasqCli
	// 10.77.0.142.68 > 255.255.255.255.67: ... xid 0xe6713288, secs 2, Flags [none]: Client-IP 10.77.0.142
	rebinding := renewing
	rebinding.XID, rebinding.Secs = 0xe6713288, 2

	for _, tc := range []struct {
		seed string
		want DHCPv4Repr
	}{
		{"capture-legation-discover", discover},
		{"capture-legation-request-selecting", selecting},
		{"capture-legation-request-renewing", renewing},
		{"capture-legation-request-rebinding", rebinding},
	} {
		t.Run(tc.seed, func(t *testing.T) {
			b := loadSeed(t, tc.seed)
			_, r := mustParseDHCP(t, b)
			if !dhcpReprEqual(r, tc.want) {
				t.Fatalf("parsed %+v\nwant   %+v", r, tc.want)
			}
			if out := reemit(t, r); !bytes.Equal(out, b) {
				t.Fatalf("re-emitted\n% x\nwant\n% x", out, b)
			}
		})
	}
}

// Option overload (RFC 2132 9.3): the file field, then the sname field,
// carry options when the main area says so; an overload option inside them
// is ignored, and an option running past its field is malformed.
func TestDHCPv4Overload(t *testing.T) {
	_, r := mustParseDHCP(t, loadSeed(t, "edge-overload-file"))
	if r.ServerID != dnsmasqIP || r.LeaseTime != 600 || r.MessageType != DHCPAck {
		t.Fatalf("overload=1: %+v", r)
	}
	_, r = mustParseDHCP(t, loadSeed(t, "edge-overload-both"))
	if r.Routers != list("10.77.0.1") || r.DNS != list("10.77.0.53") {
		t.Fatalf("overload=3: routers %v DNS %v", r.Routers.Slice(), r.DNS.Slice())
	}
	_, r = mustParseDHCP(t, loadSeed(t, "edge-overload-nested"))
	if r.DNS.N != 0 {
		t.Fatalf("an overload option inside the file field was honoured: DNS %v", r.DNS.Slice())
	}
	for _, seed := range []string{"edge-overload-bad-value", "edge-overload-runs-past-file"} {
		p, err := NewDHCPv4Packet(loadSeed(t, seed))
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Parse(p); !errors.Is(err, ErrMalformed) {
			t.Fatalf("%s: %v, want ErrMalformed", seed, err)
		}
	}
	// The emitted form never overloads: the options move to the main area.
	_, r = mustParseDHCP(t, loadSeed(t, "edge-overload-both"))
	out := reemit(t, r)
	if !bytes.Equal(out[44:236], make([]byte, 192)) {
		t.Fatal("Emit wrote into sname or file")
	}
}

func TestDHCPv4Rejects(t *testing.T) {
	for seed, want := range map[string]error{
		"edge-truncated-239":     ErrTruncated,
		"edge-no-cookie":         ErrUnsupported,
		"edge-hlen-16":           ErrUnsupported,
		"edge-htype-6":           ErrUnsupported,
		"edge-bad-op":            ErrMalformed,
		"edge-option-past-end":   ErrMalformed,
		"edge-bad-list-len":      ErrMalformed,
		"edge-bad-scalar-len":    ErrMalformed,
		"edge-no-message-type":   ErrMalformed,
		"edge-zero-message-type": ErrMalformed,
		"edge-pad-only":          ErrMalformed,
	} {
		b := loadSeed(t, seed)
		p, err := NewDHCPv4Packet(b)
		if err == nil {
			var r DHCPv4Repr
			err = r.Parse(p)
		}
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", seed, err, want)
		}
	}
}

func TestDHCPv4Accepts(t *testing.T) {
	_, r := mustParseDHCP(t, loadSeed(t, "edge-no-end"))
	if r.LeaseTime != 60 {
		t.Fatalf("options without an end option: %+v", r)
	}
	_, r = mustParseDHCP(t, loadSeed(t, "edge-empty-hostname"))
	if r.Hostname == nil || len(r.Hostname) != 0 {
		t.Fatalf("empty hostname read as %q (nil %v)", r.Hostname, r.Hostname == nil)
	}
	reemit(t, r)
	_, r = mustParseDHCP(t, loadSeed(t, "edge-repeated-dns"))
	if r.DNS != list("1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4") {
		t.Fatalf("repeated DNS option: %v, want the first four addresses", r.DNS.Slice())
	}
	_, r = mustParseDHCP(t, loadSeed(t, "edge-infinite-lease"))
	if r.LeaseTime != DHCPv4Infinite {
		t.Fatalf("lease %x", r.LeaseTime)
	}
	if bits, ok := r.SubnetBits(); !ok || bits != 16 {
		t.Fatalf("SubnetBits %d %v", bits, ok)
	}
	_, r = mustParseDHCP(t, loadSeed(t, "edge-holey-mask"))
	if _, ok := r.SubnetBits(); ok {
		t.Fatal("a non-contiguous mask gave a prefix length")
	}
}

func TestDHCPv4SubnetBits(t *testing.T) {
	for mask, want := range map[string]int{"0.0.0.0": 0, "128.0.0.0": 1, "255.255.255.0": 24, "255.255.255.254": 31, "255.255.255.255": 32, "255.255.254.0": 23, "255.0.0.255": -1, "0.255.255.255": -1} {
		r := DHCPv4Repr{SubnetMask: netip.MustParseAddr(mask)}
		bits, ok := r.SubnetBits()
		if ok != (want >= 0) || ok && bits != want {
			t.Errorf("%s: %d %v, want %d", mask, bits, ok, want)
		}
	}
	if _, ok := (&DHCPv4Repr{}).SubnetBits(); ok {
		t.Error("absent mask gave a prefix length")
	}
}

// Emit pads to the BOOTP minimum, cuts byte strings to 255 bytes and lists
// to DHCPv4MaxAddrs, and writes every option Parse reads.
func TestDHCPv4Emit(t *testing.T) {
	small := DHCPv4Repr{Op: DHCPv4BootRequest, MessageType: DHCPInform}
	if small.Len() != DHCPv4EmitMinLen {
		t.Fatalf("Len %d, want padding to %d", small.Len(), DHCPv4EmitMinLen)
	}
	long := bytes.Repeat([]byte("h"), 300)
	full := DHCPv4Repr{
		Op: DHCPv4BootReply, MessageType: DHCPNak, XID: 0xdeadbeef, Secs: 9, Broadcast: true, Hops: 2,
		ClientAddr: netip.MustParseAddr("1.2.3.4"), YourAddr: netip.MustParseAddr("5.6.7.8"),
		ServerAddr: netip.MustParseAddr("9.10.11.12"), RelayAddr: netip.MustParseAddr("13.14.15.16"),
		ClientHW: dnsmasqMAC, ServerID: dnsmasqIP, RequestedIP: dnsmasqCli, SubnetMask: mask24,
		LeaseTime: 7, RenewalTime: 3, RebindingTime: 5, MaxMessageSize: 576,
		Routers: list("10.0.0.1"), DNS: list("10.0.0.2", "10.0.0.3"), NTP: list("10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7"),
		Hostname: long, ClientID: []byte{0, 'x'}, ParamRequest: []byte{1, 3}, Message: []byte("no"),
	}
	b := make([]byte, full.Len())
	full.Emit(b)
	_, r := mustParseDHCP(t, b)
	want := full
	want.Hostname = long[:255]
	if !dhcpReprEqual(r, want) {
		t.Fatalf("parsed %+v\nwant   %+v", r, want)
	}
	over := full
	over.DNS.N = 9 // a caller's mistake must not write past the list
	b = make([]byte, over.Len())
	over.Emit(b)
	_, r = mustParseDHCP(t, b)
	if r.DNS.N != DHCPv4MaxAddrs {
		t.Fatalf("DNS list of %d", r.DNS.N)
	}
}

func TestDHCPv4Names(t *testing.T) {
	if DHCPAck.String() != "ACK" || DHCPv4MessageType(99).String() != "UNKNOWN" {
		t.Fatal(DHCPAck.String(), DHCPv4MessageType(99).String())
	}
}

// Parsing and emitting a DHCP message allocates nothing.
func TestDHCPv4NoAllocs(t *testing.T) {
	in := loadSeed(t, "capture-dnsmasq-ack")
	out := make([]byte, 1024)
	n := testing.AllocsPerRun(1000, func() {
		p, err := NewDHCPv4Packet(in)
		if err != nil {
			panic(err)
		}
		var r DHCPv4Repr
		if err := r.Parse(p); err != nil {
			panic(err)
		}
		r.Emit(out)
	})
	if n != 0 {
		t.Fatalf("%v allocs per parse+emit", n)
	}
}

// For any input: a wire.Error or a view whose accessors and option walk
// do not panic; and what Parse reads, Emit writes back so that Parse reads
// the same again.
func FuzzDHCPv4(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := NewDHCPv4Packet(b)
		if err != nil {
			mustWireError(t, err)
			return
		}
		_, _, _, _ = p.Flags(), p.CHAddr(), p.SName(), p.File()
		it := NewDHCPv4OptionIter(p.Options())
		for n := 0; ; n++ {
			if _, _, ok := it.Next(); !ok {
				break
			}
			if n > len(b) {
				t.Fatal("option walk does not end")
			}
		}
		var r DHCPv4Repr
		if err := r.Parse(p); err != nil {
			mustWireError(t, err)
			return
		}
		out := make([]byte, r.Len())
		r.Emit(out)
		q, err := NewDHCPv4Packet(out)
		if err != nil {
			t.Fatalf("emitted message rejected: %v", err)
		}
		var again DHCPv4Repr
		if err := again.Parse(q); err != nil {
			t.Fatalf("emitted message does not parse: %v", err)
		}
		if !dhcpReprEqual(r, again) {
			t.Fatalf("re-parsed %+v\nwant       %+v", again, r)
		}
	})
}
