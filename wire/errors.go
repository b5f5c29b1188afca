package wire

// Error is what the constructors and Parse methods of this package return
// when input is rejected. It is a small integer so that returning one never
// allocates and callers can compare with errors.Is or ==.
type Error uint8

const (
	// ErrTruncated: the buffer is shorter than the header or than a length
	// field says.
	ErrTruncated Error = iota + 1
	// ErrBadVersion: the IP version is not 4.
	ErrBadVersion
	// ErrBadHeaderLen: an IPv4 IHL or a TCP data offset below 5 words.
	ErrBadHeaderLen
	// ErrBadLength: a length field inconsistent with the header (IPv4 total
	// length below the header length, UDP length below 8).
	ErrBadLength
	// ErrBadChecksum: a checksum did not verify.
	ErrBadChecksum
	// ErrUnsupported: valid on the wire but not handled here (ARP for other
	// than Ethernet/IPv4, ICMP types without a Repr).
	ErrUnsupported
	// ErrMalformed: a field encoding is invalid, such as a TCP option whose
	// length is wrong for its kind or runs past the options.
	ErrMalformed
)

var errorText = [...]string{
	ErrTruncated:    "wire: packet truncated",
	ErrBadVersion:   "wire: bad IP version",
	ErrBadHeaderLen: "wire: bad header length",
	ErrBadLength:    "wire: bad length field",
	ErrBadChecksum:  "wire: bad checksum",
	ErrUnsupported:  "wire: unsupported packet",
	ErrMalformed:    "wire: malformed field",
}

// Error returns a constant string; it does not allocate.
func (e Error) Error() string {
	if int(e) < len(errorText) && errorText[e] != "" {
		return errorText[e]
	}
	return "wire: unknown error"
}
