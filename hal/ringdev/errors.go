package ringdev

// Error is the type of the errors this package returns; compare with
// errors.Is.
type Error uint8

const (
	// ErrSlots: a ring size is negative.
	ErrSlots Error = iota + 1
	// ErrNoLink is what a transmit writer answers when there is nothing to
	// write to, such as a stream that is not connected: RunTx counts the
	// frame as neither sent nor failed, and the writer may count it itself.
	ErrNoLink
)

func (e Error) Error() string {
	switch e {
	case ErrSlots:
		return "ringdev: negative ring size"
	case ErrNoLink:
		return "ringdev: no link to send on"
	}
	return "ringdev: unknown error"
}
