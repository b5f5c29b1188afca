package pcap

import (
	"encoding/binary"
	"io"
)

// Writer appends records to a pcap file. It is not safe for concurrent use.
type Writer struct {
	w       io.Writer
	snaplen int
	// hdr is reused for every record header: building it in a local array
	// and passing a slice of it to an io.Writer interface would move it to
	// the heap on every call.
	hdr [recordHeaderLen]byte
}

// NewWriter writes the file header to w and returns a writer of Ethernet
// frames that keeps at most snaplen bytes of each (0 means DefaultSnaplen).
func NewWriter(w io.Writer, snaplen int) (*Writer, error) {
	if snaplen < 0 {
		return nil, ErrBadSnaplen
	}
	if snaplen == 0 {
		snaplen = DefaultSnaplen
	}
	var h [fileHeaderLen]byte
	le := binary.LittleEndian
	le.PutUint32(h[0:], magicNanos)
	le.PutUint16(h[4:], versionMajor)
	le.PutUint16(h[6:], versionMinor)
	// h[8:16]: thiszone and sigfigs, always 0.
	le.PutUint32(h[16:], uint32(snaplen))
	le.PutUint32(h[20:], LinkTypeEthernet)
	if _, err := w.Write(h[:]); err != nil {
		return nil, err
	}
	return &Writer{w: w, snaplen: snaplen}, nil
}

// Snaplen reports the largest number of bytes kept from each frame.
func (w *Writer) Snaplen() int { return w.snaplen }

// WritePacket appends one frame captured at tsNanos (nanoseconds since the
// Unix epoch with a real clock; any origin with a virtual one). Frames longer
// than the snaplen are cut, keeping their original length in the record.
// Instants before the epoch are written as 0. It does not allocate.
func (w *Writer) WritePacket(tsNanos int64, frame []byte) error {
	if tsNanos < 0 {
		tsNanos = 0
	}
	incl := min(len(frame), w.snaplen)
	le := binary.LittleEndian
	le.PutUint32(w.hdr[0:], uint32(tsNanos/1e9))
	le.PutUint32(w.hdr[4:], uint32(tsNanos%1e9))
	le.PutUint32(w.hdr[8:], uint32(incl))
	le.PutUint32(w.hdr[12:], uint32(len(frame)))
	if _, err := w.w.Write(w.hdr[:]); err != nil {
		return err
	}
	_, err := w.w.Write(frame[:incl])
	return err
}
