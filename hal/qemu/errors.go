package qemu

// Error is the type of the errors this package returns; compare with
// errors.Is. Errors from the network are wrapped after one of these, so
// errors.Is also finds the underlying cause.
type Error uint8

const (
	// ErrConfig: a Config field or a network name is out of range.
	ErrConfig Error = iota + 1
	// ErrDial: the connection to QEMU could not be made.
	ErrDial
	// ErrListen: the address to wait for QEMU on could not be bound.
	ErrListen
	// ErrTarget: a link description did not parse.
	ErrTarget
	// ErrFrameLength: a stream carried a frame length of 0 or above the MTU.
	ErrFrameLength
	// ErrClosed: the device was already closed.
	ErrClosed
)

func (e Error) Error() string {
	switch e {
	case ErrConfig:
		return "qemu: invalid configuration"
	case ErrDial:
		return "qemu: cannot connect"
	case ErrListen:
		return "qemu: cannot listen"
	case ErrTarget:
		return "qemu: invalid link target"
	case ErrFrameLength:
		return "qemu: invalid frame length in stream"
	case ErrClosed:
		return "qemu: device closed"
	}
	return "qemu: unknown error"
}
