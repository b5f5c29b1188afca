package pcap

// Error is a pcap failure, comparable with errors.Is.
type Error uint8

const (
	// ErrBadMagic: the file does not start with a libpcap magic number.
	ErrBadMagic Error = iota + 1
	// ErrBadSnaplen: a snapshot length that is negative, or zero in a file.
	ErrBadSnaplen
	// ErrTruncated: the file ends inside a header or a record.
	ErrTruncated
	// ErrTooLarge: a record claims more bytes than a reader will hold.
	ErrTooLarge
)

var errText = [...]string{
	ErrBadMagic:   "pcap: bad magic number",
	ErrBadSnaplen: "pcap: bad snapshot length",
	ErrTruncated:  "pcap: truncated file",
	ErrTooLarge:   "pcap: record too large",
}

func (e Error) Error() string {
	if int(e) < len(errText) && errText[e] != "" {
		return errText[e]
	}
	return "pcap: unknown error"
}
