package wire

// TCPFlags are the control bits of a TCP header (byte 13).
type TCPFlags uint8

// TCP control bits, lowest first.
const (
	TCPFin TCPFlags = 1 << iota
	TCPSyn
	TCPRst
	TCPPsh
	TCPAck
	TCPUrg
	TCPEce
	TCPCwr
)

// Has reports whether all flags in x are set in f.
func (f TCPFlags) Has(x TCPFlags) bool { return f&x == x }

// tcpFlagLetters lists the flags in the order tcpdump prints them, with "."
// for ACK, so a trace reads like tcpdump output.
var tcpFlagLetters = [...]struct {
	flag   TCPFlags
	letter byte
}{
	{TCPFin, 'F'}, {TCPSyn, 'S'}, {TCPRst, 'R'}, {TCPPsh, 'P'},
	{TCPAck, '.'}, {TCPUrg, 'U'}, {TCPEce, 'E'}, {TCPCwr, 'W'},
}

// String returns the flags the way tcpdump writes them: "[S]", "[S.]",
// "[P.]", "[F.]", "[R.]", or "[none]". It allocates; use AppendTo on hot
// paths.
func (f TCPFlags) String() string {
	var buf [10]byte
	return string(f.AppendTo(buf[:0]))
}

// AppendTo appends the String form of f to b.
func (f TCPFlags) AppendTo(b []byte) []byte {
	if f == 0 {
		return append(b, "[none]"...)
	}
	b = append(b, '[')
	for _, fl := range tcpFlagLetters {
		if f&fl.flag != 0 {
			b = append(b, fl.letter)
		}
	}
	return append(b, ']')
}
