package dns

import "encoding/binary"

// dnsHeaderLen is the fixed header every DNS message starts with
// (RFC 1035 4.1.1): a message shorter than this is not one.
const dnsHeaderLen = 12

// tcpFrame reads one DNS message off a TCP stream, where each message
// travels behind its length as two bytes in network order (RFC 1035 4.2.2,
// RFC 7766 8). It is sans-IO: the caller feeds it the bytes as they arrive,
// split anyhow, and it copies the message into buf, whose length is the
// longest message it accepts. It never reads past the end of the message,
// so whatever follows stays in the stream.
type tcpFrame struct {
	buf  []byte
	pre  [2]byte // the length prefix as read so far
	npre int     // bytes of pre filled
	size int     // the message's length, once the prefix is whole
	n    int     // bytes of the message copied into buf
	err  error   // the length was refused; sticky until reset
}

// reset readies f for the next message.
func (f *tcpFrame) reset() { f.npre, f.size, f.n, f.err = 0, 0, 0, nil }

// write takes bytes from the stream and returns how many it used. A
// length shorter than a DNS header fails with ErrTCPBadLength, one longer
// than buf with ErrTCPTooLarge, before any byte of the message is copied;
// after an error, or once the message is whole, it uses nothing more.
func (f *tcpFrame) write(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	used := 0
	for f.npre < len(f.pre) && used < len(p) {
		f.pre[f.npre] = p[used]
		f.npre++
		used++
		if f.npre < len(f.pre) {
			continue
		}
		switch size := int(binary.BigEndian.Uint16(f.pre[:])); {
		case size < dnsHeaderLen:
			f.err = ErrTCPBadLength
		case size > len(f.buf):
			f.err = ErrTCPTooLarge
		default:
			f.size = size
		}
		if f.err != nil {
			return used, f.err
		}
	}
	if f.npre < len(f.pre) {
		return used, nil
	}
	k := copy(f.buf[f.n:f.size], p[used:])
	f.n += k
	return used + k, nil
}

// done reports whether the whole message is in.
func (f *tcpFrame) done() bool { return f.err == nil && f.npre == len(f.pre) && f.n == f.size }

// message returns the message read: whole once done reports true.
func (f *tcpFrame) message() []byte { return f.buf[:f.n] }
