package wire

import "encoding/binary"

// TCP option kinds (RFC 9293, RFC 7323, RFC 2018).
const (
	tcpOptEOL           = 0
	tcpOptNOP           = 1
	tcpOptMSS           = 2
	tcpOptWindowScale   = 3
	tcpOptSACKPermitted = 4
	tcpOptSACK          = 5
	tcpOptTimestamps    = 8
)

// TCPMaxOptionsLen is the most option bytes a TCP header can carry.
const TCPMaxOptionsLen = 40

// TCPMaxWindowScale is the largest window shift RFC 7323 2.3 allows.
const TCPMaxWindowScale = 14

// SACKBlock is one block of a SACK option: the sequence space
// [Left, Right) received beyond the cumulative acknowledgment.
type SACKBlock struct {
	Left, Right uint32
}

// TCPOptions holds the TCP options legation understands. Its zero value is
// "no options".
type TCPOptions struct {
	MSS    uint16
	HasMSS bool

	WindowScale    uint8 // a shift above 14 is clamped to 14 (RFC 7323 2.3)
	HasWindowScale bool

	SACKPermitted bool

	SACK    [4]SACKBlock // the first NumSACK are in use, most recent first
	NumSACK int

	HasTimestamps bool
	TSVal, TSEcr  uint32
}

// Parse reads a TCP options field, resetting o first. Unknown options are
// skipped by their length, NOPs are skipped, and an EOL ends the list. It
// returns ErrMalformed if an option's length byte is missing, below 2, runs
// past b, or is wrong for a known kind (a SACK option must hold 1 to 4
// blocks). A repeated option overwrites the earlier one.
func (o *TCPOptions) Parse(b []byte) error {
	*o = TCPOptions{}
	for len(b) > 0 {
		kind := b[0]
		if kind == tcpOptEOL {
			return nil
		}
		if kind == tcpOptNOP {
			b = b[1:]
			continue
		}
		if len(b) < 2 {
			return ErrMalformed
		}
		n := int(b[1])
		if n < 2 || n > len(b) {
			return ErrMalformed
		}
		v := b[2:n]
		switch kind {
		case tcpOptMSS:
			if n != 4 {
				return ErrMalformed
			}
			o.MSS, o.HasMSS = binary.BigEndian.Uint16(v), true
		case tcpOptWindowScale:
			if n != 3 {
				return ErrMalformed
			}
			o.WindowScale, o.HasWindowScale = min(v[0], TCPMaxWindowScale), true
		case tcpOptSACKPermitted:
			if n != 2 {
				return ErrMalformed
			}
			o.SACKPermitted = true
		case tcpOptSACK:
			k := len(v) / 8
			if len(v)%8 != 0 || k < 1 || k > len(o.SACK) {
				return ErrMalformed
			}
			for i := range k {
				o.SACK[i] = SACKBlock{
					Left:  binary.BigEndian.Uint32(v[8*i:]),
					Right: binary.BigEndian.Uint32(v[8*i+4:]),
				}
			}
			// A shorter repeat must not leave stale blocks behind.
			clear(o.SACK[k:])
			o.NumSACK = k
		case tcpOptTimestamps:
			if n != 10 {
				return ErrMalformed
			}
			o.TSVal, o.TSEcr = binary.BigEndian.Uint32(v[0:4]), binary.BigEndian.Uint32(v[4:8])
			o.HasTimestamps = true
		}
		b = b[n:]
	}
	return nil
}

// The encoding is the one Linux and the BSDs send, which RFC 7323 appendix
// A and RFC 2018 recommend: each option starts a 32-bit word, padded in
// front by NOPs, and SACK-permitted shares the timestamps' word when both
// are present:
//
//	MSS        02 04 mm mm
//	TS+SACKOK  04 02 08 0a  tsval  tsecr     (01 01 08 0a ... without SACKOK)
//	SACKOK     01 01 04 02                   (only without timestamps)
//	WS         01 03 03 ss
//	SACK       01 01 05 ll  blocks...
//
// Every option thus lands on a word boundary, so the fixed part is at most
// 20 bytes and at least two SACK blocks always fit.

// fixedLen returns the encoded length of everything but the SACK blocks.
func (o *TCPOptions) fixedLen() int {
	n := 0
	if o.HasMSS {
		n += 4
	}
	if o.HasTimestamps {
		n += 12
	} else if o.SACKPermitted {
		n += 4
	}
	if o.HasWindowScale {
		n += 4
	}
	return n
}

// sackBlocks returns how many of the first NumSACK blocks fit after fixed
// bytes of other options; the rest are dropped.
func (o *TCPOptions) sackBlocks(fixed int) int {
	k := min(max(o.NumSACK, 0), len(o.SACK))
	return min(k, (TCPMaxOptionsLen-fixed-4)/8)
}

// Len returns the encoded length of the options, a multiple of 4 no greater
// than 40.
func (o *TCPOptions) Len() int {
	fixed := o.fixedLen()
	if k := o.sackBlocks(fixed); k > 0 {
		return fixed + 4 + 8*k
	}
	return fixed
}

// Emit writes the options to b, which must be at least Len bytes long, and
// returns Len. The order is MSS, SACK-permitted with timestamps, window
// scale, SACK blocks (see the layout above); SACK blocks past the 40-byte
// limit are dropped from the end, and a window scale above 14 is sent as 14.
func (o *TCPOptions) Emit(b []byte) int {
	fixed := o.fixedLen()
	k := o.sackBlocks(fixed)
	n := 0
	if o.HasMSS {
		b[0], b[1] = tcpOptMSS, 4
		binary.BigEndian.PutUint16(b[2:4], o.MSS)
		n = 4
	}
	if o.HasTimestamps {
		if o.SACKPermitted {
			b[n], b[n+1] = tcpOptSACKPermitted, 2
		} else {
			b[n], b[n+1] = tcpOptNOP, tcpOptNOP
		}
		b[n+2], b[n+3] = tcpOptTimestamps, 10
		binary.BigEndian.PutUint32(b[n+4:], o.TSVal)
		binary.BigEndian.PutUint32(b[n+8:], o.TSEcr)
		n += 12
	} else if o.SACKPermitted {
		b[n], b[n+1], b[n+2], b[n+3] = tcpOptNOP, tcpOptNOP, tcpOptSACKPermitted, 2
		n += 4
	}
	if o.HasWindowScale {
		b[n], b[n+1], b[n+2], b[n+3] = tcpOptNOP, tcpOptWindowScale, 3, min(o.WindowScale, TCPMaxWindowScale)
		n += 4
	}
	if k > 0 {
		b[n], b[n+1], b[n+2], b[n+3] = tcpOptNOP, tcpOptNOP, tcpOptSACK, uint8(2+8*k)
		n += 4
		for _, blk := range o.SACK[:k] {
			binary.BigEndian.PutUint32(b[n:], blk.Left)
			binary.BigEndian.PutUint32(b[n+4:], blk.Right)
			n += 8
		}
	}
	return n
}
