package pcap

import (
	"encoding/binary"
	"errors"
	"io"
)

// Reader reads records from a pcap file. It exists for tests and tools; it
// allocates its record buffer as files require.
type Reader struct {
	r        io.Reader
	order    binary.ByteOrder
	nanos    bool
	snaplen  int
	linkType uint32
	hdr      [recordHeaderLen]byte
	buf      []byte
}

// NewReader reads and checks the file header.
func NewReader(r io.Reader) (*Reader, error) {
	var h [fileHeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, truncated(err)
	}
	rd := &Reader{r: r}
	switch {
	case binary.LittleEndian.Uint32(h[:]) == magicNanos:
		rd.order, rd.nanos = binary.LittleEndian, true
	case binary.BigEndian.Uint32(h[:]) == magicNanos:
		rd.order, rd.nanos = binary.BigEndian, true
	case binary.LittleEndian.Uint32(h[:]) == magicMicros:
		rd.order = binary.LittleEndian
	case binary.BigEndian.Uint32(h[:]) == magicMicros:
		rd.order = binary.BigEndian
	default:
		return nil, ErrBadMagic
	}
	snap := rd.order.Uint32(h[16:])
	if snap == 0 || snap > maxRecord {
		return nil, ErrBadSnaplen
	}
	rd.snaplen = int(snap)
	// The top bits of the link type field carry FCS flags; keep the type.
	rd.linkType = rd.order.Uint32(h[20:]) & 0x0fffffff
	return rd, nil
}

// Snaplen reports the file's snapshot length.
func (r *Reader) Snaplen() int { return r.snaplen }

// LinkType reports the file's link type (LinkTypeEthernet for our files).
func (r *Reader) LinkType() uint32 { return r.linkType }

// Nanosecond reports whether timestamps in the file have nanosecond
// resolution; if not, they are microseconds and Next scales them.
func (r *Reader) Nanosecond() bool { return r.nanos }

// Next returns the next record: its timestamp in nanoseconds and the captured
// bytes, which stay valid until the following call. At the end of the file it
// returns io.EOF.
func (r *Reader) Next() (tsNanos int64, frame []byte, err error) {
	if _, err := io.ReadFull(r.r, r.hdr[:]); err != nil {
		if err == io.EOF {
			return 0, nil, io.EOF
		}
		return 0, nil, truncated(err)
	}
	sec := int64(r.order.Uint32(r.hdr[0:]))
	frac := int64(r.order.Uint32(r.hdr[4:]))
	incl := r.order.Uint32(r.hdr[8:])
	if incl > maxRecord {
		return 0, nil, ErrTooLarge
	}
	if !r.nanos {
		frac *= 1000
	}
	if cap(r.buf) < int(incl) {
		r.buf = make([]byte, incl)
	}
	frame = r.buf[:incl]
	if _, err := io.ReadFull(r.r, frame); err != nil {
		return 0, nil, truncated(err)
	}
	return sec*1e9 + frac, frame, nil
}

// truncated reports a short read as ErrTruncated and passes other I/O
// errors through unchanged.
func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ErrTruncated
	}
	return err
}
