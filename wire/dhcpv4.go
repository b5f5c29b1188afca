package wire

import (
	"encoding/binary"
	"net/netip"
)

// DHCPv4 (RFC 2131) travels in the BOOTP message layout (RFC 951): a fixed
// 236-byte header, the magic cookie 99.130.83.99, then options (RFC 2132).
// The view below covers the header; DHCPv4OptionIter walks options without
// copying; DHCPv4Repr holds the fields and options a client or a small
// server acts on.

// DHCPv4 sizes and ports.
const (
	// DHCPv4HeaderLen is the fixed BOOTP header: op to file.
	DHCPv4HeaderLen = 236
	// DHCPv4MinLen is the header plus the magic cookie: the shortest DHCP
	// message (one with no options at all).
	DHCPv4MinLen = DHCPv4HeaderLen + 4
	// DHCPv4EmitMinLen is the length Emit pads messages up to: the BOOTP
	// minimum that relays and old servers insist on (RFC 1542 2.1).
	DHCPv4EmitMinLen = 300
	// DHCPv4MaxAddrs bounds each address-list option kept by Parse
	// (routers, DNS servers, NTP servers). Further addresses are ignored.
	DHCPv4MaxAddrs = 4

	DHCPv4ServerPort = 67
	DHCPv4ClientPort = 68
)

// DHCPv4Infinite is the lease time of a lease that never expires.
const DHCPv4Infinite uint32 = 0xffffffff

// DHCPv4Op is the BOOTP op field.
type DHCPv4Op uint8

// BOOTP ops: a client's request, a server's reply.
const (
	DHCPv4BootRequest DHCPv4Op = 1
	DHCPv4BootReply   DHCPv4Op = 2
)

// DHCPv4MessageType is option 53, the kind of DHCP message.
type DHCPv4MessageType uint8

// DHCP message types (RFC 2132 9.6).
const (
	DHCPDiscover DHCPv4MessageType = 1
	DHCPOffer    DHCPv4MessageType = 2
	DHCPRequest  DHCPv4MessageType = 3
	DHCPDecline  DHCPv4MessageType = 4
	DHCPAck      DHCPv4MessageType = 5
	DHCPNak      DHCPv4MessageType = 6
	DHCPRelease  DHCPv4MessageType = 7
	DHCPInform   DHCPv4MessageType = 8
)

var dhcpTypeText = [...]string{
	DHCPDiscover: "DISCOVER", DHCPOffer: "OFFER", DHCPRequest: "REQUEST", DHCPDecline: "DECLINE",
	DHCPAck: "ACK", DHCPNak: "NAK", DHCPRelease: "RELEASE", DHCPInform: "INFORM",
}

// String returns the RFC's name for the type; it does not allocate.
func (t DHCPv4MessageType) String() string {
	if int(t) < len(dhcpTypeText) && dhcpTypeText[t] != "" {
		return dhcpTypeText[t]
	}
	return "UNKNOWN"
}

// DHCPv4Option is an option code (RFC 2132).
type DHCPv4Option uint8

// The options this package reads and writes; others are skipped by Parse
// and can be read with DHCPv4OptionIter.
const (
	DHCPv4OptPad            DHCPv4Option = 0
	DHCPv4OptSubnetMask     DHCPv4Option = 1
	DHCPv4OptRouter         DHCPv4Option = 3
	DHCPv4OptDNS            DHCPv4Option = 6
	DHCPv4OptHostname       DHCPv4Option = 12
	DHCPv4OptNTP            DHCPv4Option = 42
	DHCPv4OptRequestedIP    DHCPv4Option = 50
	DHCPv4OptLeaseTime      DHCPv4Option = 51
	DHCPv4OptOverload       DHCPv4Option = 52
	DHCPv4OptMessageType    DHCPv4Option = 53
	DHCPv4OptServerID       DHCPv4Option = 54
	DHCPv4OptParamRequest   DHCPv4Option = 55
	DHCPv4OptMessage        DHCPv4Option = 56
	DHCPv4OptMaxMessageSize DHCPv4Option = 57
	DHCPv4OptRenewalTime    DHCPv4Option = 58
	DHCPv4OptRebindingTime  DHCPv4Option = 59
	DHCPv4OptClientID       DHCPv4Option = 61
	DHCPv4OptEnd            DHCPv4Option = 255
)

// Option overload values (RFC 2132 9.3): which header fields carry options.
const (
	dhcpOverloadFile  = 1
	dhcpOverloadSName = 2
)

const dhcpFlagBroadcast = 0x8000

var dhcpCookie = [4]byte{99, 130, 83, 99}

// DHCPv4Packet is a view of a DHCP message, BOOTP header first.
type DHCPv4Packet []byte

// NewDHCPv4Packet checks b and returns it as a DHCP message view. It
// returns ErrTruncated if b is shorter than the header and cookie, and
// ErrUnsupported if the magic cookie is missing (a plain BOOTP message).
// Options are checked by Parse or DHCPv4OptionIter, not here.
func NewDHCPv4Packet(b []byte) (DHCPv4Packet, error) {
	if len(b) < DHCPv4MinLen {
		return nil, ErrTruncated
	}
	p := DHCPv4Packet(b)
	if [4]byte(p[DHCPv4HeaderLen:DHCPv4MinLen]) != dhcpCookie {
		return nil, ErrUnsupported
	}
	return p, nil
}

// Op returns the BOOTP op.
func (p DHCPv4Packet) Op() DHCPv4Op { return DHCPv4Op(p[0]) }

// HardwareType returns htype (1 for Ethernet).
func (p DHCPv4Packet) HardwareType() uint8 { return p[1] }

// HardwareLen returns hlen (6 for Ethernet).
func (p DHCPv4Packet) HardwareLen() uint8 { return p[2] }

// Hops returns the relay hop count.
func (p DHCPv4Packet) Hops() uint8 { return p[3] }

// XID returns the transaction ID.
func (p DHCPv4Packet) XID() uint32 { return binary.BigEndian.Uint32(p[4:8]) }

// Secs returns the seconds since the client began acquiring or renewing.
func (p DHCPv4Packet) Secs() uint16 { return binary.BigEndian.Uint16(p[8:10]) }

// Flags returns the flags field; only the broadcast bit is defined.
func (p DHCPv4Packet) Flags() uint16 { return binary.BigEndian.Uint16(p[10:12]) }

// Broadcast reports the broadcast flag: the client cannot receive unicast
// IP before it has an address.
func (p DHCPv4Packet) Broadcast() bool { return p.Flags()&dhcpFlagBroadcast != 0 }

// ClientAddr returns ciaddr.
func (p DHCPv4Packet) ClientAddr() netip.Addr { return readAddr4(p[12:16]) }

// YourAddr returns yiaddr, the address a server offers or assigns.
func (p DHCPv4Packet) YourAddr() netip.Addr { return readAddr4(p[16:20]) }

// ServerAddr returns siaddr, the next server for booting.
func (p DHCPv4Packet) ServerAddr() netip.Addr { return readAddr4(p[20:24]) }

// RelayAddr returns giaddr.
func (p DHCPv4Packet) RelayAddr() netip.Addr { return readAddr4(p[24:28]) }

// CHAddr returns the 16-byte client hardware address field.
func (p DHCPv4Packet) CHAddr() []byte { return p[28:44] }

// ClientHW returns the first six bytes of chaddr as a MAC address.
func (p DHCPv4Packet) ClientHW() HardwareAddr { return HardwareAddr(p[28:34]) }

// SName returns the 64-byte server host name field.
func (p DHCPv4Packet) SName() []byte { return p[44:108] }

// File returns the 128-byte boot file name field.
func (p DHCPv4Packet) File() []byte { return p[108:236] }

// Options returns the bytes after the magic cookie.
func (p DHCPv4Packet) Options() []byte { return p[DHCPv4MinLen:] }

// SetOp sets op.
func (p DHCPv4Packet) SetOp(op DHCPv4Op) { p[0] = byte(op) }

// SetHardware sets htype and hlen.
func (p DHCPv4Packet) SetHardware(htype, hlen uint8) { p[1], p[2] = htype, hlen }

// SetHops sets the hop count.
func (p DHCPv4Packet) SetHops(h uint8) { p[3] = h }

// SetXID sets the transaction ID.
func (p DHCPv4Packet) SetXID(x uint32) { binary.BigEndian.PutUint32(p[4:8], x) }

// SetSecs sets secs.
func (p DHCPv4Packet) SetSecs(s uint16) { binary.BigEndian.PutUint16(p[8:10], s) }

// SetFlags sets the flags field.
func (p DHCPv4Packet) SetFlags(f uint16) { binary.BigEndian.PutUint16(p[10:12], f) }

// SetClientAddr sets ciaddr.
func (p DHCPv4Packet) SetClientAddr(a netip.Addr) { putAddr4(p[12:16], a) }

// SetYourAddr sets yiaddr.
func (p DHCPv4Packet) SetYourAddr(a netip.Addr) { putAddr4(p[16:20], a) }

// SetServerAddr sets siaddr.
func (p DHCPv4Packet) SetServerAddr(a netip.Addr) { putAddr4(p[20:24], a) }

// SetRelayAddr sets giaddr.
func (p DHCPv4Packet) SetRelayAddr(a netip.Addr) { putAddr4(p[24:28], a) }

// SetClientHW sets chaddr to a MAC address, zero-padded to 16 bytes.
func (p DHCPv4Packet) SetClientHW(hw HardwareAddr) {
	clear(p[28:44])
	copy(p[28:34], hw[:])
}

// SetCookie writes the magic cookie.
func (p DHCPv4Packet) SetCookie() { copy(p[DHCPv4HeaderLen:DHCPv4MinLen], dhcpCookie[:]) }

// DHCPv4OptionIter walks an option area (RFC 2132 2): pad bytes are
// skipped, the end option or the end of the area stops it. It holds a slice
// of the caller's bytes and never copies.
type DHCPv4OptionIter struct {
	b   []byte
	err error
}

// NewDHCPv4OptionIter returns an iterator over the option area b.
func NewDHCPv4OptionIter(b []byte) DHCPv4OptionIter { return DHCPv4OptionIter{b: b} }

// Next returns the next option and its data (a slice of the area). ok is
// false at the end option, at the end of the area, or when an option runs
// past the area, which Err then reports as ErrMalformed.
func (it *DHCPv4OptionIter) Next() (code DHCPv4Option, data []byte, ok bool) {
	for len(it.b) > 0 && it.b[0] == byte(DHCPv4OptPad) {
		it.b = it.b[1:]
	}
	if len(it.b) == 0 || it.b[0] == byte(DHCPv4OptEnd) {
		it.b = nil
		return 0, nil, false
	}
	if len(it.b) < 2 || len(it.b) < 2+int(it.b[1]) {
		it.b, it.err = nil, ErrMalformed
		return 0, nil, false
	}
	code, n := DHCPv4Option(it.b[0]), int(it.b[1])
	data, it.b = it.b[2:2+n], it.b[2+n:]
	return code, data, true
}

// Err reports ErrMalformed if the walk stopped at an option that ran past
// the area, and nil otherwise.
func (it *DHCPv4OptionIter) Err() error { return it.err }

// DHCPv4AddrList is a bounded list of addresses from a list option.
type DHCPv4AddrList struct {
	Addrs [DHCPv4MaxAddrs]netip.Addr
	N     int
}

// Add appends a and reports false if the list is full.
func (l *DHCPv4AddrList) Add(a netip.Addr) bool {
	if l.N >= len(l.Addrs) {
		return false
	}
	l.Addrs[l.N] = a
	l.N++
	return true
}

// Slice returns the addresses held, as a slice of the list's own array.
func (l *DHCPv4AddrList) Slice() []netip.Addr { return l.Addrs[:l.N] }

// DHCPv4Repr is a DHCP message: the header fields and the options a
// client or a small server acts on. Parse fills the byte-string fields
// with slices of the parsed packet (valid as long as its bytes are); Emit
// copies them out.
//
// Time options are in seconds; 0 means the option is absent and
// DHCPv4Infinite an infinite lease. An absent address option is the zero
// netip.Addr.
type DHCPv4Repr struct {
	Op          DHCPv4Op
	MessageType DHCPv4MessageType
	XID         uint32
	Secs        uint16
	Broadcast   bool
	Hops        uint8
	ClientAddr  netip.Addr // ciaddr
	YourAddr    netip.Addr // yiaddr
	ServerAddr  netip.Addr // siaddr
	RelayAddr   netip.Addr // giaddr
	ClientHW    HardwareAddr

	ServerID       netip.Addr // option 54
	RequestedIP    netip.Addr // option 50
	SubnetMask     netip.Addr // option 1
	LeaseTime      uint32     // option 51
	RenewalTime    uint32     // option 58, T1
	RebindingTime  uint32     // option 59, T2
	MaxMessageSize uint16     // option 57

	Routers DHCPv4AddrList // option 3
	DNS     DHCPv4AddrList // option 6
	NTP     DHCPv4AddrList // option 42

	Hostname     []byte // option 12
	ClientID     []byte // option 61
	ParamRequest []byte // option 55, a list of option codes
	Message      []byte // option 56, text explaining a NAK or DECLINE
}

// Parse reads a message that NewDHCPv4Packet accepted. It returns
// ErrUnsupported unless the hardware is Ethernet (htype 1, hlen 6),
// ErrMalformed for an op other than request or reply, a message-type
// option that is absent, an option that runs past its area or whose
// length is wrong for its code, or a bad overload value.
//
// Option overload (RFC 2132 9.3) is honoured: when the main area says so,
// the file field and then the sname field are read as option areas too,
// and an overload option inside them is ignored, so overloading cannot
// nest or loop. An option that appears more than once is not concatenated
// (RFC 3396): address lists collect every occurrence up to DHCPv4MaxAddrs,
// and for other options the first occurrence wins.
func (r *DHCPv4Repr) Parse(p DHCPv4Packet) error {
	if p.HardwareType() != 1 || p.HardwareLen() != 6 {
		return ErrUnsupported
	}
	if op := p.Op(); op != DHCPv4BootRequest && op != DHCPv4BootReply {
		return ErrMalformed
	}
	*r = DHCPv4Repr{
		Op:         p.Op(),
		XID:        p.XID(),
		Secs:       p.Secs(),
		Broadcast:  p.Broadcast(),
		Hops:       p.Hops(),
		ClientAddr: p.ClientAddr(),
		YourAddr:   p.YourAddr(),
		ServerAddr: p.ServerAddr(),
		RelayAddr:  p.RelayAddr(),
		ClientHW:   p.ClientHW(),
	}
	overload, err := r.parseOptions(p.Options(), true)
	if err != nil {
		return err
	}
	if overload&dhcpOverloadFile != 0 {
		if _, err := r.parseOptions(p.File(), false); err != nil {
			return err
		}
	}
	if overload&dhcpOverloadSName != 0 {
		if _, err := r.parseOptions(p.SName(), false); err != nil {
			return err
		}
	}
	if r.MessageType == 0 {
		return ErrMalformed
	}
	return nil
}

// parseOptions reads one option area and returns the overload value found
// in it (main area only).
func (r *DHCPv4Repr) parseOptions(b []byte, main bool) (overload uint8, err error) {
	it := NewDHCPv4OptionIter(b)
	for {
		code, v, ok := it.Next()
		if !ok {
			return overload, it.Err()
		}
		switch code {
		case DHCPv4OptSubnetMask:
			err = parseAddrOpt(&r.SubnetMask, v)
		case DHCPv4OptRequestedIP:
			err = parseAddrOpt(&r.RequestedIP, v)
		case DHCPv4OptServerID:
			err = parseAddrOpt(&r.ServerID, v)
		case DHCPv4OptLeaseTime:
			err = parseU32Opt(&r.LeaseTime, v)
		case DHCPv4OptRenewalTime:
			err = parseU32Opt(&r.RenewalTime, v)
		case DHCPv4OptRebindingTime:
			err = parseU32Opt(&r.RebindingTime, v)
		case DHCPv4OptMaxMessageSize:
			if len(v) != 2 {
				return 0, ErrMalformed
			}
			if r.MaxMessageSize == 0 {
				r.MaxMessageSize = binary.BigEndian.Uint16(v)
			}
		case DHCPv4OptMessageType:
			if len(v) != 1 || v[0] == 0 {
				return 0, ErrMalformed
			}
			if r.MessageType == 0 {
				r.MessageType = DHCPv4MessageType(v[0])
			}
		case DHCPv4OptOverload:
			if len(v) != 1 || v[0] < 1 || v[0] > 3 {
				return 0, ErrMalformed
			}
			if main && overload == 0 {
				overload = v[0]
			}
		case DHCPv4OptRouter:
			err = parseListOpt(&r.Routers, v)
		case DHCPv4OptDNS:
			err = parseListOpt(&r.DNS, v)
		case DHCPv4OptNTP:
			err = parseListOpt(&r.NTP, v)
		case DHCPv4OptHostname:
			parseBytesOpt(&r.Hostname, v)
		case DHCPv4OptClientID:
			parseBytesOpt(&r.ClientID, v)
		case DHCPv4OptParamRequest:
			parseBytesOpt(&r.ParamRequest, v)
		case DHCPv4OptMessage:
			parseBytesOpt(&r.Message, v)
		}
		if err != nil {
			return 0, err
		}
	}
}

func parseAddrOpt(dst *netip.Addr, v []byte) error {
	if len(v) != 4 {
		return ErrMalformed
	}
	if !dst.IsValid() {
		*dst = readAddr4(v)
	}
	return nil
}

func parseU32Opt(dst *uint32, v []byte) error {
	if len(v) != 4 {
		return ErrMalformed
	}
	// 0 stands for "absent" in the Repr; a zero time on the wire reads the
	// same, which is what a client does with one anyway: ignore it.
	if *dst == 0 {
		*dst = binary.BigEndian.Uint32(v)
	}
	return nil
}

func parseListOpt(l *DHCPv4AddrList, v []byte) error {
	if len(v) == 0 || len(v)%4 != 0 {
		return ErrMalformed
	}
	for ; len(v) > 0 && l.Add(readAddr4(v)); v = v[4:] {
	}
	return nil
}

// parseBytesOpt keeps the first occurrence. An empty option reads as an
// empty, non-nil slice, so it stays distinguishable from an absent one.
func parseBytesOpt(dst *[]byte, v []byte) {
	if *dst == nil {
		*dst = v[:len(v):len(v)]
	}
}

// SubnetBits returns the prefix length that SubnetMask encodes; ok is
// false if the option is absent or the mask is not contiguous.
func (r *DHCPv4Repr) SubnetBits() (bits int, ok bool) {
	if !r.SubnetMask.Is4() {
		return 0, false
	}
	b := r.SubnetMask.As4()
	m := binary.BigEndian.Uint32(b[:])
	ones := 0
	for ones < 32 && m&(1<<(31-ones)) != 0 {
		ones++
	}
	if ones < 32 && m<<ones != 0 {
		return 0, false
	}
	return ones, true
}

// Len returns the length Emit writes: header, cookie, options and the end
// option, padded to DHCPv4EmitMinLen.
func (r *DHCPv4Repr) Len() int {
	n := DHCPv4MinLen + 1 // end option
	addr := func(a netip.Addr) {
		if a.IsValid() {
			n += 6
		}
	}
	u32 := func(v uint32) {
		if v != 0 {
			n += 6
		}
	}
	list := func(l *DHCPv4AddrList) {
		if k := min(l.N, DHCPv4MaxAddrs); k > 0 {
			n += 2 + 4*k
		}
	}
	bytesOpt := func(v []byte) {
		if v != nil {
			n += 2 + min(len(v), 255)
		}
	}
	if r.MessageType != 0 {
		n += 3
	}
	addr(r.ServerID)
	addr(r.RequestedIP)
	addr(r.SubnetMask)
	u32(r.LeaseTime)
	u32(r.RenewalTime)
	u32(r.RebindingTime)
	if r.MaxMessageSize != 0 {
		n += 4
	}
	list(&r.Routers)
	list(&r.DNS)
	list(&r.NTP)
	bytesOpt(r.Hostname)
	bytesOpt(r.ClientID)
	bytesOpt(r.ParamRequest)
	bytesOpt(r.Message)
	return max(n, DHCPv4EmitMinLen)
}

// Emit writes the message into b, which must hold at least r.Len() bytes,
// and returns r.Len(). The sname and file fields are zeroed and carry no
// options: an emitted message never overloads. Byte-string options longer
// than 255 bytes are cut to 255, and lists to DHCPv4MaxAddrs addresses.
func (r *DHCPv4Repr) Emit(b []byte) int {
	n := r.Len()
	p := DHCPv4Packet(b[:n])
	clear(p)
	p.SetOp(r.Op)
	p.SetHardware(1, 6)
	p.SetHops(r.Hops)
	p.SetXID(r.XID)
	p.SetSecs(r.Secs)
	if r.Broadcast {
		p.SetFlags(dhcpFlagBroadcast)
	}
	p.SetClientAddr(r.ClientAddr)
	p.SetYourAddr(r.YourAddr)
	p.SetServerAddr(r.ServerAddr)
	p.SetRelayAddr(r.RelayAddr)
	p.SetClientHW(r.ClientHW)
	p.SetCookie()

	w := optWriter{b: p, i: DHCPv4MinLen}
	if r.MessageType != 0 {
		w.opt(DHCPv4OptMessageType, []byte{byte(r.MessageType)})
	}
	w.bytes(DHCPv4OptClientID, r.ClientID)
	w.addr(DHCPv4OptRequestedIP, r.RequestedIP)
	w.addr(DHCPv4OptServerID, r.ServerID)
	w.bytes(DHCPv4OptHostname, r.Hostname)
	w.bytes(DHCPv4OptParamRequest, r.ParamRequest)
	if r.MaxMessageSize != 0 {
		var v [2]byte
		binary.BigEndian.PutUint16(v[:], r.MaxMessageSize)
		w.opt(DHCPv4OptMaxMessageSize, v[:])
	}
	w.u32(DHCPv4OptLeaseTime, r.LeaseTime)
	w.u32(DHCPv4OptRenewalTime, r.RenewalTime)
	w.u32(DHCPv4OptRebindingTime, r.RebindingTime)
	w.addr(DHCPv4OptSubnetMask, r.SubnetMask)
	w.list(DHCPv4OptRouter, &r.Routers)
	w.list(DHCPv4OptDNS, &r.DNS)
	w.list(DHCPv4OptNTP, &r.NTP)
	w.bytes(DHCPv4OptMessage, r.Message)
	p[w.i] = byte(DHCPv4OptEnd)
	return n
}

// optWriter appends options to a buffer Len has sized.
type optWriter struct {
	b []byte
	i int
}

func (w *optWriter) opt(code DHCPv4Option, v []byte) {
	w.b[w.i], w.b[w.i+1] = byte(code), byte(len(v))
	w.i += 2 + copy(w.b[w.i+2:], v)
}

func (w *optWriter) addr(code DHCPv4Option, a netip.Addr) {
	if a.IsValid() {
		v := addr4(a)
		w.opt(code, v[:])
	}
}

func (w *optWriter) u32(code DHCPv4Option, x uint32) {
	if x != 0 {
		var v [4]byte
		binary.BigEndian.PutUint32(v[:], x)
		w.opt(code, v[:])
	}
}

func (w *optWriter) list(code DHCPv4Option, l *DHCPv4AddrList) {
	k := min(l.N, DHCPv4MaxAddrs)
	if k <= 0 {
		return
	}
	w.b[w.i], w.b[w.i+1] = byte(code), byte(4*k)
	w.i += 2
	for _, a := range l.Addrs[:k] {
		putAddr4(w.b[w.i:], a)
		w.i += 4
	}
}

func (w *optWriter) bytes(code DHCPv4Option, v []byte) {
	if v != nil {
		w.opt(code, v[:min(len(v), 255)])
	}
}
